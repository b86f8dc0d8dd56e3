import CZlib

/// zlib (RFC 1950) compression of whole buffers, for addon versions published to the
/// management plane whose content would not fit one API object uncompressed.
enum Zlib {
    struct Failure: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    static func compress(_ input: [UInt8]) throws(Failure) -> [UInt8] {
        var capacity = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                compress2(target.baseAddress, &capacity, source.baseAddress, uLong(source.count), Z_BEST_COMPRESSION)
            }
        }
        guard status == Z_OK else { throw Failure(description: "zlib compression failed (status \(status))") }
        output.removeSubrange(Int(capacity)...)
        return output
    }

    /// Decompresses data whose uncompressed size is known (it is stored beside the data);
    /// anything else (truncated, corrupt, a different size) is an error.
    static func decompress(_ input: [UInt8], size: Int) throws(Failure) -> [UInt8] {
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
