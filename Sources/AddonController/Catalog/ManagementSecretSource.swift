import AddonCatalog
import Foundation
import KubernetesClient
import KubernetesModel

/// Secret material for rendering, read from management-plane Secrets (decoded `data` plus
/// `stringData`-style plain values). What it returns only ever lands in Secret objects of the
/// workload cluster; it is never logged.
public struct ManagementSecretSource: SecretSource {
    let client: any ObjectReader
    let defaultNamespace: String

    public init(client: any ObjectReader, defaultNamespace: String) {
        self.client = client
        self.defaultNamespace = defaultNamespace
    }

    public func secret(named name: String, namespace: String?) async throws -> [String: String] {
        let secret = try await client.get(ManagementKinds.secret, name: name, namespace: namespace ?? defaultNamespace)
        var result: [String: String] = [:]
        for (key, value) in secret["data"].objectValue ?? [:] {
            guard let encoded = value.stringValue, let data = Data(base64Encoded: encoded) else { continue }
            result[key] = String(decoding: data, as: UTF8.self)
        }
        for (key, value) in secret["stringData"].objectValue ?? [:] {
            if let s = value.stringValue { result[key] = s }
        }
        return result
    }
}
