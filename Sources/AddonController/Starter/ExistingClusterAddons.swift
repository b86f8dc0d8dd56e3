import ControllerRuntime
import KubernetesClient
import KubernetesModel
import Logging

/// The ClusterAddons that exist, read for the clusters whose controllers start together: one
/// list of every ClusterAddon (a page at a time) instead of a list per cluster.
///
/// A cluster's controller starts from its ClusterAddons (`ClusterAddonController`), so that an
/// addon disabled while the manager was down is still removed and a status that did not change is
/// not written again. Asked per cluster, by label, each list costs the API server a pass over
/// every ClusterAddon of the namespace: a manager starting over 5000 clusters sent 5000 of them at
/// once, and the management plane did not keep up (Benchmarks/README.md, "2026-12-07").
///
/// What it hands out is never staler than a list a controller would make for itself, give or
/// take `maxAge`:
/// - a cluster's entries are handed out once, to its first controller in this process; a
///   controller started again (after a failure, new credentials, a change of shards) lists its
///   own, since its predecessor may have written since;
/// - a reading is used for at most `maxAge`, then read again for the clusters still to start;
/// - `forget()` drops the reading (the shards changed: another replica may have written the
///   ClusterAddons of clusters handed to this one);
/// - when the list fails, each controller lists its own (the failure is logged), and no new
///   reading is tried for `maxAge`.
///
/// A reading of every ClusterAddon is worth it only for many clusters: after the first (at the
/// start, or after `forget()`), another is made only when the one before served at least
/// `worthReading` clusters. A cluster added to a running fleet lists its own.
public actor ExistingClusterAddons {
    /// One cluster's ClusterAddons: their statuses by addon.
    public typealias Statuses = [String: ClusterAddonStatus]

    private struct Reading {
        var at: ContinuousClock.Instant
        /// Per cluster; nil when the list failed.
        var byCluster: [ReconcileRequest: Statuses]?
    }

    private let client: any ObjectReader
    private let namespace: String?
    private let maxAge: Duration
    private let pageSize: Int
    private let logger: Logger
    private var reading: Reading?
    private var inProgress: Task<Void, Never>?
    private var served: Set<ReconcileRequest> = []
    /// Incremented by `forget()`: a list begun before it is not used.
    private var generation = 0
    /// Whether the next start may cause a reading whatever the last one served.
    private var armed = true
    /// Clusters served from the current reading.
    private var servedFromReading = 0
    /// How many clusters a reading must have served for the next to be made.
    static let worthReading = 10

    /// `namespace`: the starter's (nil: every namespace).
    public init(client: any ObjectReader, namespace: String?, maxAge: Duration = .seconds(30), pageSize: Int = 500, logger: Logger) {
        self.client = client
        self.namespace = namespace
        self.maxAge = maxAge
        self.pageSize = pageSize
        self.logger = logger
    }

    /// The cluster's ClusterAddons (an empty map when it has none), or nil: the controller is to
    /// list its own (not its first start here, or no fresh reading could be made).
    public func take(_ cluster: ReconcileRequest) async -> Statuses? {
        guard served.insert(cluster).inserted else { return nil }
        for _ in 0..<2 {
            if let reading, reading.at.duration(to: .now) < maxAge {
                guard reading.byCluster != nil else { return nil }
                servedFromReading += 1
                return self.reading?.byCluster?.removeValue(forKey: cluster) ?? [:]
            }
            guard inProgress != nil || armed || servedFromReading >= Self.worthReading else { return nil }
            await read()
            if Task.isCancelled { return nil }
        }
        return nil
    }

    /// Drops the reading: the next controller to start causes a new one.
    public func forget() {
        generation += 1
        reading = nil
        armed = true
        inProgress?.cancel()
        inProgress = nil
    }

    /// Waits for the list under way, or begins one.
    private func read() async {
        if let inProgress { return await inProgress.value }
        armed = false
        servedFromReading = 0
        let generation = self.generation
        let task = Task { [client, namespace, pageSize, logger] in
            let byCluster = await Self.list(client: client, namespace: namespace, pageSize: pageSize, logger: logger)
            self.finished(Reading(at: .now, byCluster: byCluster), generation: generation)
        }
        inProgress = task
        await task.value
    }

    private func finished(_ reading: Reading, generation: Int) {
        guard generation == self.generation else { return }
        self.reading = reading
        inProgress = nil
        // A failed list is tried again after `maxAge`, by the next cluster to start.
        if reading.byCluster == nil { armed = true }
        // Entries of clusters that never started (no kubeconfig yet, refused) are not kept.
        let expiry = maxAge
        Task { [weak self] in
            try? await Task.sleep(for: expiry)
            await self?.expire(readAt: reading.at)
        }
    }

    private func expire(readAt: ContinuousClock.Instant) {
        if reading?.at == readAt { reading = nil }
    }

    private static func list(client: any ObjectReader, namespace: String?, pageSize: Int, logger: Logger) async -> [ReconcileRequest: Statuses]? {
        var byCluster: [ReconcileRequest: Statuses] = [:]
        do {
            _ = try await client.listPages(ManagementKinds.clusterAddon, namespace: namespace, options: ListOptions(pageSize: pageSize)) { page, first in
                if first { byCluster.removeAll() }
                for object in page {
                    guard let cluster = object.labels[ManagementKinds.clusterLabel],
                          let addon = object.labels[ManagementKinds.addonLabel] ?? object.spec["addon"].stringValue else { continue }
                    byCluster[ReconcileRequest(namespace: object.namespace, name: cluster), default: [:]][addon] = ClusterAddonStatus(json: object.status)
                }
            }
            return byCluster
        } catch is CancellationError {
            return nil
        } catch {
            logger.warning("cannot list the ClusterAddons for the starting clusters; each cluster lists its own",
                           metadata: ["namespace": "\(namespace ?? "all")", "error": "\(error)"])
            return nil
        }
    }
}
