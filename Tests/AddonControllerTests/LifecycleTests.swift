import AddonCatalog
@testable import AddonController
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Testing
import TestSupport

let configMapKind = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
let deploymentKind = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")

func exists(_ client: KubernetesClient, _ kind: GroupVersionKind, _ name: String, _ namespace: String?) async throws -> Bool {
    do {
        _ = try await client.get(kind, name: name, namespace: namespace)
        return true
    } catch let error as KubernetesError where error.isNotFound {
        return false
    }
}

@Suite(.serialized) struct LifecycleTests {
    @Test func upgradeAddsChangesAndPrunesObjects() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "up"))
            try await h.waitForPhase("up", "base", "Healthy")
            let up = try await h.client(for: "up")
            #expect(try await exists(up, configMapKind, "base-legacy", "demo-system"))

            // Moving the cluster to the candidate channel upgrades base 1.0.0 → 1.1.0.
            try await h.updateCluster("up") { $0["channel"] = "candidate" }
            try await h.eventually("base 1.1.0 applied") {
                let addon = try await h.clusterAddon("up", "base")
                return addon?.status["appliedVersion"] == "1.1.0" && addon?.status["phase"] == "Healthy"
            }
            #expect(try await exists(up, configMapKind, "base-extra", "demo-system"))
            #expect(!(try await exists(up, configMapKind, "base-legacy", "demo-system")))
            let settings = try await up.get(configMapKind, name: "base-settings", namespace: "demo-system")
            #expect(settings["data"]["greeting"] == "hello from candidate")
            #expect(settings["data"]["version"] == "1.1.0")
            let web = try await up.get(deploymentKind, name: "base-web", namespace: "demo-system")
            #expect(web.spec["template"]["spec"]["containers"][0]["image"] == "registry.k8s.io/pause:3.10")
            // The namespace, kept by the default delete policy, was never touched.
            #expect(try await exists(up, GroupVersionKind(group: "", version: "v1", kind: "Namespace"), "demo-system", nil))
        }
    }

    @Test func driftOnOwnedFieldsIsCorrectedAndOtherFieldsAreKept() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "drift"))
            try await h.waitForPhase("drift", "base", "Healthy")
            let drift = try await h.client(for: "drift")

            // Someone takes an owned field and adds their own annotation.
            var edit = KubeObject(apiVersion: "v1", kind: "ConfigMap", name: "base-settings", namespace: "demo-system")
            edit["data"] = ["greeting": "tampered"]
            edit.annotations = ["team.example/note": "mine"]
            _ = try await drift.apply(edit, options: ApplyOptions(fieldManager: "someone-else", force: true))
            try await h.eventually("greeting put back") {
                let cm = try await drift.get(configMapKind, name: "base-settings", namespace: "demo-system")
                return cm["data"]["greeting"] == "hello"
            }
            let cm = try await drift.get(configMapKind, name: "base-settings", namespace: "demo-system")
            #expect(cm.annotations["team.example/note"] == "mine")

            // Someone deletes an owned Deployment: it comes back.
            _ = try await drift.delete(deploymentKind, name: "base-web", namespace: "demo-system", options: DeleteOptions())
            try await h.eventually("base-web re-created") { try await exists(drift, deploymentKind, "base-web", "demo-system") }
            try await h.waitForPhase("drift", "base", "Healthy")
        }
    }

    @Test func conflictPoliciesOverwriteAndPreserve() async throws {
        try await withHarness { h in
            // Before the addons arrive, another manager owns fields both addons set.
            let cluster = try await h.fleet.addCluster(.init(name: "conflict", addons: [["name": "base", "enabled": false], ["name": "dependent", "enabled": false]]))
            _ = cluster
            let client = try await h.client(for: "conflict")
            var ns = KubeObject(apiVersion: "v1", kind: "Namespace", name: "demo-system")
            ns.labels = ["owner": "ops"]
            _ = try await client.apply(ns, options: ApplyOptions(fieldManager: "ops-tool"))
            for (name, key) in [("base-settings", "greeting"), ("dependent-config", "mode")] {
                var cm = KubeObject(apiVersion: "v1", kind: "ConfigMap", name: name, namespace: "demo-system")
                cm["data"] = [key: "ops-value"]
                _ = try await client.apply(cm, options: ApplyOptions(fieldManager: "ops-tool"))
            }
            try await h.updateCluster("conflict") { $0["addons"] = [] }

            // base (overwrite) takes the field; dependent (preserve) leaves it and says so.
            try await h.waitForPhase("conflict", "base", "Healthy")
            try await h.waitForPhase("conflict", "dependent", "Healthy")
            let base = try await client.get(configMapKind, name: "base-settings", namespace: "demo-system")
            #expect(base["data"]["greeting"] == "hello")
            let dependent = try await client.get(configMapKind, name: "dependent-config", namespace: "demo-system")
            #expect(dependent["data"]["mode"] == "ops-value")
            #expect(dependent["data"]["owner"] == "addon-manager")
            let status = try #require(try await h.clusterAddon("conflict", "dependent")).status
            let conflicts = status["conflicts"].arrayValue ?? []
            #expect(conflicts.contains { $0["field"] == ".data.mode" && $0["manager"] == "ops-tool" })
        }
    }

    @Test func healthFollowsWorkloadsProgressingHealthyDegradedAndBack() async throws {
        try await withHarness { h in
            let cluster = try await h.fleet.addCluster(.init(name: "health"))
            try await h.waitForPhase("health", "base", "Healthy")
            await cluster.setWorkloadsFailing(true)
            // Nudge a reconcile through a watched change: the simulated controller rewrites status.
            try await h.waitForPhase("health", "base", "Degraded")
            let degraded = try #require(try await h.clusterAddon("health", "base")).status
            let healthy = (degraded["conditions"].arrayValue ?? []).first { $0["type"] == "Healthy" }
            #expect(healthy?["status"] == "False")
            #expect(healthy?["message"].stringValue?.contains("base-web") == true)
            await cluster.setWorkloadsFailing(false)
            try await h.waitForPhase("health", "base", "Healthy")
        }
    }

    @Test func unreachableClusterGoesUnknownPrunesNothingAndRecovers() async throws {
        try await withHarness { h in
            let cluster = try await h.fleet.addCluster(.init(name: "far"))
            try await h.waitForPhase("far", "base", "Healthy")
            try await h.eventually("ControlPlaneReachable True") { try await self.reachable(h, "far")?["status"] == "True" }
            await cluster.setUnreachable(true)
            // A change arrives while the cluster cannot be reached: the upgrade would prune.
            try await h.updateCluster("far") { $0["channel"] = "candidate" }
            try await h.waitForPhase("far", "base", "Unknown")
            let status = try #require(try await h.clusterAddon("far", "base")).status
            #expect((status["conditions"].arrayValue ?? []).contains { $0["reason"] == "ClusterUnreachable" })
            #expect(await cluster.object(resource: "configmaps", namespace: "demo-system", name: "base-legacy") != nil)
            let unreachable = try await eventuallyValue("ControlPlaneReachable False", timeout: .seconds(60)) { () -> JSONValue? in
                let condition = try await self.reachable(h, "far")
                return condition?["status"] == "False" ? condition : nil
            }
            #expect(unreachable["reason"] == "Unreachable")
            #expect(unreachable["message"].stringValue?.hasPrefix("the cluster's API has not answered since ") == true)
            await cluster.setUnreachable(false)
            try await h.eventually("upgraded after recovery") {
                let addon = try await h.clusterAddon("far", "base")
                return addon?.status["appliedVersion"] == "1.1.0" && addon?.status["phase"] == "Healthy"
            }
            #expect(await cluster.object(resource: "configmaps", namespace: "demo-system", name: "base-legacy") == nil)
            try await h.eventually("ControlPlaneReachable True again") { try await self.reachable(h, "far")?["status"] == "True" }
        }
    }

    /// The probe leaves a cluster alone while its watches bookmark, for as long as
    /// `probeAfterSilence` allows (here two minutes); a cluster whose connections fail (refused,
    /// reset) and then falls silent is asked once it has been silent for a tick all the same, so
    /// it is reported unreachable within the grace period, not after the allowance.
    @Test func aClusterWhoseConnectionsFailIsProbedBeforeTheSilenceAllowance() async throws {
        var options = ControllerHarness.fastOptions
        options.probeAfterSilence = .seconds(120)
        try await withHarness(options: options) { h in
            let settings = ClusterSettings(initialNodes: 2, readinessDelay: .milliseconds(100), bookmarkInterval: .milliseconds(100))
            let cluster = try await h.fleet.addCluster(.init(name: "heard", settings: settings))
            try await h.waitForPhase("heard", "base", "Healthy")
            // Reachable is reported from what the watches heard: no probe is needed for it.
            try await h.eventually("ControlPlaneReachable True") { try await self.reachable(h, "heard")?["status"] == "True" }
            let before = await cluster.requestCount(verb: "get", resource: "/version")
            try await Task.sleep(for: .seconds(2))
            #expect(await cluster.requestCount(verb: "get", resource: "/version") == before, "a cluster heard from lately was probed")

            await cluster.setUnreachable(true)
            // Half the allowance: a probe that waited for the silence would come too late.
            try await h.eventually("ControlPlaneReachable False", timeout: .seconds(60)) { try await self.reachable(h, "heard")?["status"] == "False" }
            #expect(await cluster.refusedRequests(since: 0).contains { $0.path == "/version" }, "the probe asked")
            await cluster.setUnreachable(false)
            try await h.eventually("ControlPlaneReachable True again") { try await self.reachable(h, "heard")?["status"] == "True" }
            try await h.waitForPhase("heard", "base", "Healthy")
        }
    }

    /// Regression: with the cluster found silent, every reconcile still tried its requests,
    /// each holding one of the fleet's turns until it failed. Now they report at once and leave
    /// the cluster to the reachability probe and the watches.
    @Test func reconcilesLeaveAClusterFoundUnreachableToTheProbe() async throws {
        try await withHarness { h in
            let cluster = try await h.fleet.addCluster(.init(name: "silent"))
            try await h.waitForPhase("silent", "base", "Healthy")
            await cluster.setUnreachable(true)
            try await h.eventually("ControlPlaneReachable False", timeout: .seconds(60)) { try await self.reachable(h, "silent")?["status"] == "False" }
            // A reconcile begun before the probe's report may still be retrying its request
            // (the client tries a read five times over about 3 s).
            try await Task.sleep(for: .seconds(4))
            let before = await cluster.refusedRequestCount
            // Every addon queued again (a change of the Cluster), and their reconciles run: an
            // upgrade (install path) and a removal (remove path).
            try await h.updateCluster("silent") {
                $0["channel"] = "candidate"
                $0["addons"] = [["name": "dependent", "enabled": false]]
            }
            try await Task.sleep(for: .seconds(3))
            let refused = await cluster.refusedRequests(since: before)
            #expect(refused.contains { $0.path == "/version" }, "the probe went on asking")
            let tried = refused.filter { $0.path != "/version" && !$0.isCollectionRead }
            #expect(tried.isEmpty, "reconciles tried the silent cluster: \(tried.prefix(5).map { "\($0.method) \($0.path)" })")
            #expect(try await h.clusterAddon("silent", "dependent") != nil, "the removal waits for the cluster")
            await cluster.setUnreachable(false)
            try await h.eventually("upgraded after recovery") { try await h.clusterAddon("silent", "base")?.status["appliedVersion"] == "1.1.0" }
            try await h.eventually("removed after recovery") { try await h.clusterAddon("silent", "dependent") == nil }
        }
    }

    private func reachable(_ h: ControllerHarness, _ name: String) async throws -> JSONValue? {
        try await h.management.get(ManagementKinds.cluster, name: name, namespace: "dev").status["conditions"].arrayValue?
            .first { $0["type"] == "ControlPlaneReachable" }
    }

    @Test func disablingAnAddonRemovesItsObjectsThenItsClusterAddon() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "off"))
            try await h.waitForPhase("off", "dependent", "Healthy")
            let off = try await h.client(for: "off")
            let key = try #require(await h.starter.controllers().keys.first)
            let state = try #require(await h.starter.clusterState(of: key))
            let worker = ObjectReference(groupKind: GroupKind(group: "apps", kind: "Deployment"), namespace: "demo-system", name: "dependent-worker")
            #expect(await state.expected(worker) != nil)
            try await h.updateCluster("off") { $0["addons"] = [["name": "dependent", "enabled": false]] }
            try await h.eventually("dependent's ClusterAddon deleted") { try await h.clusterAddon("off", "dependent") == nil }
            // Before: what was remembered of its objects stayed for the life of the controller.
            #expect(await state.expected(worker) == nil)
            #expect(!(try await exists(off, configMapKind, "dependent-config", "demo-system")))
            #expect(!(try await exists(off, deploymentKind, "dependent-worker", "demo-system")))
            #expect(!(try await exists(off, configMapKind, "addon-manager.dependent", "kube-system")))
            // base stays.
            #expect(try await exists(off, configMapKind, "base-settings", "demo-system"))
            #expect(await h.phase("off", "base") == "Healthy")
        }
    }

    /// A removal the cluster refuses (every request answers 500) says so on the ClusterAddon,
    /// which stays until the removal is through; before, only the log said it. Found by review.
    @Test func aRemovalThatFailsSaysWhyOnTheClusterAddon() async throws {
        try await withHarness { h in
            let cluster = try await h.fleet.addCluster(.init(name: "stuck"))
            try await h.waitForPhase("stuck", "dependent", "Healthy")
            await cluster.setErrorRate(1.0)
            try await h.updateCluster("stuck") { $0["addons"] = [["name": "dependent", "enabled": false]] }
            try await h.eventually("the ClusterAddon says the removal failed") {
                let conditions = try await h.clusterAddon("stuck", "dependent")?.status["conditions"].arrayValue ?? []
                return conditions.contains { $0["type"] == "Progressing" && $0["reason"] == "RemoveFailed" }
            }
            let progressing = try await h.clusterAddon("stuck", "dependent")?.status["conditions"].arrayValue?.first { $0["type"] == "Progressing" }
            #expect(progressing?["message"].stringValue?.contains("injected fault") == true, "\(String(describing: progressing))")
            let events = try await h.management.list(GroupVersionKind(group: "", version: "v1", kind: "Event"), namespace: "dev", options: ListOptions()).items
            #expect(events.contains { $0["reason"] == "RemoveFailed" && $0["involvedObject"]["name"] == "stuck-dependent" })
            await cluster.setErrorRate(0)
            try await h.eventually("dependent's ClusterAddon deleted") { try await h.clusterAddon("stuck", "dependent") == nil }
        }
    }

    @Test func deletingAClusterStopsItsController() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "gone"))
            try await h.waitForPhase("gone", "base", "Healthy")
            #expect(await h.starter.controllers().keys.contains { $0.name == "gone" })
            _ = try await h.management.delete(ManagementKinds.cluster, name: "gone", namespace: "dev", options: DeleteOptions())
            try await h.eventually("controller stopped") { await !h.starter.controllers().keys.contains { $0.name == "gone" } }
            // Its addons' health series go with it (no stale series in /metrics).
            #expect(!AddonHealthExposition.render(await h.starter.controllers()).contains("dev/gone"))
        }
    }
}
