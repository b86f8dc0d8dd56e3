@testable import AddonController
import ControllerRuntime
import DevFleet
import Testing

struct AddonHealthExpositionTests {
    @Test func onePerPhaseWithOneForTheCurrentOne() {
        let summary = ClusterSummary(phases: ["ingress": .degraded, "csi": .healthy], versions: ["ingress": "4.11.0", "csi": "2.30.1"])
        let text = AddonHealthExposition.render([
            ReconcileRequest(namespace: "team-a", name: "c1"): .init(phase: .running, restarts: 0, summary: summary),
            ReconcileRequest(namespace: "team-a", name: "waiting"): .init(phase: .waitingForKubeconfig, restarts: 1),
        ])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "# HELP addon_manager_addon_health Addon phase per cluster: 1 for the current phase, 0 for the others.")
        #expect(lines.contains("# TYPE addon_manager_addon_health gauge"))
        let series = lines.filter { !$0.hasPrefix("#") }
        #expect(series.count == 2 * HealthState.allCases.count)
        #expect(series.contains(#"addon_manager_addon_health{cluster="team-a/c1",addon="ingress",version="4.11.0",phase="Degraded"} 1"#))
        #expect(series.contains(#"addon_manager_addon_health{cluster="team-a/c1",addon="ingress",version="4.11.0",phase="Healthy"} 0"#))
        #expect(series.contains(#"addon_manager_addon_health{cluster="team-a/c1",addon="csi",version="2.30.1",phase="Healthy"} 1"#))
        #expect(series.filter { $0.hasSuffix(" 1") }.count == 2)
        // Sorted: csi before ingress, whatever the dictionary's order.
        #expect(series.firstIndex { $0.contains("\"csi\"") }! < series.firstIndex { $0.contains("\"ingress\"") }!)
        #expect(!text.contains("waiting"))
    }

    @Test func labelValuesAreEscaped() {
        #expect(AddonHealthExposition.escape(#"a"b\c"# + "\nd") == #"a\"b\\c\nd"#)
        #expect(AddonHealthExposition.escape("plain-value") == "plain-value")
    }

    @Test func reflectsTheRunningControllers() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "seen"))
            try await h.waitForPhase("seen", "base", "Healthy")
            // The ClusterAddon's status is written before the controller's own state moves on.
            try await h.eventually("the health series of dev/seen base is Healthy") {
                AddonHealthExposition.render(await h.starter.controllers())
                    .contains(#"addon_manager_addon_health{cluster="dev/seen",addon="base",version="1.0.0",phase="Healthy"} 1"#)
            }
        }
    }
}
