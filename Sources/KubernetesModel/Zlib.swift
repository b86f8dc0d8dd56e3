import CZlib

/// zlib (RFC 1950) compression of whole buffers: addon versions published to the management
/// plane whose content would not fit one API object uncompressed, and `CompressedJSON`.
package enum Zlib {
    package struct Failure: Error, Sendable, CustomStringConvertible {
        package var description: String
    }

    /// - level: 1 (fastest) to 9 (smallest; the default).
    package static func compress(_ input: [UInt8], level: Int32 = Z_BEST_COMPRESSION) throws(Failure) -> [UInt8] {
        var capacity = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                compress2(target.baseAddress, &capacity, source.baseAddress, uLong(source.count), level)
            }
        }
        guard status == Z_OK else { throw Failure(description: "zlib compression failed (status \(status))") }
        output.removeSubrange(Int(capacity)...)
        return output
    }

    /// Decompresses data whose uncompressed size is known (it is stored beside the data);
    /// anything else (truncated, corrupt, a different size) is an error.
    package static func decompress(_ input: [UInt8], size: Int) throws(Failure) -> [UInt8] {
        guard size >= 0, size <= 256 * 1024 * 1024 else { throw Failure(description: "uncompressed size \(size) out of range") }
        var length = uLongf(size)
        var output = [UInt8](repeating: 0, count: max(size, 1))
        let status = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                uncompress(target.baseAddress, &length, source.baseAddress, uLong(source.count))
            }
        }
        guard status == Z_OK else { throw Failure(description: "the compressed content is corrupt (zlib status \(status))") }
        guard Int(length) == size else { throw Failure(description: "the content decompresses to \(length) bytes, not the \(size) recorded") }
        if size == 0 { return [] }
        return output
    }
}
