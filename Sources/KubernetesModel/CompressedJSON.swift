import CZlib

/// A JSON value kept as compressed text: for what a fleet holds for every cluster and rarely
/// reads (the objects it watches in each workload cluster, the renderings of each cluster's
/// addons). Manifests and API objects compress four to eight times; reading one back costs a
/// decompression and a parse.
public struct CompressedJSON: Sendable {
    private let bytes: [UInt8]
    /// The length of the JSON text; nil when `bytes` is the text itself (compression did not
    /// make it smaller, or failed).
    private let textLength: Int?

    public init(_ value: JSONValue) {
        let text = value.serialized()
        // zlib's fastest level: most of the gain for a fraction of the time of its best.
        if let compressed = try? Zlib.compress(text, level: Z_BEST_SPEED), compressed.count < text.count {
            bytes = compressed
            textLength = text.count
        } else {
            bytes = text
            textLength = nil
        }
    }

    /// The value (`.null` should the stored text not decompress or parse, which our own
    /// compression of a serialized value does not produce).
    public var value: JSONValue {
        guard let textLength else { return (try? JSONValue.parse(bytes)) ?? .null }
        guard let text = try? Zlib.decompress(bytes, size: textLength) else { return .null }
        return (try? JSONValue.parse(text)) ?? .null
    }

    /// The bytes kept.
    public var storedBytes: Int { bytes.count }
}
