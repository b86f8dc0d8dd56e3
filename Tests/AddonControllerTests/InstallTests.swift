import AddonCatalog
import AddonController
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import Testing

@Suite(.serialized) struct InstallTests {
    @Test func installsDefaultAddonsOntoSeveralClustersAndReportsThemHealthy() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "alpha"))
            try await h.fleet.addCluster(.init(name: "beta"))
            for cluster in ["alpha", "beta"] {
                try await h.waitForPhase(cluster, "base", "Healthy")
                try await h.waitForPhase(cluster, "dependent", "Healthy")
            }
            // The opt-in addon is not installed without opting in.
            #expect(try await h.clusterAddon("alpha", "optional") == nil)

            let alpha = try await h.client(for: "alpha")
            let settings = try await alpha.get(GroupVersionKind(group: "", version: "v1", kind: "ConfigMap"), name: "base-settings", namespace: "demo-system")
            #expect(settings["data"]["cluster"] == "alpha")
            #expect(settings.labels[OwnershipLabels.addonNameKey] == "base")
            #expect(settings.labels["applyset.kubernetes.io/part-of"] == InventoryStore.applySetID(addon: "base"))
            #expect(settings.managedFields.contains { $0.manager == "addon-manager" && $0.operation == .apply })

            // The inventory is an ApplySet parent listing what was applied, with uids.
            let parent = try await alpha.get(GroupVersionKind(group: "", version: "v1", kind: "ConfigMap"), name: "addon-manager.base", namespace: "kube-system")
            #expect(parent.labels["applyset.kubernetes.io/id"] == InventoryStore.applySetID(addon: "base"))
            #expect(parent.annotations["applyset.kubernetes.io/contains-group-kinds"] == "ConfigMap,Deployment.apps,Namespace")
            let members = try JSONValue.parse(parent["data"]["members"].stringValue ?? "")
            #expect(members.arrayValue?.count == 4)
            #expect(members.arrayValue?.allSatisfy { $0["uid"].stringValue != nil } == true)

            // Status: versions, conditions, per-object health; the Cluster's aggregate condition.
            let addon = try #require(try await h.clusterAddon("alpha", "base"))
            #expect(addon.status["desiredVersion"] == "1.0.0")
            #expect(addon.status["appliedVersion"] == "1.0.0")
            #expect(addon.status["objects"].arrayValue?.count == 4)
            let conditions = addon.status["conditions"].arrayValue ?? []
            #expect(conditions.contains { $0["type"] == "Applied" && $0["status"] == "True" })
            #expect(conditions.contains { $0["type"] == "Healthy" && $0["status"] == "True" })
            try await h.eventually("Cluster alpha AddonsHealthy=True") {
                let cluster = try await h.management.get(ManagementKinds.cluster, name: "alpha", namespace: "dev")
                return (cluster.status["conditions"].arrayValue ?? []).contains { $0["type"] == "AddonsHealthy" && $0["status"] == "True" }
            }
        }
    }

    @Test func optInAddonGetsItsCredentialsOnlyIntoASecret() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "gamma", addons: [["name": "optional", "enabled": true]]))
            try await h.waitForPhase("gamma", "optional", "Healthy")
            let gamma = try await h.client(for: "gamma")
            let secret = try await gamma.get(GroupVersionKind(group: "", version: "v1", kind: "Secret"), name: "optional-credentials", namespace: "optional-system")
            let stored = secret["data"]["accessKey"].stringValue.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
            #expect(stored == "dev-accessKey")
            // Nothing of it in the status or the events of the management plane.
            let addon = try #require(try await h.clusterAddon("gamma", "optional"))
            #expect(!addon.body.jsonString().contains("dev-secretKey"))
            let events = try await h.management.list(GroupVersionKind(group: "", version: "v1", kind: "Event"), namespace: "dev", options: ListOptions())
            #expect(!events.items.isEmpty)
            #expect(events.items.allSatisfy { !$0.body.jsonString().contains("dev-secretKey") })
        }
    }
}

@Suite(.serialized) struct CredentialRotationTests {
    @Test func aRotatedCredentialReachesTheWorkloadSecretAtTheNextResync() async throws {
        var options = ControllerHarness.fastOptions
        options.resyncPeriod = .milliseconds(500)
        try await withHarness(options: options) { h in
            try await h.fleet.addCluster(.init(name: "rotate", addons: [["name": "optional", "enabled": true]]))
            try await h.waitForPhase("rotate", "optional", "Healthy")
            var secret = try await h.management.get(ManagementKinds.secret, name: "object-store-credentials", namespace: "dev")
            secret.body.removeValue(forKey: "data")
            secret["stringData"] = ["accessKey": "rotated-access", "secretKey": "rotated-secret"]
            _ = try await h.management.update(secret, options: WriteOptions(fieldManager: "rotation"))
            let rotate = try await h.client(for: "rotate")
            try await h.eventually("workload secret rotated") {
                let s = try await rotate.get(GroupVersionKind(group: "", version: "v1", kind: "Secret"), name: "optional-credentials", namespace: "optional-system")
                let value = s["data"]["accessKey"].stringValue.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
                return value == "rotated-access"
            }
        }
    }
}
