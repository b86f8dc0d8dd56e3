import AddonController
import ControllerRuntime
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import TestSupport
import Testing

/// Cluster API clusters served end to end: the Cluster API CRD installed in a LocalKube
/// management plane, a Cluster API Cluster and its `<name>-kubeconfig` Secret (key `value`), the
/// real controller starter installing the addons into the LocalKube workload cluster.
@Suite struct ClusterAPIClustersTests {
    static let crd: KubeObject = {
        var object = KubeObject(apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "clusters.cluster.x-k8s.io")
        object["spec"] = [
            "group": "cluster.x-k8s.io", "scope": "Namespaced",
            "names": ["kind": "Cluster", "plural": "clusters", "singular": "cluster", "listKind": "ClusterList"],
            "versions": [["name": "v1beta1", "served": true, "storage": true, "subresources": ["status": .emptyObject],
                          "schema": ["openAPIV3Schema": ["type": "object", "properties": [
                              "spec": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                              "status": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]]]]],
        ]
        return object
    }()

    static func capiCluster(_ name: String) -> KubeObject {
        var object = KubeObject(apiVersion: "cluster.x-k8s.io/v1beta1", kind: "Cluster", name: name, namespace: "dev")
        object.labels = ["wave": "early"]
        object.body.setValue(["addon-manager.io/addons": "optional"], at: ["metadata", "annotations"])
        object["spec"] = ["topology": ["version": "v1.30.4"], "controlPlaneEndpoint": ["host": "10.0.0.5", "port": 6443]]
        return object
    }

    static func initialize(_ h: ControllerHarness, _ name: String) async throws {
        var status = KubeObject(apiVersion: "cluster.x-k8s.io/v1beta1", kind: "Cluster", name: name, namespace: "dev")
        status["status"] = ["controlPlaneReady": true, "conditions": [["type": "ControlPlaneInitialized", "status": "True", "lastTransitionTime": "2026-12-03T10:00:00Z"]]]
        _ = try await h.fleet.management.applyStatus(status, options: ApplyOptions(fieldManager: "capi-controller", force: true))
    }

    static func ours(_ h: ControllerHarness, _ name: String) async throws -> KubeObject? {
        do { return try await h.fleet.management.get(ManagementKinds.cluster, name: name, namespace: "dev") } catch let error as KubernetesError where error.isNotFound { return nil }
    }

    /// A workload cluster as a Cluster API provider leaves it: the LocalKube cluster and its
    /// kubeconfig Secret (key `value`), with no Cluster of ours.
    static func provisioned(_ h: ControllerHarness, _ name: String) async throws {
        _ = try await h.fleet.addCluster(.init(name: name))
        _ = try await h.fleet.management.delete(ManagementKinds.cluster, name: name, namespace: "dev", options: DeleteOptions())
        try await h.eventually("the dev fleet's own Cluster \(name) gone") { try await Self.ours(h, name) == nil }
        let secret = try await h.fleet.management.get(ManagementKinds.secret, name: "\(name)-kubeconfig", namespace: "dev")
        _ = try await h.fleet.management.patch(ManagementKinds.secret, name: "\(name)-kubeconfig", namespace: "dev",
                                               patch: ["data": ["value": secret["data"]["kubeconfig"]]], type: .merge, options: WriteOptions(fieldManager: "capi"))
    }

    @Test func aClusterAPIClusterGetsItsAddonsOnceItsControlPlaneIsUpAndLosesThemWithIt() async throws {
        try await withHarness { h in
            // Started before Cluster API is installed: it looks again until it is.
            var options = ClusterAPIClusters.Options()
            options.probeInterval = .milliseconds(200)
            let logs = LogRecorder()
            let served = ClusterAPIClusters(management: h.fleet.management, options: options, logger: logs.logger(level: .info))
            let task = Task { await served.run() }
            defer { task.cancel() }
            try await Self.provisioned(h, "edge-1")
            try await Task.sleep(for: .milliseconds(600))  // several looks before it is installed
            _ = try await h.fleet.management.create(Self.crd, options: WriteOptions(fieldManager: "test"))
            try await h.eventually("the Cluster API kind served") {
                (try? await h.fleet.management.list(ClusterAPIMapping.kind, namespace: "dev", options: ListOptions())) != nil
            }
            // Before: discovery's "unknown kind" was a warning ("cannot tell whether …") at every look.
            #expect(logs.entries.filter { $0.message.hasPrefix("Cluster API is not installed") }.count == 1)
            #expect(!logs.entries.contains { $0.message.hasPrefix("cannot tell whether Cluster API is installed") }, "\(logs.lines)")
            _ = try await h.fleet.management.create(Self.capiCluster("edge-1"), options: WriteOptions(fieldManager: "capi"))
            // Not before the control plane is initialized.
            try await Task.sleep(for: .seconds(1))  // the window in which nothing may be made
            #expect(try await Self.ours(h, "edge-1") == nil)

            try await Self.initialize(h, "edge-1")
            let ours = try await eventuallyValue("a Cluster made for edge-1") { try await Self.ours(h, "edge-1") }
            #expect(ours.labels["addon-manager.io/source"] == "cluster-api" && ours.labels["wave"] == "early")
            #expect(ours["spec"]["kubeconfigSecretRef"] == ["name": "edge-1-kubeconfig", "key": "value"])
            try await h.waitForPhase("edge-1", "base", "Healthy")
            try await h.waitForPhase("edge-1", "optional", "Healthy")

            // Someone deletes ours: it is made again.
            _ = try await h.fleet.management.delete(ManagementKinds.cluster, name: "edge-1", namespace: "dev", options: DeleteOptions())
            try await h.eventually("edge-1's Cluster made again") { try await Self.ours(h, "edge-1")?.metadata["deletionTimestamp"].isNull == true }

            // The Cluster API cluster deleted: ours goes with it.
            _ = try await h.fleet.management.delete(ClusterAPIMapping.kind, name: "edge-1", namespace: "dev", options: DeleteOptions())
            try await h.eventually("edge-1's Cluster gone") { try await Self.ours(h, "edge-1") == nil }
        }
    }

    @Test func aClusterOfOursWithTheSameNameIsLeftAlone() async throws {
        try await withHarness { h in
            _ = try await h.fleet.management.create(Self.crd, options: WriteOptions(fieldManager: "test"))
            var options = ClusterAPIClusters.Options()
            options.probeInterval = .milliseconds(200)
            let task = Task { await ClusterAPIClusters(management: h.fleet.management, options: options, logger: ControllerHarness.logger()).run() }
            defer { task.cancel() }
            _ = try await h.fleet.addCluster(.init(name: "taken"))
            let before = try #require(try await Self.ours(h, "taken"))
            _ = try await h.fleet.management.create(Self.capiCluster("taken"), options: WriteOptions(fieldManager: "capi"))
            try await Self.initialize(h, "taken")
            try await h.eventually("ClusterNameTaken reported") {
                try await h.fleet.management.list(ManagementKinds.event, namespace: "dev", options: ListOptions()).items
                    .contains { $0["reason"] == "ClusterNameTaken" && $0["involvedObject"]["name"] == "taken" && $0["involvedObject"]["kind"] == "Cluster"
                        && $0["involvedObject"]["apiVersion"] == "cluster.x-k8s.io/v1beta1" }
            }
            let after = try #require(try await Self.ours(h, "taken"))
            #expect(after["spec"] == before["spec"] && after.labels["addon-manager.io/source"] == nil)
        }
    }
}
