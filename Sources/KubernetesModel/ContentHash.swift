import Crypto

/// SHA-256 of canonical JSON (sorted keys, compact, stable number formatting): the same
/// content hashes the same across runs and across versions of this program.
public enum ContentHash {
    public static func sha256Hex(of value: JSONValue) -> String {
        sha256Hex(bytes: value.serialized())
    }

    public static func sha256Hex(of values: [JSONValue]) -> String {
        sha256Hex(bytes: JSONValue.array(values).serialized())
    }

    public static func sha256Hex(bytes: some Sequence<UInt8>) -> String {
        let digest = SHA256.hash(data: Array(bytes))
        return digest.map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }
}
