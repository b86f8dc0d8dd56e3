@testable import ClusterLifecycle
import ControllerRuntime
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging
import Synchronization
import TestSupport
import Testing

/// The Nodes of a workload cluster, watched: read from the cache, changes that matter queue the
/// Cluster, heartbeats do not, and a silent cluster's Nodes are unknown.
@Suite struct WorkloadNodesTests {
    final class Queued: Sendable {
        let requests = Mutex<[ReconcileRequest]>([])
        var count: Int { requests.withLock { $0.count } }
    }

    static func withNodes(silenceLimit: Duration = .seconds(150),
                          _ body: (WorkloadNodes, LocalKubeCluster, KubeObject, Queued) async throws -> Void) async throws {
        var logger = Logger(label: "workload-nodes-test")
        logger.logLevel = .critical
        let server = try await LocalKubeServer.start(logger: logger)
        let workload = try await server.addCluster(name: "c1")
        await workload.addNode(name: "n1", labels: ["pool": "workers"], providerID: "simulated:///s1")
        let queued = Queued()
        let nodes = WorkloadNodes(silenceLimit: silenceLimit, logger: logger, connect: { [logger] cluster in
            try server.client(for: cluster.name, logger: logger)
        }, changed: { request in queued.requests.withLock { $0.append(request) } })
        let cluster = KubeObject(apiVersion: "addon-manager.io/v1alpha1", kind: "Cluster", name: "c1", namespace: "p")
        do {
            try await body(nodes, workload, cluster, queued)
        } catch {
            await nodes.stopAll()
            await server.shutdown()
            throw error
        }
        await nodes.stopAll()
        await server.shutdown()
    }

    @Test func nodesAreReadFromTheWatchAndChangesQueueTheCluster() async throws {
        try await Self.withNodes { nodes, workload, cluster, queued in
            let listed = try await eventuallyValue("the Nodes listed") { try? await nodes.nodes(of: cluster) }
            // LocalKube's own three Nodes, and n1.
            #expect(listed.map(\.name).sorted() == ["n1", "node-1", "node-2", "node-3"])
            let n1 = try #require(listed.first { $0.name == "n1" })
            #expect(n1["spec"]["providerID"] == "simulated:///s1")
            #expect(n1.labels["pool"] == "workers")
            #expect(n1["status"]["conditions"].arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } == true)
            // Only what health reads is kept.
            #expect(n1["status"]["nodeInfo"].isNull && n1["status"]["capacity"].isNull)
            // The first list queued the cluster once.
            try await eventually("queued after the list") { queued.count == 1 }
            #expect(queued.requests.withLock { $0 } == [ReconcileRequest(namespace: "p", name: "c1")])

            try await workload.setNodeCondition(node: "n1", type: "Ready", status: "False")
            try await eventually("queued after NotReady") { queued.count == 2 }
            try await eventually("the cache follows") {
                try await nodes.nodes(of: cluster).first { $0.name == "n1" }?["status"]["conditions"].arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "False" } == true
            }
            #expect(await nodes.watchedClusters == ["p/c1"])
            await nodes.stop(namespace: "p", name: "c1")
            #expect(await nodes.watchedClusters.isEmpty)
        }
    }

    @Test func aClusterThatStopsAnsweringHasUnknownNodes() async throws {
        try await Self.withNodes(silenceLimit: .milliseconds(500)) { nodes, workload, cluster, _ in
            _ = try await eventuallyValue("the Nodes listed") { try? await nodes.nodes(of: cluster) }
            await workload.setUnreachable(true)
            let error = try await eventuallyValue("the Nodes unknown") { () -> WorkloadNodes.Unknown? in
                do { _ = try await nodes.nodes(of: cluster); return nil } catch let error as WorkloadNodes.Unknown { return error }
            }
            #expect(error.description.contains("p/c1") && error.description.contains("has not answered"))
            await workload.setUnreachable(false)
            _ = try await eventuallyValue("known again", timeout: .seconds(60)) { try? await nodes.nodes(of: cluster) }
        }
    }

    struct Unusable: Error {}

    @Test func anUnusableClientIsUnknownAndTriedAgain() async throws {
        let attempts = Mutex(0)
        let nodes = WorkloadNodes(logger: Logger(label: "t"), connect: { _ in
            attempts.withLock { $0 += 1 }
            throw Unusable()
        }, changed: { _ in })
        let cluster = KubeObject(apiVersion: "addon-manager.io/v1alpha1", kind: "Cluster", name: "c1", namespace: "p")
        await #expect(throws: WorkloadNodes.Unknown.self) { try await nodes.nodes(of: cluster) }
        await #expect(throws: WorkloadNodes.Unknown.self) { try await nodes.nodes(of: cluster) }
        #expect(attempts.withLock { $0 } == 2)
        #expect(await nodes.watchedClusters.isEmpty)
    }

    static func node(ready: String, heartbeat: String, providerID: String = "simulated:///s1") -> KubeObject {
        var node = KubeObject(apiVersion: "v1", kind: "Node", name: "n1")
        node["spec"] = ["providerID": .string(providerID)]
        node["status"] = ["conditions": [["type": "Ready", "status": .string(ready), "lastHeartbeatTime": .string(heartbeat)]]]
        return node
    }

    @Test(arguments: [
        (node(ready: "True", heartbeat: "t1"), node(ready: "True", heartbeat: "t2"), false),
        (node(ready: "True", heartbeat: "t1"), node(ready: "False", heartbeat: "t1"), true),
        (node(ready: "True", heartbeat: "t1"), node(ready: "Unknown", heartbeat: "t2"), true),
        (node(ready: "True", heartbeat: "t1"), node(ready: "True", heartbeat: "t1", providerID: "simulated:///s2"), true),
    ])
    func onlyChangesHealthReadsQueueTheCluster(old: KubeObject, new: KubeObject, matters: Bool) {
        #expect(WorkloadNodes.mattersForHealth(.updated(old: old, new: new)) == matters)
        #expect(WorkloadNodes.mattersForHealth(.added(new)))
        #expect(WorkloadNodes.mattersForHealth(.deleted(old)))
    }
}
