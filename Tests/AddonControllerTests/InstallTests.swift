import AddonCatalog
import AddonController
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
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
    /// The watch on Secrets brings a rotation to the cluster at once: the harness's resync
    /// period is an hour.
    @Test func aRotatedCredentialReachesTheWorkloadSecretWithoutWaitingForAResync() async throws {
        try await withHarness { h in
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

    /// A credential missing at render time fails the addon (a terminal error, not retried on a
    /// timer); creating the Secret heals it.
    @Test func aMissingCredentialFailsTheAddonAndItsCreationHealsIt() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "early", project: "fresh", addons: [["name": "optional", "enabled": true]]))
            try await h.waitForPhase("early", "base", "Healthy", project: "fresh")
            try await h.waitForPhase("early", "optional", "Healthy", project: "fresh")
            // DevFleet made the project's credentials; taking the one `optional` reads away
            // makes it render again (the watch on Secrets), and fail.
            _ = try await h.management.delete(ManagementKinds.secret, name: "object-store-credentials", namespace: "fresh", options: DeleteOptions())
            try await h.waitForPhase("early", "optional", "Failed", project: "fresh")
            var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: "object-store-credentials", namespace: "fresh")
            secret["stringData"] = ["accessKey": "new-access", "secretKey": "new-secret"]
            _ = try await h.management.create(secret, options: WriteOptions(fieldManager: "operator"))
            try await h.waitForPhase("early", "optional", "Healthy", project: "fresh")
        }
    }

    /// A Cluster created before its kubeconfig Secret: the controller waits, and starts as soon
    /// as the Secret appears (the restart backoff here is an hour, so only the watch can).
    @Test func aKubeconfigThatAppearsLaterStartsTheController() async throws {
        try await withHarness(restartBackoff: .seconds(3600)) { h in
            let kubeconfig = try await Self.recreateClusterWithoutKubeconfig("late", h)
            try await h.eventually("waiting for its kubeconfig") {
                await h.starter.controllers().first { $0.key.name == "late" }?.value.phase == .waitingForKubeconfig
            }
            var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: "late-kubeconfig", namespace: "dev")
            secret["data"] = kubeconfig["data"]
            _ = try await h.management.create(secret, options: WriteOptions(fieldManager: "operator"))
            try await h.waitForPhase("late", "base", "Healthy")
        }
    }

    /// The same, with the Secret created while the namespace's Secret watch (started again with
    /// the namespace's only Cluster) is still waiting for its first list: the Secret comes in that
    /// list, which announces nothing, so no event starts the controller; it reads again once the
    /// watch has listed. (Before, it waited out its restart backoff, here an hour.)
    @Test func aKubeconfigCreatedBeforeItsNamespacesWatchListedStartsTheController() async throws {
        try await withHarness(restartBackoff: .seconds(3600)) { h in
            let plane = try #require(await h.fleet.server.cluster(named: DevFleet.managementName))
            let kubeconfig = try await Self.recreateClusterWithoutKubeconfig("late", h) {
                // Lists and watches of the namespace's Secrets answer 2 s late; reads of one Secret
                // and writes at once.
                await plane.setFaults(FaultSettings(latency: .seconds(2), collectionReads: "/api/v1/namespaces/dev/secrets"))
            }
            // The controller's supervisor has read the Secret (missing); the watch has not listed.
            try await h.eventually("its supervisor started") { await h.starter.controllers().keys.contains { $0.name == "late" } }
            try await Task.sleep(for: .milliseconds(300))
            var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: "late-kubeconfig", namespace: "dev")
            secret["data"] = kubeconfig["data"]
            _ = try await h.management.create(secret, options: WriteOptions(fieldManager: "operator"))
            try await h.waitForPhase("late", "base", "Healthy")
            await plane.setFaults(.none)
        }
    }

    /// Adds a cluster, deletes its kubeconfig Secret, and deletes and creates the Cluster again so
    /// that its controller starts without a kubeconfig (`beforeCreate` runs once the old
    /// controller stopped); returns the deleted Secret, to create again later.
    static func recreateClusterWithoutKubeconfig(_ name: String, _ h: ControllerHarness, beforeCreate: () async -> Void = {}) async throws -> KubeObject {
        try await h.fleet.addCluster(.init(name: name))
        let kubeconfig = try await h.management.get(ManagementKinds.secret, name: "\(name)-kubeconfig", namespace: "dev")
        _ = try await h.management.delete(ManagementKinds.secret, name: "\(name)-kubeconfig", namespace: "dev", options: DeleteOptions())
        var cluster = try await h.management.get(ManagementKinds.cluster, name: name, namespace: "dev")
        _ = try await h.management.delete(ManagementKinds.cluster, name: name, namespace: "dev", options: DeleteOptions())
        try await h.eventually("old controller stopped") { await !h.starter.controllers().keys.contains { $0.name == name } }
        await beforeCreate()
        cluster.body.removeValue(forKey: "status")
        for field in ["uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"] { cluster.body["metadata"].removeValue(forKey: field) }
        _ = try await h.management.create(cluster, options: WriteOptions(fieldManager: "operator"))
        return kubeconfig
    }

    /// A kubeconfig Secret replaced by delete and create (as `kubectl replace --force` does)
    /// carries new credentials: the running controller restarts with them.
    @Test func aKubeconfigSecretDeletedAndCreatedAgainRestartsTheController() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "replaced"))
            try await h.waitForPhase("replaced", "base", "Healthy")
            let before = try #require(await h.starter.controllers().first { $0.key.name == "replaced" }?.value.runningSince)
            _ = try await h.management.delete(ManagementKinds.secret, name: "replaced-kubeconfig", namespace: "dev", options: DeleteOptions())
            // New credentials (here: the same token in a kubeconfig written anew).
            var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: "replaced-kubeconfig", namespace: "dev")
            let rewritten = try h.fleet.server.kubeconfig(for: "replaced") + "# rotated\n"
            secret["data"] = ["kubeconfig": .string(Data(rewritten.utf8).base64EncodedString())]
            _ = try await h.management.create(secret, options: WriteOptions(fieldManager: "operator"))
            try await h.eventually("controller restarted") {
                guard let info = await h.starter.controllers().first(where: { $0.key.name == "replaced" })?.value, let since = info.runningSince else { return false }
                return since > before && info.phase == .running
            }
            try await h.waitForPhase("replaced", "base", "Healthy")
        }
    }

    /// The same kubeconfig seen again — a change of the Secret's metadata, the Secret deleted and
    /// created again unchanged, its first event arriving after the Cluster's — restarts nothing.
    @Test func theSameKubeconfigSeenAgainRestartsNothing() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "same"))
            try await h.waitForPhase("same", "base", "Healthy")
            let before = try #require(await h.starter.controllers().first { $0.key.name == "same" }?.value.runningSince)
            var kubeconfig = try await h.management.get(ManagementKinds.secret, name: "same-kubeconfig", namespace: "dev")
            kubeconfig.labels["touched"] = "yes"
            kubeconfig = try await h.management.update(kubeconfig, options: WriteOptions(fieldManager: "operator"))
            _ = try await h.management.delete(ManagementKinds.secret, name: "same-kubeconfig", namespace: "dev", options: DeleteOptions())
            var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: "same-kubeconfig", namespace: "dev")
            secret["data"] = kubeconfig["data"]
            _ = try await h.management.create(secret, options: WriteOptions(fieldManager: "operator"))
            // A marker after those events: once the starter has seen it, it has seen them.
            try await h.fleet.addCluster(.init(name: "marker"))
            try await h.eventually("marker running") { await h.starter.controllers().first { $0.key.name == "marker" }?.value.phase == .running }
            let info = try #require(await h.starter.controllers().first { $0.key.name == "same" }?.value)
            #expect(info.runningSince == before, "the controller restarted for an unchanged kubeconfig")
            #expect(info.restarts == 0)
        }
    }
}
