/// Where rendering gets secret material (OpenStack credentials, S3 keys): the controller reads
/// management-plane Secrets, tests and `addonctl catalog render` use an in-memory source.
public protocol SecretSource: Sendable {
    /// The string data of the Secret `named` in `namespace` (nil: the source's default
    /// namespace). Throws when it does not exist or cannot be read.
    func secret(named name: String, namespace: String?) async throws -> [String: String]
}

/// A secret source holding its Secrets in memory, keyed by namespace and name.
public struct InMemorySecretSource: SecretSource {
    public struct NotFound: Error, CustomStringConvertible {
        public var name: String
        public var namespace: String?
        public var description: String { "secret \(namespace.map { "\($0)/" } ?? "")\(name) not found" }
    }

    private var secrets: [String: [String: String]]

    /// `secrets` keyed by "namespace/name", or by "name" for the default namespace.
    public init(_ secrets: [String: [String: String]] = [:]) {
        self.secrets = secrets
    }

    public mutating func set(_ data: [String: String], name: String, namespace: String? = nil) {
        secrets[Self.key(name, namespace)] = data
    }

    private static func key(_ name: String, _ namespace: String?) -> String {
        namespace.map { "\($0)/\(name)" } ?? name
    }

    public func secret(named name: String, namespace: String?) async throws -> [String: String] {
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
    /// Every secret string held (to check printed output for leaks).
    public var allValues: [String] { secrets.values.flatMap { $0.values } }
}
