import ControllerRuntime
import KubernetesClient
import KubernetesModel

/// Management-plane reads where Secrets come from the starter's watches on Secrets instead of a
/// GET per render: a fleet's reconciles read the same few credentials thousands of times. A
/// Secret the cache does not hold (not synced yet, created a moment ago, or referenced only
/// since) is read from the API, so a missing one gets the API's own answer. Everything else
/// goes to the API.
struct CachedSecretReader: ObjectReader {
    let secrets: ProjectSecrets
    let management: any ObjectReader

    func get(_ kind: GroupVersionKind, name: String, namespace: String?) async throws -> KubeObject {
        if kind == ManagementKinds.secret, let namespace, let cached = await secrets.cached(namespace: namespace, name: name) {
            return cached
        }
        return try await management.get(kind, name: name, namespace: namespace)
    }

    func list(_ kind: GroupVersionKind, namespace: String?, options: ListOptions) async throws -> KubeObjectList {
        try await management.list(kind, namespace: namespace, options: options)
    }
}
