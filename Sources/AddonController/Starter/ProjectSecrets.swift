import ControllerRuntime
import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// The management-plane Secrets the manager reads, and no others: watched per project
/// namespace that has Clusters (plus the namespaces an operator shares with every project), and
/// of those only the Secrets a Cluster or an addon refers to — each Cluster's kubeconfig Secret
/// and the credentials the catalog's addons read. The manager needs no read access to Secrets in
/// any other namespace (deploy/ grants it per project), and keeps no tenant Secret it does not use.
actor ProjectSecrets {
    private struct Watch {
        var informer: Informer
        var task: Task<Void, Never>
    }

    private let client: any KubeClient
    private let references = References()
    private let shared: Set<String>
    /// What the watches tell of changes (set by `start`).
    private var handler: @Sendable (InformerEvent) async -> Void = { _ in }
    private let logger: Logger
    private var watches: [String: Watch] = [:]
    /// Clusters per namespace: a namespace's watch ends with its last Cluster.
    private var clusters: [String: Set<String>] = [:]

    init(client: any KubeClient, shared: Set<String>, logger: Logger) {
        self.client = client
        self.shared = shared
        self.logger = logger
    }

    /// The names of the Secrets the catalog's addons read (any project's).
    nonisolated func setCatalogSecretNames(_ names: Set<String>) { references.setCatalogNames(names) }

    /// Whether the catalog's addons read Secrets of this name.
    nonisolated func isCatalogSecret(name: String) -> Bool { references.isCatalogName(name) }

    /// Changes of the Secrets go to `onEvent`; the shared namespaces are watched from now on.
    func start(onEvent: @escaping @Sendable (InformerEvent) async -> Void) {
        handler = onEvent
        for namespace in shared { ensureWatch(namespace) }
    }

    /// A Cluster exists (or changed): its namespace is watched and its kubeconfig Secret kept.
    func clusterSeen(_ cluster: KubeObject) {
        guard let namespace = cluster.namespace else { return }
        clusters[namespace, default: []].insert(cluster.name)
        references.setKubeconfig(cluster.spec["kubeconfigSecretRef"]["name"].stringValue, cluster: cluster.name, namespace: namespace)
        ensureWatch(namespace)
    }

    /// A Cluster is gone: its kubeconfig Secret is no longer kept; the namespace's watch ends
    /// with its last Cluster.
    func clusterGone(namespace: String?, name: String) {
        guard let namespace else { return }
        references.setKubeconfig(nil, cluster: name, namespace: namespace)
        clusters[namespace]?.remove(name)
        guard clusters[namespace]?.isEmpty ?? true, !shared.contains(namespace) else { return }
        clusters.removeValue(forKey: namespace)
        watches.removeValue(forKey: namespace)?.task.cancel()
    }

    /// Waits until the namespace's Secret watch has listed, at most `timeout`; false when the
    /// namespace is not watched or the list did not come in time.
    func waitForSync(namespace: String, timeout: Duration) async -> Bool {
        guard let watch = watches[namespace] else { return false }
        return await watch.informer.waitForSync(timeout: timeout)
    }

    /// The cached Secret, nil when it is not cached (not referenced yet, not synced, or absent).
    /// A namespace whose watch has not listed yet is waited for, at most `timeout`: a fleet that
    /// starts at once would otherwise read every Secret from the API while the list comes.
    func cached(namespace: String, name: String, waitingForSync timeout: Duration = .zero) async -> KubeObject? {
        guard let watch = watches[namespace] else { return nil }
        let synced = timeout > .zero ? await watch.informer.waitForSync(timeout: timeout) : await watch.informer.hasSynced
        guard synced else { return nil }
        return await watch.informer.cache.get(namespace: namespace, name: name)
    }

    /// Every Secret held, by namespace and name (for tests and debugging: names only).
    func cachedKeys() async -> [ReconcileRequest] {
        var keys: [ReconcileRequest] = []
        for (_, watch) in watches { keys += await watch.informer.cache.keys }
        return keys.sorted { ($0.namespace ?? "", $0.name) < ($1.namespace ?? "", $1.name) }
    }

    /// Stops every Secret watch and waits until they have ended (the manager closes its
    /// management client after this: a watch still running would log its failure).
    func stopAll() async {
        let tasks = watches.values.map(\.task)
        watches.removeAll()
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    private func ensureWatch(_ namespace: String) {
        guard watches[namespace] == nil else { return }
        let references = self.references
        // Kept as compact JSON without managedFields: a management plane may hold many.
        let informer = Informer(kind: ManagementKinds.secret, namespace: namespace, client: client, announceInitialList: false,
                                storage: .compact, transform: ObjectCache.withoutManagedFields,
                                include: { references.contains(namespace: $0.namespace ?? "", name: $0.name) },
                                logger: logger, handler: handler)
        watches[namespace] = Watch(informer: informer, task: Task { await informer.run() })
    }

    /// Which Secret names are referenced, read synchronously by the informers' filters.
    private final class References: @unchecked Sendable {
        private let lock = NSLock()
        private var catalogNames: Set<String> = []
        /// namespace → cluster → its kubeconfig Secret's name.
        private var kubeconfigs: [String: [String: String]] = [:]

        func setCatalogNames(_ names: Set<String>) { lock.withLock { catalogNames = names } }

        func setKubeconfig(_ secret: String?, cluster: String, namespace: String) {
            lock.withLock { kubeconfigs[namespace, default: [:]][cluster] = secret }
        }

        func isCatalogName(_ name: String) -> Bool { lock.withLock { catalogNames.contains(name) } }

        func contains(namespace: String, name: String) -> Bool {
            lock.withLock { catalogNames.contains(name) || kubeconfigs[namespace]?.values.contains(name) == true }
        }
    }
}
