import AddonController
import ControllerRuntime
import Foundation
import Infrastructure
import KubernetesClient
import KubernetesModel

/// The delete path: what a deleted Cluster leaves in the cloud goes before the Cluster does.
/// The finalizer is set only when the loop is about to make something in the cloud (a Cluster
/// whose credentials never worked made nothing, and is not held). A Cluster held because its
/// credentials stopped working says so (`NodePoolsReady`); an operator who knows its servers are
/// gone removes the finalizer `addon-manager.io/node-pools` by hand.
extension NodePoolReconciler {
    /// A deleted Cluster: its Machines go (each releasing its server), then whatever the cloud
    /// still has tagged for it and its server groups; then the Cluster may go. Credentials that
    /// do not work keep it (and say so): its servers would otherwise be left running unseen.
    func tearDown(_ cluster: KubeObject, machines: [KubeObject]) async throws -> ReconcileResult {
        guard hasFinalizer(cluster) else { return try await deleteAll(machines, cluster: ReconcileRequest(namespace: cluster.namespace, name: cluster.name)) }
        let key = "\(cluster.namespace ?? "")/\(cluster.name)"
        let provider: any InfrastructureProvider
        do {
            provider = try await dependencies.provider(cluster)
        } catch {
            try await writeStatus(cluster, pools: [], summaries: [], problem: ("InfrastructureNotReady", "deleting: \(error)"))
            throw error
        }
        do {
            return try await release(cluster, key: key, machines: machines, provider: provider)
        } catch let error as ProviderError where [.unauthorized, .forbidden, .configuration].contains(error.kind) {
            try await writeStatus(cluster, pools: [], summaries: [], problem: ("InfrastructureRefused", "deleting: \(error.description)"))
            throw error
        }
    }

    /// The cloud side of a deleted Cluster, in order; done once nothing is left.
    private func release(_ cluster: KubeObject, key: String, machines: [KubeObject], provider: any InfrastructureProvider) async throws -> ReconcileResult {
        for machine in machines {
            if machine.metadata["deletionTimestamp"].isNull { try await delete(machine, remediated: nil) } else { try await finalize(machine, provider: provider) }
        }
        guard machines.isEmpty else { return .requeue(after: provisioningPoll) }
        // No Machine accounts for anything any more: what is still tagged for the cluster goes.
        let servers = try await provider.servers(cluster: key)
        for server in servers where server.state != .deleting {
            logger.notice("deleting a server of a deleted cluster", metadata: ["cluster": "\(key)", "server": "\(server.name)", "serverID": "\(server.id)"])
            try await provider.deleteServer(id: server.id)
        }
        guard servers.isEmpty else { return .requeue(after: provisioningPoll) }
        for group in try await provider.serverGroups(namePrefix: Self.serverGroupPrefix(cluster: key)) {
            logger.info("deleting a server group of a deleted cluster", metadata: ["cluster": "\(key)", "group": "\(group.name)", "groupID": "\(group.id)"])
            try await provider.deleteServerGroup(id: group.id)
        }
        try await setFinalizer(on: cluster, present: false)
        await dependencies.orphans?.forget(cluster: key)
        return .done
    }

    func hasFinalizer(_ cluster: KubeObject) -> Bool {
        (cluster.metadata["finalizers"].arrayValue ?? []).contains(.string(Self.clusterFinalizer))
    }

    /// Adds or removes the Cluster's finalizer (guarded by its resourceVersion: other
    /// finalizers written meanwhile are not lost; a conflict is retried with the fresh Cluster).
    func setFinalizer(on cluster: KubeObject, present: Bool) async throws {
        var current = cluster
        for attempt in 1...3 {
            var finalizers = (current.metadata["finalizers"].arrayValue ?? []).filter { $0 != .string(Self.clusterFinalizer) }
            if present { finalizers.append(.string(Self.clusterFinalizer)) }
            do {
                _ = try await dependencies.management.patch(ManagementKinds.cluster, name: current.name, namespace: current.namespace,
                                                            patch: ["metadata": ["finalizers": .array(finalizers), "resourceVersion": current.metadata["resourceVersion"]]],
                                                            type: .merge, options: WriteOptions(fieldManager: Self.fieldManager))
                return
            } catch let error as KubernetesError where error.isNotFound && !present {
                return
            } catch let error as KubernetesError where error.isConflict && attempt < 3 {
                // The cache was behind: the Cluster as it is now.
                current = try await dependencies.management.get(ManagementKinds.cluster, name: cluster.name, namespace: cluster.namespace)
            }
        }
    }
}
