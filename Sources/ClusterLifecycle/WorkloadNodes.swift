import ControllerRuntime
import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// The Nodes of each workload cluster with node pools, as one watch per cluster keeps them.
/// Reconciles read them without a LIST, and a Node that joins, goes, or changes a condition's
/// status queues its Cluster at once: a NotReady node is seen when it happens, not at the next
/// idle poll.
///
/// A cluster whose Nodes cannot be read — its watch not yet listed, or not heard from (an event
/// or a bookmark) for `silenceLimit` while its watch fails — answers with an error, which the
/// reconciler takes as "Nodes unknown": health is then judged on servers alone, so that an
/// unreachable API never recycles a pool.
public actor WorkloadNodes {
    public typealias Connect = @Sendable (KubeObject) async throws -> KubernetesClient
    public typealias Changed = @Sendable (ReconcileRequest) async -> Void

    public struct Unknown: Error, CustomStringConvertible {
        public let cluster: String
        public let reason: String
        public var description: String { "the Nodes of cluster \(cluster) are not known: \(reason)" }
    }

    private struct Watch {
        let informer: Informer
        let client: KubernetesClient
        let task: Task<Void, Never>
    }

    private let connect: Connect
    private let changed: Changed
    private let silenceLimit: Duration
    private let logger: Logger
    /// Each cluster's watch, or its start while the client is being set up (so that two
    /// reconciles asking at once share one watch).
    private var watches: [String: Task<Watch, any Error>] = [:]

    public init(silenceLimit: Duration = .seconds(150), logger: Logger, connect: @escaping Connect, changed: @escaping Changed) {
        self.connect = connect
        self.changed = changed
        self.silenceLimit = silenceLimit
        self.logger = logger
    }

    /// The cluster's Nodes (their names, labels, provider IDs and conditions); starts its watch
    /// on first use. Throws `Unknown` while they cannot be told.
    public func nodes(of cluster: KubeObject) async throws -> [KubeObject] {
        let key = Self.key(cluster)
        let starting = watches[key] ?? start(cluster, key: key)
        let watch: Watch
        do {
            watch = try await starting.value
        } catch {
            // No client (an unusable kubeconfig, say): asked again at the next reconcile.
            if watches[key] == starting { watches[key] = nil }
            throw Unknown(cluster: key, reason: "no client: \(error)")
        }
        guard await watch.informer.hasSynced else { throw Unknown(cluster: key, reason: "its Nodes have not been listed yet") }
        if let heard = watch.client.lastAnswered, case let silent = heard.duration(to: .now), silent > silenceLimit {
            throw Unknown(cluster: key, reason: "its API has not answered for \(silent.components.seconds) s")
        }
        return await watch.informer.cache.list()
    }

    /// Stops watching a cluster (deleted, or without node pools now).
    public func stop(namespace: String?, name: String) async {
        guard let starting = watches.removeValue(forKey: "\(namespace ?? "")/\(name)") else { return }
        await Self.end(starting)
    }

    /// Stops every watch and closes their clients.
    public func stopAll() async {
        let all = watches.values
        watches = [:]
        for starting in all { await Self.end(starting) }
    }

    /// The clusters watched now, as "namespace/name".
    public var watchedClusters: [String] { watches.keys.sorted() }

    // MARK: Helpers

    private func start(_ cluster: KubeObject, key: String) -> Task<Watch, any Error> {
        let (connect, changed) = (self.connect, self.changed)
        var logger = self.logger
        logger[metadataKey: "cluster"] = "\(key)"
        let request = ReconcileRequest(namespace: cluster.namespace, name: cluster.name)
        let starting = Task { [logger] () async throws -> Watch in
            let client = try await connect(cluster)
            let informer = Informer(kind: Self.node, client: client, announceInitialList: false, transform: Self.healthFields,
                                    logger: logger) { event in
                if Self.mattersForHealth(event) { await changed(request) }
            }
            let task = Task {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await informer.run() }
                    // Once listed, the cluster is queued: its reconcile then sees the Nodes.
                    group.addTask { if await informer.waitForSync() { await changed(request) } }
                    await group.waitForAll()
                }
            }
            return Watch(informer: informer, client: client, task: task)
        }
        watches[key] = starting
        return starting
    }

    private static func end(_ starting: Task<Watch, any Error>) async {
        guard let watch = try? await starting.value else { return }
        watch.task.cancel()
        await watch.task.value
        try? await watch.client.shutdown()
    }

    static let node = GroupVersionKind(group: "", version: "v1", kind: "Node")

    static func key(_ cluster: KubeObject) -> String { "\(cluster.namespace ?? "")/\(cluster.name)" }

    /// What health reads of a Node, and nothing else (a Node's images and capacity are most of it).
    @Sendable static func healthFields(_ node: KubeObject) -> KubeObject {
        var kept = KubeObject(apiVersion: "v1", kind: "Node", name: node.name)
        kept.metadata["uid"] = node.metadata["uid"]
        kept.metadata["resourceVersion"] = node.metadata["resourceVersion"]
        if !node.labels.isEmpty { kept.labels = node.labels }
        kept["spec"] = ["providerID": node["spec"]["providerID"]]
        let conditions = (node.status["conditions"].arrayValue ?? []).map { condition -> JSONValue in
            ["type": condition["type"], "status": condition["status"], "reason": condition["reason"],
             "lastTransitionTime": condition["lastTransitionTime"]]
        }
        kept["status"] = ["conditions": .array(conditions)]
        return kept
    }

    /// A Node joined or went, or changed its provider ID or a condition's status: heartbeats
    /// (a condition's `lastHeartbeatTime`) do not count.
    static func mattersForHealth(_ event: InformerEvent) -> Bool {
        guard case .updated(let old, let new) = event else { return true }
        func statuses(_ node: KubeObject) -> [String: String] {
            Dictionary((node.status["conditions"].arrayValue ?? []).compactMap { c in
                c["type"].stringValue.map { ($0, c["status"].stringValue ?? "") }
            }, uniquingKeysWith: { a, _ in a })
        }
        return old["spec"]["providerID"] != new["spec"]["providerID"] || statuses(old) != statuses(new)
    }
}
