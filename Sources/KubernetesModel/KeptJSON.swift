import CZlib

/// Compact JSON text kept in memory for long (the caches of a fleet's objects, kept renderings,
/// remembered Events), deflated against a preset dictionary of the words Kubernetes objects are
/// made of (`KeptJSONDictionary`).
///
/// A fleet keeps some sixty small texts per cluster: what health reads of each owned object (about
/// 320 bytes: keys, timestamps, a uid, condition messages), and the renderings that differ from
/// cluster to cluster. Deflated on their own they lose only a third: a text of 300 bytes has
/// little to refer back to. Against a dictionary of the keys and values such texts repeat, the
/// owned objects' texts of a `dev` cluster with the default addons take under a third of their
/// size (57 objects: 18.2 KB of text, 5.6 KB deflated; 12.2 KB deflated without the dictionary).
///
/// A text that would not be smaller deflated is kept as it is. Equal texts are kept as equal
/// bytes (deflate is deterministic for one input, level, window and dictionary): two kept texts
/// are equal (`==`, `hash`) when their texts are.
public struct KeptJSON: Sendable, Hashable {
    /// The deflated text (raw deflate, no zlib header), or the text itself when `isDeflated` is false.
    private let stored: [UInt8]
    /// The length of the text, when deflated (texts too long for 32 bits are kept as they are).
    private let length: UInt32
    /// Whether `stored` is the text deflated.
    let isDeflated: Bool

    /// The compact JSON text of `value` (`serialized()`), kept.
    public init(_ value: JSONValue) {
        self.init(text: value.serialized())
    }

    /// `text` (compact JSON), kept.
    public init(text: [UInt8]) {
        length = UInt32(clamping: text.count)
        if text.count < Self.smallest || text.count > Self.largest {
            stored = Self.exactly(text)
            isDeflated = false
        } else if let packed = Self.deflate(text), packed.count < text.count {
            stored = packed
            isDeflated = true
        } else {
            stored = Self.exactly(text)
            isDeflated = false
        }
    }

    /// The text.
    public var text: [UInt8] {
        guard isDeflated else { return stored }
        // Deflated here, in this process, with the same dictionary: inflating cannot fail short
        // of memory corruption; the empty text then fails to parse, as a damaged text would.
        return Self.inflate(stored, length: Int(length)) ?? []
    }

    /// The text, parsed.
    public func parsed() throws -> JSONValue { try JSONValue.parse(text) }

    /// The length of the text.
    public var textCount: Int { isDeflated ? Int(length) : stored.count }

    /// The bytes kept for it.
    public var keptCount: Int { stored.count }

    // MARK: Deflate and inflate

    /// Shorter texts gain nothing worth a stream's set-up; longer ones are kept whole (a kept text
    /// of over 16 MiB is not what this is for).
    private static let smallest = 64
    private static let largest = 16 << 20
    /// A 4 KiB window holds the whole dictionary (zlib uses up to the window less 262 bytes of it).
    private static let windowBits: Int32 = 12
    /// Small hash chains and a block buffer of 1024 symbols: a stream's state is about 30 KB, not
    /// the 260 KB of zlib's defaults, and texts of a few KB lose under 1 % by it.
    private static let memoryLevel: Int32 = 4
    private static let level: Int32 = 6

    // zlib keeps the stream's address in its state and refuses a call made with another: each
    // stream lives at one allocated address (`withStream`), never in a Swift variable passed
    // `&stream` (whose address Swift does not promise to keep).

    private static func deflate(_ text: [UInt8]) -> [UInt8]? {
        guard let primed = PrimedDeflater.shared else { return nil }
        return withStream { stream -> [UInt8]? in
            guard primed.copy(into: stream) else { return nil }
            defer { deflateEnd(stream) }
            let bound = Int(deflateBound(stream, uLong(text.count)))
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { output -> [UInt8]? in
                let status = run(stream, over: text, into: output) { CZlib.deflate($0, Z_FINISH) }
                guard status == Z_STREAM_END else { return nil }
                return exactly(UnsafeBufferPointer(rebasing: output[..<(output.count - Int(stream.pointee.avail_out))]))
            }
        }
    }

    private static func inflate(_ packed: [UInt8], length: Int) -> [UInt8]? {
        withStream { stream -> [UInt8]? in
            guard inflateInit2_(stream, -windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
            defer { inflateEnd(stream) }
            // A raw stream takes its dictionary before any input.
            let dictionaryStatus = KeptJSONDictionary.bytes.withUnsafeBufferPointer { dictionary in
                inflateSetDictionary(stream, dictionary.baseAddress, uInt(dictionary.count))
            }
            guard dictionaryStatus == Z_OK else { return nil }
            var failed = false
            let text = [UInt8](unsafeUninitializedCapacity: length) { output, count in
                let status = run(stream, over: packed, into: output) { CZlib.inflate($0, Z_FINISH) }
                failed = status != Z_STREAM_END || Int(stream.pointee.total_out) != length
                count = failed ? 0 : length
            }
            return failed ? nil : text
        }
    }

    /// A zeroed stream at one address for the length of `body`.
    private static func withStream<Result>(_ body: (UnsafeMutablePointer<z_stream>) -> Result) -> Result {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        return body(stream)
    }

    /// Runs `finish` (deflate or inflate to the end) with `input` in and `output` out.
    private static func run(_ stream: UnsafeMutablePointer<z_stream>, over input: [UInt8], into output: UnsafeMutableBufferPointer<UInt8>,
                            _ finish: (UnsafeMutablePointer<z_stream>) -> Int32) -> Int32 {
        input.withUnsafeBufferPointer { input in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.pointee.avail_in = uInt(input.count)
            stream.pointee.next_out = output.baseAddress
            stream.pointee.avail_out = uInt(output.count)
            return finish(stream)
        }
    }

    /// A deflate stream that has taken the dictionary and nothing else, copied for each text
    /// (`deflateCopy`, which only reads it): taking the dictionary hashes every position of it, and
    /// a copy costs a third less than a stream set up anew for a short text.
    /// Made once, never written after (a copy only reads it), never freed.
    private final class PrimedDeflater: @unchecked Sendable {
        static let shared = PrimedDeflater()
        private let stream: UnsafeMutablePointer<z_stream>

        private init?() {
            stream = .allocate(capacity: 1)
            stream.initialize(to: z_stream())
            guard deflateInit2_(stream, KeptJSON.level, Z_DEFLATED, -KeptJSON.windowBits, KeptJSON.memoryLevel, Z_DEFAULT_STRATEGY,
                                zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                stream.deallocate()
                return nil
            }
            let status = KeptJSONDictionary.bytes.withUnsafeBufferPointer { dictionary in
                deflateSetDictionary(stream, dictionary.baseAddress, uInt(dictionary.count))
            }
            guard status == Z_OK else {
                deflateEnd(stream)
                stream.deallocate()
                return nil
            }
        }

        /// A fresh stream at `target` (to be ended with `deflateEnd`), ready for a text.
        func copy(into target: UnsafeMutablePointer<z_stream>) -> Bool {
            deflateCopy(target, stream) == Z_OK
        }
    }

    /// The bytes in an array no larger than they are (a kept array holds no growth slack).
    private static func exactly(_ bytes: some Collection<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: bytes)
        }
    }
}
