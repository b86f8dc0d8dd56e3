import ControllerRuntime
import Foundation
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
/// once, and the management plane did not keep up (Benchmarks/README.md, "2026-12-07 (morning)").
///
/// What it hands out is never staler than a list the controller would make for itself, give or
/// take `maxAge`:
/// - only from a list begun after this replica took the cluster on (`ownedSince`: the shard's
///   take): a cluster handed over by another replica may have been written by it until then;
/// - a cluster's entries are handed out once, to its first controller in this process; a
///   controller started again (after a failure, new credentials) lists its own, since its
///   predecessor may have written since;
/// - a reading serves the clusters that waited for its list, and others for `maxAge` after
///   the list ended;
/// - when the list fails, each controller lists its own (the failure is logged), and no new
///   reading is tried for `maxAge`.
///
/// A reading of every ClusterAddon is worth it only for many clusters. One is made when the
/// starter expects many starts (`expectManyStarts()`: at its start, after a change of shards;
/// then also in place of a reading begun before a cluster was taken on), and again while the
/// reading before served at least `worthReading` clusters and expired less than `maxAge` ago;
/// otherwise each controller lists its own. A cluster added to a running fleet lists its own.
public actor ExistingClusterAddons {
    /// One cluster's ClusterAddons: their statuses by addon.
    public typealias Statuses = [String: ClusterAddonStatus]

    private struct Reading {
        /// When its list began: the ClusterAddons as they were then, or later.
        var begun: ContinuousClock.Instant
        /// When its list ended: `maxAge` counts from then.
        var ended: ContinuousClock.Instant
        /// Per cluster; nil when the list failed.
        var byCluster: [ReconcileRequest: Statuses]?
    }

    private let client: any ObjectReader
    private let namespace: String?
    private let maxAge: Duration
    private let pageSize: Int
    private let logger: Logger
    private var reading: Reading?
    private var listing: (begun: ContinuousClock.Instant, task: Task<Void, Never>)?
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    private var served: Set<ReconcileRequest> = []
    /// Whether the next start may cause a reading whatever the last one served.
    private var expectingMany = true
    /// Clusters served from the current reading.
    private var servedFromReading = 0
    /// The reading before: how many clusters it served, and when it expired.
    private var lastExpired: (at: ContinuousClock.Instant, served: Int)?
    private var closed = false
    /// How many clusters a reading must have served for the next to be made.
    static let worthReading = 10

    /// `namespace`: the starter's (nil: every namespace).
    public init(client: any ObjectReader, namespace: String?, maxAge: Duration = .seconds(60), pageSize: Int = 500, logger: Logger) {
        self.client = client
        self.namespace = namespace
        self.maxAge = maxAge
        self.pageSize = pageSize
        self.logger = logger
    }

    /// The cluster's ClusterAddons (an empty map when it has none), or nil: the controller is to
    /// list its own (not its first start here, no reading begun since `ownedSince`, the list
    /// failed, too few clusters starting to read them all, or the caller cancelled).
    public func take(_ cluster: ReconcileRequest, ownedSince: ContinuousClock.Instant) async -> Statuses? {
        guard !closed, served.insert(cluster).inserted else { return nil }
        retireIfOld()
        if let begun = listing?.begun ?? reading?.begun {
            // Begun before this cluster was taken on: a new one, when many are starting.
            if begun < ownedSince, expectingMany { beginReading() }
        } else if mayRead {
            beginReading()
        }
        if let begun = listing?.begun {
            guard begun >= ownedSince else { return nil }
            await waitForReading()
            if Task.isCancelled { return nil }
            // Served from the list it waited for (or one begun later), however long it took.
        }
        guard let begun = reading?.begun, begun >= ownedSince, reading?.byCluster != nil else { return nil }
        servedFromReading += 1
        return reading?.byCluster?.removeValue(forKey: cluster) ?? [:]
    }

    /// Many controllers are about to start (the starter's start, a change of shards): the next
    /// start may cause a reading.
    public func expectManyStarts() { expectingMany = true }

    /// No more readings (the starter stops): a list under way is cancelled, its waiters list
    /// their own (and, being stopped, end).
    public func close() {
        closed = true
        listing?.task.cancel()
        listing = nil
        reading = nil
        resumeWaiters()
    }

    private var mayRead: Bool {
        if expectingMany { return true }
        guard let lastExpired else { return false }
        return lastExpired.served >= Self.worthReading && lastExpired.at.duration(to: .now) < maxAge
    }

    /// Begins a list; one under way is cancelled (its waiters wait for this one).
    private func beginReading() {
        expectingMany = false
        servedFromReading = 0
        listing?.task.cancel()
        let begun = ContinuousClock.now
        let task = Task { [client, namespace, pageSize, logger] in
            let byCluster = await Self.list(client: client, namespace: namespace, pageSize: pageSize, logger: logger)
            self.finished(Reading(begun: begun, ended: .now, byCluster: byCluster))
        }
        listing = (begun, task)
    }

    private func finished(_ new: Reading) {
        guard !closed, listing?.begun == new.begun else { return }
        listing = nil
        reading = new
        // A failed list: the next start after `maxAge` may try again.
        if new.byCluster == nil { expectingMany = true }
        resumeWaiters()
        // The entries of clusters that did not start (no kubeconfig yet, refused) are not kept.
        let expiry = maxAge
        Task { [weak self] in
            try? await Task.sleep(for: expiry)
            await self?.retireIfOld()
        }
    }

    private func retireIfOld() {
        guard let ended = reading?.ended, ended.duration(to: .now) >= maxAge else { return }
        if reading?.byCluster != nil { lastExpired = (.now, servedFromReading) }
        reading = nil
    }

    /// Until the list under way has ended, or the caller is cancelled.
    private func waitForReading() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if Task.isCancelled || listing == nil {
                    continuation.resume()
                } else {
                    waiters[id] = continuation
                }
            }
        } onCancel: {
            Task { await self.stopWaiting(id) }
        }
    }

    private func stopWaiting(_ id: UUID) { waiters.removeValue(forKey: id)?.resume() }

    private func resumeWaiters() {
        let waiting = waiters.values
        waiters.removeAll()
        for waiter in waiting { waiter.resume() }
    }

    private static func list(client: any ObjectReader, namespace: String?, pageSize: Int, logger: Logger) async -> [ReconcileRequest: Statuses]? {
        var byCluster: [ReconcileRequest: Statuses] = [:]
        do {
            _ = try await client.listPages(ManagementKinds.clusterAddon, namespace: namespace, options: ListOptions(pageSize: pageSize)) { page, first in
                if first { byCluster.removeAll() }
                for object in page {
                    guard let cluster = object.labels[ManagementKinds.clusterLabel], let addon = ManagementKinds.addon(ofClusterAddon: object) else { continue }
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
