import Foundation

/// Where rendering gets secret material (OpenStack credentials, S3 keys): the controller reads
/// management-plane Secrets, tests and `addonctl catalog render` use an in-memory source.
public protocol SecretSource: Sendable {
    /// The string data of the Secret `named` in `namespace` (nil: the source's default
    /// namespace): the values that are UTF-8 text. Throws when it does not exist or cannot be read.
    func secret(named name: String, namespace: String?) async throws -> [String: String]
    /// Every value of the Secret as the bytes it holds (binary data too: a keytab, a DER key).
    func secretBytes(named name: String, namespace: String?) async throws -> [String: [UInt8]]
}

extension SecretSource {
    public func secretBytes(named name: String, namespace: String?) async throws -> [String: [UInt8]] {
        try await secret(named: name, namespace: namespace).mapValues { Array($0.utf8) }
    }
}

/// What counts as secret material outside Secret objects.
public enum SecretMaterial {
    /// Values at least this long are secret material: rendering refuses them outside Secret
    /// objects and every printed rendering masks them. Shorter ones ("true", "admin", a port)
    /// are too common in manifests to tell apart; a Secret's own data is always redacted.
    public static let minimumLength = 6

    /// The values of `data` that count (see `minimumLength`): UTF-8 text as it is, binary
    /// values as their base64 (the form they take in a Secret's `data`).
    public static func sensitiveStrings(_ data: [String: [UInt8]]) -> [String] {
        data.values.compactMap { bytes in
            let text = String(validating: bytes, as: UTF8.self) ?? Data(bytes).base64EncodedString()
            return text.count >= minimumLength ? text : nil
        }
    }
}

/// A secret source holding its Secrets in memory, keyed by namespace and name.
public struct InMemorySecretSource: SecretSource {
    public struct NotFound: Error, CustomStringConvertible {
        public var name: String
        public var namespace: String?
        public var description: String { "secret \(namespace.map { "\($0)/" } ?? "")\(name) not found" }
    }

    private var secrets: [String: [String: [UInt8]]]

    /// `secrets` keyed by "namespace/name", or by "name" for the default namespace.
    public init(_ secrets: [String: [String: String]] = [:]) {
        self.secrets = secrets.mapValues { $0.mapValues { Array($0.utf8) } }
    }

    public mutating func set(_ data: [String: String], name: String, namespace: String? = nil) {
        secrets[Self.key(name, namespace)] = data.mapValues { Array($0.utf8) }
    }

    public mutating func set(bytes data: [String: [UInt8]], name: String, namespace: String? = nil) {
        secrets[Self.key(name, namespace)] = data
    }

    private static func key(_ name: String, _ namespace: String?) -> String {
        namespace.map { "\($0)/\(name)" } ?? name
    }

    public func secret(named name: String, namespace: String?) async throws -> [String: String] {
        try await secretBytes(named: name, namespace: namespace).compactMapValues { String(validating: $0, as: UTF8.self) }
    }

    public func secretBytes(named name: String, namespace: String?) async throws -> [String: [UInt8]] {
        if let data = secrets[Self.key(name, namespace)] ?? (namespace != nil ? secrets[name] : nil) { return data }
        throw NotFound(name: name, namespace: namespace)
    }
}

/// A management-plane Secret an addon version needs: the template reads its keys as
/// `secrets.HANDLE.KEY`.
public struct SecretReference: Sendable, Hashable {
    /// The handle templates use (`secrets.openstack.password`).
    public var handle: String
    /// The management-plane Secret's name (in the cluster's secret namespace).
    public var secretName: String
    /// Keys that must be present.
    public var requiredKeys: [String]

    public init(handle: String, secretName: String, requiredKeys: [String] = []) {
        self.handle = handle
        self.secretName = secretName
        self.requiredKeys = requiredKeys
    }
}

extension InMemorySecretSource {
    /// Every secret string held (to check printed output for leaks): text as it is, binary
    /// values as their base64.
    public var allValues: [String] {
        secrets.values.flatMap { $0.values.map { String(validating: $0, as: UTF8.self) ?? Data($0).base64EncodedString() } }
    }
}
