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

    public static func sha256Hex(bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// HMAC-SHA256 of the canonical JSON of `values` under `key`, as hex: for hashes of content
    /// that includes secret material and that others may read (see `ContentHashKey`).
    public static func keyedHex(of values: [JSONValue], key: ContentHashKey) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: JSONValue.array(values).serialized(), using: key.key))
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: SHA256.byteCount * 2) { buffer in
            var index = 0
            for byte in digest {
                buffer[index] = hex[Int(byte >> 4)]
                buffer[index + 1] = hex[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }

    /// The first 88 bits of the SHA-256 of `value`'s canonical JSON, as 15 characters (URL-safe
    /// base64): a string Swift keeps inline, with no allocation. For fingerprints held in memory
    /// per object of a fleet and compared for equality; finding another content with a given
    /// fingerprint takes about 2^88 tries.
    public static func shortDigest(of value: JSONValue) -> String {
        let digest = Array(SHA256.hash(data: value.serialized()))
        let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        return String(unsafeUninitializedCapacity: shortDigestLength) { buffer in
            // 15 characters of 6 bits: the digest's first 88 bits, then two zero bits.
            var bits: UInt64 = 0, count = 0, index = 0, byte = 0
            while index < shortDigestLength {
                if count < 6 {
                    bits = bits << 8 | UInt64(byte < 11 ? digest[byte] : 0)
                    byte += 1
                    count += 8
                }
                count -= 6
                buffer[index] = alphabet[Int((bits >> UInt64(count)) & 0x3F)]
                index += 1
            }
            return index
        }
    }

    public static let shortDigestLength = 15
}
