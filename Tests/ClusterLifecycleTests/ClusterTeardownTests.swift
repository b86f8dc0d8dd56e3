import AddonController
import ClusterLifecycle
import DevFleet
import Foundation
import Infrastructure
import KubernetesClient
import KubernetesModel
import TestSupport
import Testing

/// What a Cluster leaves in the cloud when it, or one of its pools, goes: nothing.
@Suite struct ClusterTeardownTests {
    static func groupedPool(_ name: String, replicas: Int) -> JSONValue {
        ["name": .string(name), "replicas": .int(Int64(replicas)), "flavor": "m1.small", "image": "ubuntu-22.04", "serverGroupPolicy": "anti-affinity"]
    }

    @Test func aDeletedClusterReleasesItsServersAndServerGroupsBeforeItGoes() async throws {
        try await NodePoolLoopTests.withLoop { loop in
            try await loop.setPools([Self.groupedPool("workers", replicas: 2), Self.groupedPool("system", replicas: 1)])
            try await eventually("3 Machines Running", timeout: .seconds(60)) { try await loop.running(3) }
            #expect(try await loop.cluster().metadata["finalizers"].arrayValue?.contains(.string(NodePoolReconciler.clusterFinalizer)) == true)
            #expect(try await loop.provider.serverGroups(namePrefix: "p/c1/").map(\.name) == ["p/c1/system", "p/c1/workers"])
            // A server tagged for the cluster that no Machine accounts for goes too.
            _ = try await loop.provider.createServer(ServerSpec(name: "p-c1-stray", flavor: "m1.small", image: "ubuntu-22.04",
                                                                metadata: [ServerSpec.clusterKey: "p/c1", ServerSpec.poolKey: "workers", ServerSpec.machineKey: "gone"]))
            // Another cluster's group with a name that starts alike is not touched.
            _ = try await loop.provider.ensureServerGroup(name: "p/c1-b/workers", policy: .antiAffinity)

            _ = try await loop.fleet.management.delete(ManagementKinds.cluster, name: "c1", namespace: "p", options: DeleteOptions())
            try await eventually("the Cluster is gone once its cloud resources are", timeout: .seconds(60)) {
                do {
                    _ = try await loop.cluster()
                    return false
                } catch let error as KubernetesError where error.isNotFound {
                    return true
                }
            }
            #expect(try await loop.provider.servers(cluster: "p/c1").isEmpty)
            #expect(try await loop.provider.serverGroups(namePrefix: "p/c1/").isEmpty)
            #expect(try await loop.machines().isEmpty)
            #expect(try await loop.provider.serverGroups(namePrefix: "p/c1-b/").count == 1)
        }
    }

    @Test func aRemovedPoolsServerGroupIsDeletedOnceItsMachinesAreGone() async throws {
        try await NodePoolLoopTests.withLoop(orphans: OrphanServers(grace: .seconds(60), interval: .milliseconds(200))) { loop in
            try await loop.setPools([Self.groupedPool("workers", replicas: 1), Self.groupedPool("system", replicas: 1)])
            try await eventually("2 Machines Running", timeout: .seconds(60)) { try await loop.running(2) }
            try await loop.setPools([Self.groupedPool("system", replicas: 1)])
            try await eventually("the workers' group is deleted", timeout: .seconds(30)) {
                try await loop.provider.serverGroups(namePrefix: "p/c1/").map(\.name) == ["p/c1/system"]
            }
            #expect(try await loop.running(1))
            // No pools at all: the Cluster no longer needs its finalizer.
            try await loop.setPools([])
            try await eventually("finalizer released", timeout: .seconds(30)) {
                try await loop.cluster().metadata["finalizers"].arrayValue?.contains(.string(NodePoolReconciler.clusterFinalizer)) != true
            }
            #expect(try await loop.provider.serverGroups(namePrefix: "p/c1/").isEmpty)
        }
    }
}
