import AddonController
import ControllerRuntime
import Foundation
import Infrastructure
import KubernetesClient
import KubernetesModel
import Logging

/// The provisioning and healing loop as one long-running part: Clusters and Machines are
/// watched, and so are the Nodes of each workload cluster with node pools (`WorkloadNodes`);
/// each Cluster with node pools (or Machines) is reconciled by `NodePoolReconciler` — on a
/// change of the Cluster, of one of its Machines or of one of its Nodes' conditions, and again
/// while it is on its way.
public final class ClusterLifecycle: Sendable {
    public let controller: Controller<NodePoolReconciler>
    private let clusters: Informer
    private let machines: Informer
    private let nodes: WorkloadNodes

    /// - Parameters:
    ///   - provider: the provider serving a Cluster.
    ///   - workload: a client of a workload cluster (its Nodes are watched through it).
    public init(management: any KubeClient, namespace: String? = nil, workers: Int = 4,
                provider: @escaping @Sendable (KubeObject) async throws -> any InfrastructureProvider,
                workload: @escaping WorkloadNodes.Connect,
                provisioningPoll: Duration = .seconds(1), idlePoll: Duration = .seconds(30), orphans: OrphanServers = OrphanServers(), logger: Logger) {
        let queue = WorkQueue<ReconcileRequest>()
        let nodes = WorkloadNodes(logger: logger, connect: workload) { request in await queue.add(request) }
        self.nodes = nodes
        let enqueueCluster: @Sendable (InformerEvent) async -> Void = { event in
            // A Cluster gone, or without node pools now: its Nodes are no longer watched.
            switch event {
            case .deleted(let cluster):
                await nodes.stop(namespace: cluster.namespace, name: cluster.name)
            case .updated(_, let cluster) where (cluster["spec"]["nodePools"].arrayValue ?? []).isEmpty:
                await nodes.stop(namespace: cluster.namespace, name: cluster.name)
            default:
                break
            }
            if case .updated(let old, let new) = event, old["spec"] == new["spec"], old.metadata["deletionTimestamp"] == new.metadata["deletionTimestamp"] { return }
            await queue.add(event.request)
        }
        let enqueueOwner: @Sendable (InformerEvent) async -> Void = { event in
            guard let cluster = event.object["spec"]["cluster"].stringValue else { return }
            await queue.add(ReconcileRequest(namespace: event.object.namespace, name: cluster))
        }
        // Clusters kept as text (a reconcile reads one, a scrape all): a fleet's manager keeps
        // every Cluster in several caches.
        clusters = Informer(kind: ManagementKinds.cluster, namespace: namespace, client: management, storage: .compact,
                            transform: ObjectCache.withoutManagedFields, logger: logger, handler: enqueueCluster)
        machines = Informer(kind: ManagementKinds.machine, namespace: namespace, client: management, indexes: [NodePoolReconciler.machinesByCluster],
                            transform: ObjectCache.withoutManagedFields, logger: logger, handler: enqueueOwner)
        var reconciler = NodePoolReconciler(dependencies: .init(management: management, clusters: clusters.cache, machines: machines.cache,
                                                                provider: provider, nodes: { try await nodes.nodes(of: $0) },
                                                                events: EventRecorder(client: management, logger: logger), orphans: orphans), logger: logger)
        reconciler.provisioningPoll = provisioningPoll
        reconciler.idlePoll = idlePoll
        controller = Controller(name: "node-pools", reconciler: reconciler, workers: workers, queue: queue, logger: logger)
    }

    /// The loop's series for `/metrics`, from its caches (see `NodePoolExposition`).
    public func exposition() async -> String {
        NodePoolExposition.render(clusters: await clusters.cache.list(), machines: await machines.cache.list(), now: Date())
    }

    /// Runs until cancelled (the reconciles in flight finish first, then the Node watches stop).
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.clusters.run() }
            group.addTask { await self.machines.run() }
            group.addTask {
                // Both caches filled before the first decision: a Machine not yet seen would be created twice.
                guard await self.clusters.waitForSync(), await self.machines.waitForSync() else { return }
                await self.controller.run()
            }
            await group.waitForAll()
        }
        await nodes.stopAll()
    }
}
