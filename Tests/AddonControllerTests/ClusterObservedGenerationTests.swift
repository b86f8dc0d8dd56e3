import AddonController
import Foundation
import KubernetesClient
import KubernetesModel
import Testing

/// Each of the Cluster's conditions says which generation of its spec it reflects
/// (`observedGeneration`), as Kubernetes conventions ask: a person or a tool that changed the
/// spec can tell an old `AddonsHealthy=True` from one about the new spec. Before, none was set.
@Suite(.serialized) struct ClusterObservedGenerationTests {
    static let written = ["Accepted", "AddonsHealthy", "ControlPlaneReachable"]

    /// The `observedGeneration` of each condition the manager writes, by type.
    static func observed(_ h: ControllerHarness, _ name: String) async throws -> (generation: Int64?, conditions: [String: Int64]) {
        let cluster = try await h.management.get(ManagementKinds.cluster, name: name, namespace: "dev")
        var conditions: [String: Int64] = [:]
        for condition in cluster.status["conditions"].arrayValue ?? [] {
            if let type = condition["type"].stringValue, let generation = condition["observedGeneration"].intValue { conditions[type] = generation }
        }
        return (cluster.generation, conditions)
    }

    static func allObserve(_ h: ControllerHarness, _ name: String, generation: Int64) async throws -> Bool {
        let (current, conditions) = try await observed(h, name)
        return current == generation && written.allSatisfy { conditions[$0] == generation }
    }

    @Test func everyConditionFollowsTheSpecItReflects() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "gen"))
            for addon in ["base", "dependent"] { try await h.waitForPhase("gen", addon, "Healthy") }
            try await h.eventually("the conditions reflect generation 1") { try await Self.allObserve(h, "gen", generation: 1) }

            // Paused: the addons are left as they are, and the conditions say the pause was seen.
            try await h.updateCluster("gen") { $0["paused"] = true }
            try await h.eventually("the conditions reflect the paused spec (generation 2)") { try await Self.allObserve(h, "gen", generation: 2) }

            // Resumed, with an addon disabled: AddonsHealthy reflects generation 3 once that addon is removed.
            try await h.updateCluster("gen") { $0["paused"] = false; $0["addons"] = [["name": "dependent", "enabled": false]] }
            try await h.eventually("dependent removed") { try await h.clusterAddon("gen", "dependent") == nil }
            try await h.eventually("the conditions reflect generation 3") { try await Self.allObserve(h, "gen", generation: 3) }
            let healthy = try await h.management.get(ManagementKinds.cluster, name: "gen", namespace: "dev").status["conditions"].arrayValue?
                .first { $0["type"] == "AddonsHealthy" }
            #expect(healthy?["status"] == "True")
            #expect(healthy?["message"] == "1 addons healthy")
        }
    }

    /// An addon the new spec enables counts before it has a status: while its first install is
    /// slow (the cluster answers 1 s late), `AddonsHealthy` does not claim the new generation,
    /// whose other addons were reconciled at once. Found by review: it counted only the addons
    /// with a status.
    @Test func anAddonTheSpecEnablesCountsBeforeItHasAStatus() async throws {
        try await withHarness { h in
            let cluster = try await h.fleet.addCluster(.init(name: "more"))
            for addon in ["base", "dependent"] { try await h.waitForPhase("more", addon, "Healthy") }
            try await h.eventually("the conditions reflect generation 1") { try await Self.allObserve(h, "more", generation: 1) }
            await cluster.setLatency(.seconds(1))
            try await h.updateCluster("more") { $0["addons"] = [["name": "optional", "enabled": true]] }
            try await h.eventually("AddonsHealthy reflects generation 2", timeout: .seconds(120)) {
                let observed = try await Self.observed(h, "more").conditions["AddonsHealthy"]
                // Read after the Cluster: a status written before the condition is there.
                let optional = try await h.clusterAddon("more", "optional")
                if observed == 2, optional == nil { Issue.record("AddonsHealthy says generation 2 before optional has a status") }
                return observed == 2
            }
            await cluster.setLatency(.zero)
        }
    }

    /// An upgrade that fails for a while (every request to the cluster answers 500) is retried,
    /// and the addon stays Healthy at its old version meanwhile: `AddonsHealthy` must not say it
    /// reflects the new spec until the upgrade is through. Found by review: any failure counted
    /// as reconciled, so `AddonsHealthy=True` claimed a spec never applied.
    @Test func aTransientFailureDoesNotCountAsReconciled() async throws {
        try await withHarness { h in
            let cluster = try await h.fleet.addCluster(.init(name: "flaky"))
            for addon in ["base", "dependent"] { try await h.waitForPhase("flaky", addon, "Healthy") }
            try await h.eventually("the conditions reflect generation 1") { try await Self.allObserve(h, "flaky", generation: 1) }
            await cluster.setErrorRate(1.0)
            // The candidate channel upgrades base 1.0.0 → 1.1.0.
            try await h.updateCluster("flaky") { $0["channel"] = "candidate" }
            try await h.eventually("the upgrade tried and failed") {
                let conditions = try await h.clusterAddon("flaky", "base")?.status["conditions"].arrayValue ?? []
                return conditions.contains { $0["type"] == "Applied" && $0["reason"] == "ApplyFailed" }
            }
            try await Task.sleep(for: .seconds(2))  // past the cluster report's delay
            #expect(try await h.clusterAddon("flaky", "base")?.status["appliedVersion"] == "1.0.0")
            #expect(try await Self.observed(h, "flaky").conditions["AddonsHealthy"] == 1)
            await cluster.setErrorRate(0)
            try await h.eventually("base 1.1.0 applied and AddonsHealthy reflects generation 2", timeout: .seconds(120)) {
                let applied = try await h.clusterAddon("flaky", "base")?.status["appliedVersion"] == "1.1.0"
                let observed = try await Self.observed(h, "flaky").conditions["AddonsHealthy"]
                return applied && observed == 2
            }
        }
    }

    /// A restarted manager writes nothing to a Cluster whose spec did not change. (Should its
    /// first report come before every addon is reconciled, it keeps the generation written
    /// before instead of dropping it, which would be one write more per cluster and one back;
    /// here the reconciles, which apply nothing, come first.)
    ///
    /// The first manager is stopped only once the Cluster says every addon is Healthy: the
    /// ClusterAddons say so first, and the Cluster's report follows after `clusterReportDelay`.
    /// Stopped in between (as this test once did, and a loaded machine showed), the Cluster
    /// still says `dependent Progressing`, and the restarted manager rightly corrects it.
    @Test func aRestartedManagerWritesNoConditionForAnUnchangedSpec() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "kept"))
            for addon in ["base", "dependent"] { try await h.waitForPhase("kept", addon, "Healthy") }
            try await h.eventually("the Cluster says both addons are Healthy, of generation 1") {
                let cluster = try await h.management.get(ManagementKinds.cluster, name: "kept", namespace: "dev")
                let healthy = (cluster.status["conditions"].arrayValue ?? []).contains {
                    $0["type"].stringValue == "AddonsHealthy" && $0["reason"].stringValue == "AllHealthy"
                }
                guard healthy else { return false }
                return try await Self.allObserve(h, "kept", generation: 1)
            }
            h.runner.cancel()
            await h.runner.value
            let before = try await h.management.get(ManagementKinds.cluster, name: "kept", namespace: "dev").resourceVersion

            let (starter, restarted) = try SteadyStateTests.startAnotherManager(h)
            try await h.eventually("every addon reconciled by the new manager") {
                (await starter.controllers().values.first?.summary?.addonReconciles ?? 0) >= 2
            }
            try await Task.sleep(for: .milliseconds(1500))  // past the cluster report's delay
            let after = try await h.management.get(ManagementKinds.cluster, name: "kept", namespace: "dev")
            #expect(after.resourceVersion == before, "the restarted manager wrote the Cluster's status: \(after.status["conditions"])")

            // And a spec changed while it runs is followed as before.
            try await h.updateCluster("kept") { $0["paused"] = true }
            try await h.eventually("the conditions reflect generation 2") { try await Self.allObserve(h, "kept", generation: 2) }
            restarted.cancel()
            await restarted.value
        }
    }
}
