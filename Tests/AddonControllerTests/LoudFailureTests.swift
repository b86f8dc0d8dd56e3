import AddonCatalog
import AddonController
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Testing
import TestSupport

/// Failures that used to pass unseen, and repeats that used to flood.
@Suite(.serialized) struct LoudFailureTests {
    static let eventKind = GroupVersionKind(group: "", version: "v1", kind: "Event")

    /// Before: every pass of a drift fight added an Event; now the one Event counts them.
    @Test func aDriftFightUpdatesOneEventInsteadOfAddingOnePerPass() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "fight"))
            try await h.waitForPhase("fight", "base", "Healthy")
            let fight = try await h.client(for: "fight")
            for round in 1...3 {
                var edit = KubeObject(apiVersion: "v1", kind: "ConfigMap", name: "base-settings", namespace: "demo-system")
                edit["data"] = ["greeting": .string("tampered \(round)")]
                _ = try await fight.apply(edit, options: ApplyOptions(fieldManager: "someone-else", force: true))
                try await h.eventually("greeting put back (round \(round))") {
                    try await fight.get(configMapKind, name: "base-settings", namespace: "demo-system")["data"]["greeting"] == "hello"
                }
            }
            // The Event is written after the apply it tells of: wait for the third pass's.
            let name = ManagementKinds.clusterAddonName(cluster: "fight", addon: "base")
            func reapplied() async throws -> [KubeObject] {
                try await h.management.list(Self.eventKind, namespace: "dev", options: ListOptions()).items
                    .filter { $0["involvedObject"]["name"].stringValue == name && $0["reason"] == "Reapplied" }
            }
            try await h.eventually("three passes counted") { try await reapplied().contains { ($0["count"].intValue ?? 0) >= 3 } }
            let events = try await reapplied()
            #expect(events.count == 1, "\(events.count) Reapplied events")
            if let event = events.first {
                #expect(event["lastTimestamp"].stringValue ?? "" >= event["firstTimestamp"].stringValue ?? "")
                // The recorder remembers Events without their managedFields and updates them so:
                // the server keeps the ones it had.
                #expect(!(event.metadata["managedFields"].arrayValue ?? []).isEmpty, "the update dropped the Event's managedFields")
            }
        }
    }

    /// Before: a 401 from the reachability probe was ignored, and the Cluster kept saying its
    /// addons were healthy.
    @Test func aClusterThatRefusesTheCredentialsSaysSo() async throws {
        try await withHarness { h in
            let cluster = try await h.fleet.addCluster(.init(name: "refusing"))
            try await h.waitForPhase("refusing", "base", "Healthy")
            await cluster.setErrorRate(1.0, code: 401)
            try await h.eventually("AddonsHealthy Unknown, reason Unauthorized") {
                try await Self.addonsHealthy(h, "refusing")?["reason"] == "Unauthorized"
            }
            let condition = try #require(try await Self.addonsHealthy(h, "refusing"))
            #expect(condition["status"] == "Unknown")
            #expect(condition["message"].stringValue?.contains("refuses the manager's credentials") == true)
            await cluster.setErrorRate(0)
            try await h.eventually("AddonsHealthy True again") {
                try await Self.addonsHealthy(h, "refusing")?["status"] == "True"
            }
        }
    }

    /// Credentials revoked while the cluster's watches stay open: the watches go on sending
    /// (they were authenticated when they opened), so the cluster is never silent for the
    /// allowance (here two minutes), and the Cluster says Unauthorized all the same. (Here a
    /// request of the controller meets a 401 within a second or so; where none goes out, the
    /// credentials check, here 2 s, has the probe ask: `ReachabilityProbeTests`.)
    @Test func credentialsRevokedWhileWatchesFlowAreReported() async throws {
        var options = ControllerHarness.fastOptions
        options.probeAfterSilence = .seconds(120)
        options.credentialsCheck = .seconds(2)
        try await withHarness(options: options) { h in
            let settings = ClusterSettings(initialNodes: 2, readinessDelay: .milliseconds(100), bookmarkInterval: .milliseconds(100))
            let cluster = try await h.fleet.addCluster(.init(name: "revoked", settings: settings))
            try await h.waitForPhase("revoked", "base", "Healthy")
            await cluster.setErrorRate(1.0, code: 401)
            try await h.eventually("AddonsHealthy Unknown, reason Unauthorized", timeout: .seconds(60)) {
                try await Self.addonsHealthy(h, "revoked")?["reason"] == "Unauthorized"
            }
            await cluster.setErrorRate(0)
            try await h.eventually("AddonsHealthy True again") { try await Self.addonsHealthy(h, "revoked")?["status"] == "True" }
        }
    }

    /// Before: an apply refused with 401 counted as the cluster accepting the credentials again
    /// (it cleared what the probe had found), so the probe asked, was refused, and reported the
    /// refusal as new: the error logged again, the Cluster's report written again, at every
    /// apply.
    @Test func anApplyRefusedForTheCredentialsLeavesTheRefusalReportedOnce() async throws {
        let logs = LogRecorder()
        try await withHarness(managerLogger: logs.logger(level: .error)) { h in
            let cluster = try await h.fleet.addCluster(.init(name: "refused-apply"))
            try await h.waitForPhase("refused-apply", "base", "Healthy")
            await cluster.setErrorRate(1.0, code: 401)
            let refused = "cluster refuses the manager's credentials"
            _ = try await logs.next(refused)
            // An upgrade: base 1.1.0 is applied, and refused.
            try await h.updateCluster("refused-apply") { $0["channel"] = "candidate" }
            let name = ManagementKinds.clusterAddonName(cluster: "refused-apply", addon: "base")
            try await h.eventually("the apply refused") {
                try await h.management.list(Self.eventKind, namespace: "dev", options: ListOptions()).items
                    .contains { $0["involvedObject"]["name"].stringValue == name && $0["reason"] == "ApplyFailed" }
            }
            // Several probe ticks (300 ms) after the refused apply: the probe would have asked
            // and found the refusal new by now.
            try await Task.sleep(for: .seconds(2))
            #expect(logs.entries.filter { $0.message == refused }.count == 1)
            await cluster.setErrorRate(0)
            try await h.eventually("AddonsHealthy True again") { try await Self.addonsHealthy(h, "refused-apply")?["status"] == "True" }
            try await h.waitForPhase("refused-apply", "base", "Healthy")
        }
    }

    /// Before: a Cluster whose spec became unusable was silently not reconciled, and kept
    /// saying its addons were healthy.
    @Test func aClusterWhoseSpecCannotBeReadSaysSo() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "garbled"))
            try await h.waitForPhase("garbled", "base", "Healthy")
            try await h.updateCluster("garbled") { $0["addons"] = [["name": "base", "version": "banana"]] }
            try await h.eventually("AddonsHealthy Unknown, reason InvalidSpec") {
                try await Self.addonsHealthy(h, "garbled")?["reason"] == "InvalidSpec"
            }
            #expect(try await Self.addonsHealthy(h, "garbled")?["message"].stringValue?.contains("spec.addons[0].version") == true)
            try await h.updateCluster("garbled") { $0["addons"] = [] }
            try await h.eventually("AddonsHealthy True again") {
                try await Self.addonsHealthy(h, "garbled")?["status"] == "True"
            }
        }
    }

    static func addonsHealthy(_ h: ControllerHarness, _ name: String) async throws -> JSONValue? {
        let cluster = try await h.management.get(ManagementKinds.cluster, name: name, namespace: "dev")
        return (cluster.status["conditions"].arrayValue ?? []).first { $0["type"] == "AddonsHealthy" }
    }
}
