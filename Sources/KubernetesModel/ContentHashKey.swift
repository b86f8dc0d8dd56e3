import Crypto

/// The secret key of the content hashes addon-manager writes where others read them (a
/// ClusterAddon's `status.lastAppliedHash`, the inventory in the workload cluster). Those hashes
/// cover rendered Secrets' data, and an unkeyed SHA-256 of content that is otherwise known (the
/// catalog's templates, the cluster's facts) lets anyone who reads the hash test guesses of a
/// low-entropy secret offline. Keyed (HMAC-SHA256), the hash says nothing without the key.
///
/// One key per installation, kept in the management plane (`ContentHashKeyStore`), so that
/// replicas and restarts compute the same hashes. Never printed: its description is redacted.
public struct ContentHashKey: Sendable, CustomStringConvertible, CustomReflectable {
    /// The size of a generated key, and the least a stored key may have.
    public static let byteCount = 32

    let key: SymmetricKey

    /// A key of `bytes`; nil when shorter than `byteCount`.
    public init?(bytes: [UInt8]) {
        guard bytes.count >= Self.byteCount else { return nil }
        key = SymmetricKey(data: bytes)
    }

    /// A new random key.
    public static func random() -> ContentHashKey {
        ContentHashKey(key: SymmetricKey(size: .bits256))
    }

    /// One random key for the life of this process: the default of controllers embedded without
    /// a stored key (tests). A manager that restarts with another key hashes every addon
    /// differently and applies each once more (the content is unchanged: a no-op apply).
    public static let processDefault = random()

    private init(key: SymmetricKey) { self.key = key }

    /// The key's bytes, to store it.
    public var bytes: [UInt8] { key.withUnsafeBytes { Array($0) } }

    public var description: String { "ContentHashKey(<redacted>)" }

    /// No children: `dump` and debuggers' summaries show the description, not the bytes.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
