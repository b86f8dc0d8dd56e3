import AddonCatalog
import AddonController
import ControllerRuntime
import Foundation
import KubernetesClient
import KubernetesModel
import Testing

/// Rollouts end to end: the controllers and the rollout driver against LocalKube, on the catalog
/// published in the management plane. A new version reaches clusters wave by wave with its
/// soak; a bad one stops at the first wave and is rolled back; a restarted driver continues.
///
/// A version is made to fail in LocalKube by annotating its workload
/// `localkube.addon-manager.io/simulate: fail`: its Deployment never becomes available.
@Suite(.serialized) struct RolloutTests {
    static let waves: JSONValue = [
        ["name": "canary", "selector": "wave=canary", "concurrency": 1, "soak": "3s", "progressDeadline": "20s", "onFailure": "rollback"],
        ["name": "early", "selector": "wave=early", "concurrency": 2, "soak": "0s", "progressDeadline": "20s"],
    ]
    /// canary: c1; early: c2, c3; no wave (last): c4, c5.
    static let clusters: [(String, String?)] = [("c1", "canary"), ("c2", "early"), ("c3", "early"), ("c4", nil), ("c5", nil)]

    static func startFleet(_ h: ControllerHarness) async throws {
        try await ManagementPlaneCatalogTests.editChannel(h) { $0["waves"] = waves }
        for (name, wave) in clusters {
            try await h.fleet.addCluster(.init(name: name, labels: wave.map { ["wave": $0] } ?? [:]))
        }
        for (name, _) in clusters { try await h.waitForPhase(name, "base", "Healthy") }
        try await h.eventually("the rollout of base recorded") { try await phase(h, to: "1.0.0") == "Completed" }
    }

    static func rollout(_ h: ControllerHarness) async throws -> KubeObject? {
        do {
            return try await h.management.get(ManagementKinds.addonRollout, name: "stable.base", namespace: nil)
        } catch let error as KubernetesError where error.isNotFound {
            return nil
        }
    }

    /// The rollout's phase when its status was written for `version`: between the driver's spec
    /// and status writes the object holds the new target beside the previous rollout's status.
    static func phase(_ h: ControllerHarness, to version: String) async throws -> String? {
        guard let status = try await rollout(h)?.status, status["toVersion"].stringValue == version else { return nil }
        return status["phase"].stringValue
    }

    static func applied(_ h: ControllerHarness, _ cluster: String) async -> (version: String?, phase: String?) {
        let status = (try? await h.clusterAddon(cluster, "base"))??.status
        return (status?["appliedVersion"].stringValue, status?["phase"].stringValue)
    }

    @Test func aNewVersionReachesClustersWaveByWaveAndARestartedDriverContinues() async throws {
        try await withHarness(servePublished: true, driveRollouts: true) { h in
            try await Self.startFleet(h)
            try await ManagementPlaneCatalogTests.editChannel(h) { $0["addons"]["base"]["version"] = "1.1.0" }

            // When each cluster is first seen Healthy on 1.1.0.
            var updatedAt: [String: ContinuousClock.Instant] = [:]
            var restarted = false
            try await h.eventually("every cluster Healthy on 1.1.0", timeout: .seconds(120)) {
                for (name, _) in Self.clusters where updatedAt[name] == nil {
                    let state = await Self.applied(h, name)
                    if state.version == "1.1.0", state.phase == "Healthy" { updatedAt[name] = .now }
                }
                // The canary is done and soaking: the driver restarts with nothing in memory.
                if updatedAt["c1"] != nil, !restarted {
                    restarted = true
                    await h.restartRolloutDriver()
                }
                return updatedAt.count == Self.clusters.count
            }
            let canary = try #require(updatedAt["c1"])
            let early = [updatedAt["c2"]!, updatedAt["c3"]!], last = [updatedAt["c4"]!, updatedAt["c5"]!]
            // The early wave started only after the canary's soak (3 s; times in the API are whole seconds).
            #expect(early.allSatisfy { canary.duration(to: $0) >= .seconds(2) }, "early wave began before the canary soaked: \(updatedAt)")
            #expect(last.allSatisfy { $0 >= early.max()! }, "the clusters no wave selects went before the early wave: \(updatedAt)")

            try await h.eventually("the rollout Completed") {
                let status = try await Self.rollout(h)?.status
                return status?["phase"] == "Completed" && status?["toVersion"] == "1.1.0" && status?["updated"] == 5
            }
            let rollout = try #require(try await Self.rollout(h))
            #expect(rollout.spec["fromVersion"] == "1.0.0" && rollout.spec["toVersion"] == "1.1.0")
            // Events follow the status write that they tell of.
            try await h.eventually("the rollout's events") {
                let events = try await h.management.list(ManagementKinds.event, namespace: "default", options: ListOptions())
                let reasons = Set(events.items.filter { $0["involvedObject"]["kind"] == "AddonRollout" }.compactMap { $0["reason"].stringValue })
                return reasons.isSuperset(of: ["Started", "WaveCompleted", "WaveStarted", "Completed"])
            }
        }
    }

    /// base 1.2.0: 1.1.0 with a Deployment that never becomes available.
    static func publishBadVersion(_ h: ControllerHarness) async throws {
        var bad = try #require(h.fleet.catalog.publishedVersions.first { $0.addon == "base" && $0.version.description == "1.1.0" })
        bad.version = SemanticVersion("1.2.0")!
        bad.addonYAML = bad.addonYAML.replacingOccurrences(of: "version: \"1.1.0\"", with: "version: \"1.2.0\"")
        for index in bad.manifests.indices {
            bad.manifests[index].text = bad.manifests[index].text.replacingOccurrences(
                of: "  name: base-web\n", with: "  name: base-web\n  annotations:\n    localkube.addon-manager.io/simulate: fail\n")
        }
        #expect(bad.manifests.contains { $0.text.contains("simulate: fail") })
        _ = try await h.management.apply(try bad.object(), options: ApplyOptions(fieldManager: "addonctl", force: true))
        try await h.eventually("base-1.2.0 accepted") {
            try await h.management.get(ManagementKinds.addonVersion, name: "base-1.2.0", namespace: nil).status["phase"] == "Accepted"
        }
    }

    @Test func aBadVersionStopsAtTheFirstWaveAndIsRolledBack() async throws {
        try await withHarness(servePublished: true, driveRollouts: true) { h in
            try await Self.startFleet(h)
            try await ManagementPlaneCatalogTests.editChannel(h) { $0["addons"]["base"]["version"] = "1.1.0" }
            try await h.eventually("the rollout to 1.1.0 Completed", timeout: .seconds(120)) {
                try await Self.phase(h, to: "1.1.0") == "Completed"
            }
            try await Self.publishBadVersion(h)
            try await ManagementPlaneCatalogTests.editChannel(h) { $0["addons"]["base"]["version"] = "1.2.0" }

            try await h.eventually("the rollout RolledBack", timeout: .seconds(90)) {
                for name in ["c2", "c3", "c4", "c5"] {
                    let desired = try await h.clusterAddon(name, "base")?.status["desiredVersion"]
                    #expect(desired == "1.1.0", "\(name) was given the bad version")
                }
                return try await Self.phase(h, to: "1.2.0") == "RolledBack"
            }
            let status = try #require(try await Self.rollout(h)).status
            let failures = status["failures"].arrayValue ?? []
            #expect(failures.map { $0["cluster"] } == ["dev/c1"])
            // The canary got 1.2.0 (its ClusterAddon reported it unhealthy on that version).
            // (Healthy for a moment first is possible: the annotation is metadata, so the old
            // status still matched the Deployment's generation until LocalKube settled it.)
            #expect(["AddonDegraded", "AddonFailed", "BecameUnhealthy"].contains(failures.first?["reason"].stringValue ?? ""), "\(failures)")
            #expect((failures.first?["message"].stringValue ?? "").hasPrefix("base 1.2.0 "), "\(failures)")
            #expect((status["message"].stringValue ?? "").contains("wave canary: 1 of 1 clusters failed"), "\(status["message"])")
            // The canary is back on the version it ran, and Healthy; the others never moved.
            try await h.eventually("c1 back on 1.1.0 and Healthy") {
                let state = await Self.applied(h, "c1")
                return state.version == "1.1.0" && state.phase == "Healthy"
            }
            for name in ["c2", "c3", "c4", "c5"] { #expect(await Self.applied(h, name).version == "1.1.0") }
            try await h.eventually("the rollout counts c1 restored") { try await Self.rollout(h)?.status["restored"] == 1 }
            try await h.eventually("a RolledBack warning") {
                let events = try await h.management.list(ManagementKinds.event, namespace: "default", options: ListOptions())
                return events.items.contains { $0["involvedObject"]["name"] == "stable.base" && $0["reason"] == "RolledBack" && $0["type"] == "Warning" }
            }
        }
    }

    static func patchRollout(_ h: ControllerHarness, _ spec: JSONValue) async throws {
        _ = try await h.management.patch(ManagementKinds.addonRollout, name: "stable.base", namespace: nil, patch: ["spec": spec], type: .merge,
                                         options: WriteOptions(fieldManager: "addonctl"))
    }

    /// Paused by hand during the canary's soak: nothing more is admitted, also after the soak;
    /// a cluster created meanwhile gets the version its wave is on; a pinned cluster is outside
    /// the rollout; resumed, the rollout completes.
    @Test func aPausedRolloutAdmitsNothingUntilResumed() async throws {
        try await withHarness(servePublished: true, driveRollouts: true) { h in
            try await Self.startFleet(h)
            try await h.fleet.addCluster(.init(name: "pinned", addons: [["name": "base", "version": "1.0.0"]]))
            try await h.waitForPhase("pinned", "base", "Healthy")
            try await ManagementPlaneCatalogTests.editChannel(h) { $0["addons"]["base"]["version"] = "1.1.0" }
            try await h.eventually("the canary updated") {
                let state = await Self.applied(h, "c1")
                return state.version == "1.1.0" && state.phase == "Healthy"
            }
            try await Self.patchRollout(h, ["paused": true])
            try await h.eventually("the rollout Paused") { try await Self.phase(h, to: "1.1.0") == "Paused" }
            try await h.fleet.addCluster(.init(name: "late", labels: ["wave": "early"]))
            try await h.waitForPhase("late", "base", "Healthy")
            // Well past the canary's 3 s soak: still nothing admitted.
            try await Task.sleep(for: .seconds(5))
            for name in ["c2", "c3", "c4", "c5", "late"] { #expect(await Self.applied(h, name).version == "1.0.0", "\(name) moved while paused") }
            let paused = try #require(try await Self.rollout(h)).status
            #expect(paused["phase"] == "Paused" && paused["admitted"] == 1 && paused["clusters"] == 6, "\(paused)")

            let attempt = try #require(try await Self.rollout(h)).spec["attempt"].intValue ?? 0
            try await Self.patchRollout(h, ["paused": false, "attempt": .int(attempt + 1)])
            try await h.eventually("the rollout Completed", timeout: .seconds(90)) { try await Self.phase(h, to: "1.1.0") == "Completed" }
            for name in ["c1", "c2", "c3", "c4", "c5", "late"] {
                try await h.eventually("\(name) Healthy on 1.1.0") {
                    let state = await Self.applied(h, name)
                    return state.version == "1.1.0" && state.phase == "Healthy"
                }
            }
            #expect(await Self.applied(h, "pinned").version == "1.0.0", "a pinned cluster followed the rollout")
        }
    }

    /// Found by running the README's commands: `addonctl rollout pause` (a spec change only)
    /// woke no pass of the driver, so it waited for the periodic one (5 s in `run`). Here the
    /// driver's periodic pass is an hour away: the request alone must make it act.
    @Test func aPauseRequestIsActedOnWithoutWaitingForThePeriodicPass() async throws {
        try await withHarness(servePublished: true, driveRollouts: true) { h in
            try await Self.startFleet(h)
            await h.restartRolloutDriver(interval: .seconds(3600))
            try await ManagementPlaneCatalogTests.editChannel(h) { $0["addons"]["base"]["version"] = "1.1.0" }
            try await h.eventually("the canary updated") {
                let state = await Self.applied(h, "c1")
                return state.version == "1.1.0" && state.phase == "Healthy"
            }
            try await h.eventually("the canary's wave soaking") { try await Self.rollout(h)?.status["waveCompletedAt"].stringValue != nil }
            try await Self.patchRollout(h, ["paused": true])
            try await h.eventually("the rollout Paused") { try await Self.phase(h, to: "1.1.0") == "Paused" }
            let attempt = try #require(try await Self.rollout(h)).spec["attempt"].intValue ?? 0
            try await Self.patchRollout(h, ["paused": false, "attempt": .int(attempt + 1)])
            try await h.eventually("the rollout resumed") { try await Self.phase(h, to: "1.1.0") == "Progressing" }
        }
    }

    /// A channel naming a version the manager cannot serve starts no rollout: clusters keep what
    /// they run and say why, as without rollouts.
    @Test func aMissingVersionStartsNoRolloutAndClustersSayWhy() async throws {
        try await withHarness(servePublished: true, driveRollouts: true) { h in
            try await Self.startFleet(h)
            try await ManagementPlaneCatalogTests.editChannel(h) { $0["addons"]["base"]["version"] = "9.9.9" }
            for (name, _) in Self.clusters {
                try await h.eventually("\(name)/base says why") {
                    let status = try await h.clusterAddon(name, "base")?.status
                    return (status?["conditions"].arrayValue ?? []).contains { $0["reason"] == "UnknownVersion" } && status?["appliedVersion"] == "1.0.0"
                }
            }
            try await Task.sleep(for: .seconds(1))
            #expect(try await Self.rollout(h)?.spec["toVersion"] == "1.0.0", "a rollout started towards a version that does not exist")
        }
    }
}
