import AddonCatalog
import Foundation
import KubernetesClient
import KubernetesModel

/// Secret material for rendering, read from management-plane Secrets (decoded `data` plus
/// `stringData`-style plain values). Values keep their exact bytes: binary data is never
/// decoded as text. What it returns only ever lands in Secret objects of the workload cluster;
/// it is never logged.
public struct ManagementSecretSource: SecretSource {
    let client: any ObjectReader
    let defaultNamespace: String

    public init(client: any ObjectReader, defaultNamespace: String) {
        self.client = client
        self.defaultNamespace = defaultNamespace
    }

    /// The values that are UTF-8 text (binary ones: `secretBytes`).
    public func secret(named name: String, namespace: String?) async throws -> [String: String] {
        try await secretBytes(named: name, namespace: namespace).compactMapValues { String(validating: $0, as: UTF8.self) }
    }

    public func secretBytes(named name: String, namespace: String?) async throws -> [String: [UInt8]] {
        try Self.values(of: try await client.get(ManagementKinds.secret, name: name, namespace: namespace ?? defaultNamespace))
    }

    /// A Secret's values as bytes: `data` decoded from base64, `stringData` as written; a `data`
    /// value that is not base64 is an error naming its key (never its value).
    public static func values(of secret: KubeObject) throws -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for (key, value) in secret["data"].objectValue ?? [:] {
            guard let encoded = value.stringValue, let data = Data(base64Encoded: encoded) else {
                throw InvalidSecretData(namespace: secret.namespace ?? "", name: secret.name, key: key)
            }
            result[key] = [UInt8](data)
        }
        for (key, value) in secret["stringData"].objectValue ?? [:] {
            if let s = value.stringValue { result[key] = Array(s.utf8) }
        }
        return result
    }
}

/// A Secret whose `data` holds a value that is not base64 (the API server refuses such a
/// Secret, so this is a broken cache or server): an error, not a silently missing key.
struct InvalidSecretData: Error, CustomStringConvertible {
    var namespace: String
    var name: String
    var key: String
    var description: String { "Secret \(namespace)/\(name): data.\(key) is not base64" }
}
