import ControllerRuntime
import KubernetesClient
import KubernetesModel

/// Management-plane reads where Secrets come from the starter's watch on Secrets instead of a
/// GET per render: a fleet's reconciles read the same few credentials thousands of times. A
/// Secret the cache does not hold (not synced yet, or created a moment ago) is read from the
/// API, so a missing one gets the API's own answer. Everything else goes to the API.
struct CachedSecretReader: ObjectReader {
    let secrets: Informer
    let management: any ObjectReader

    func get(_ kind: GroupVersionKind, name: String, namespace: String?) async throws -> KubeObject {
        if kind == ManagementKinds.secret, await secrets.hasSynced, let cached = await secrets.cache.get(namespace: namespace, name: name) {
            return cached
        }
        return try await management.get(kind, name: name, namespace: namespace)
    }

    func list(_ kind: GroupVersionKind, namespace: String?, options: ListOptions) async throws -> KubeObjectList {
        try await management.list(kind, namespace: namespace, options: options)
    }
}
