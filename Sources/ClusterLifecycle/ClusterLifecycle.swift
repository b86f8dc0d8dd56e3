import AddonController
import ControllerRuntime
import Foundation
import Infrastructure
import KubernetesClient
import KubernetesModel
import Logging

/// The provisioning and healing loop as one long-running part: Clusters and Machines are
/// watched, and each Cluster with node pools (or Machines) is reconciled by `NodePoolReconciler`
/// — on a change of the Cluster or of one of its Machines, and again while it is on its way.
public final class ClusterLifecycle: Sendable {
    public let controller: Controller<NodePoolReconciler>
    private let clusters: Informer
    private let machines: Informer

    /// - Parameters:
    ///   - provider: the provider serving a Cluster.
    ///   - nodes: a workload cluster's Nodes.
    public init(management: any KubeClient, namespace: String? = nil, workers: Int = 4,
                provider: @escaping @Sendable (KubeObject) async throws -> any InfrastructureProvider,
                nodes: @escaping @Sendable (KubeObject) async throws -> [KubeObject],
                provisioningPoll: Duration = .seconds(1), logger: Logger) {
        let queue = WorkQueue<ReconcileRequest>()
        let enqueueCluster: @Sendable (InformerEvent) async -> Void = { event in
            if case .updated(let old, let new) = event, old["spec"] == new["spec"], old.metadata["deletionTimestamp"] == new.metadata["deletionTimestamp"] { return }
            await queue.add(event.request)
        }
        let enqueueOwner: @Sendable (InformerEvent) async -> Void = { event in
            guard let cluster = event.object["spec"]["cluster"].stringValue else { return }
            await queue.add(ReconcileRequest(namespace: event.object.namespace, name: cluster))
        }
        clusters = Informer(kind: ManagementKinds.cluster, namespace: namespace, client: management, transform: OwnedObjects.withoutManagedFields, logger: logger, handler: enqueueCluster)
        machines = Informer(kind: ManagementKinds.machine, namespace: namespace, client: management, transform: OwnedObjects.withoutManagedFields, logger: logger, handler: enqueueOwner)
        var reconciler = NodePoolReconciler(dependencies: .init(management: management, clusters: clusters.cache, machines: machines.cache,
                                                                provider: provider, nodes: nodes), logger: logger)
        reconciler.provisioningPoll = provisioningPoll
        controller = Controller(name: "node-pools", reconciler: reconciler, workers: workers, queue: queue, logger: logger)
    }

    /// Runs until cancelled (the reconciles in flight finish first).
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.clusters.run() }
            group.addTask { await self.machines.run() }
            group.addTask {
                // Both caches filled before the first decision: a Machine not yet seen would be created twice.
                await self.clusters.waitForSync()
                await self.machines.waitForSync()
                await self.controller.run()
            }
            await group.waitForAll()
        }
    }
}
