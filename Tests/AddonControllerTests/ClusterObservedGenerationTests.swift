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

    /// A restarted manager writes nothing to a Cluster whose spec did not change. (Should its
    /// first report come before every addon is reconciled, it keeps the generation written
    /// before instead of dropping it, which would be one write more per cluster and one back;
    /// here the reconciles, which apply nothing, come first.)
    @Test func aRestartedManagerWritesNoConditionForAnUnchangedSpec() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "kept"))
            for addon in ["base", "dependent"] { try await h.waitForPhase("kept", addon, "Healthy") }
            try await h.eventually("the conditions reflect generation 1") { try await Self.allObserve(h, "kept", generation: 1) }
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
