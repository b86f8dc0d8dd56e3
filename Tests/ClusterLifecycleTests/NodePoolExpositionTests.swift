import ClusterLifecycle
import Foundation
import KubernetesModel
import Testing

/// The loop's series as operators alert on them.
@Suite struct NodePoolExpositionTests {
    static func cluster(_ name: String, conditions: [(String, String)]) -> KubeObject {
        var cluster = KubeObject(apiVersion: "addon-manager.io/v1alpha1", kind: "Cluster", name: name, namespace: "team-a")
        cluster["status"] = ["conditions": .array(conditions.map { ["type": .string($0.0), "status": .string($0.1)] })]
        return cluster
    }

    static func machine(_ name: String, pool: String, phase: String?, created: String, deleting: Bool = false) -> KubeObject {
        var machine = KubeObject(apiVersion: "addon-manager.io/v1alpha1", kind: "Machine", name: name, namespace: "team-a")
        machine["spec"] = ["cluster": "c1", "pool": .string(pool)]
        machine.metadata["creationTimestamp"] = .string(created)
        if deleting { machine.metadata["deletionTimestamp"] = "2026-12-03T10:00:00Z" }
        if let phase { machine["status"] = ["phase": .string(phase)] }
        return machine
    }

    @Test func conditionsMachinesAndTheOldestProvisioning() throws {
        let now = try #require(KubeTime.parse("2026-12-03T10:10:00Z"))
        let text = NodePoolExposition.render(
            clusters: [Self.cluster("c1", conditions: [("NodesHealthy", "False"), ("AddonsHealthy", "True")])],
            machines: [
                Self.machine("a", pool: "workers", phase: "Running", created: "2026-12-03T09:00:00Z"),
                Self.machine("b", pool: "workers", phase: "Provisioning", created: "2026-12-03T10:00:00Z"),
                Self.machine("c", pool: "workers", phase: nil, created: "2026-12-03T10:05:00Z"),
                Self.machine("d", pool: "system", phase: "Running", created: "2026-12-03T08:00:00Z", deleting: true),
            ], now: now)
        let series = text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
        #expect(series.contains(#"addon_manager_cluster_condition{cluster="team-a/c1",condition="NodesHealthy",status="False"} 1"#))
        #expect(series.contains(#"addon_manager_cluster_condition{cluster="team-a/c1",condition="NodesHealthy",status="True"} 0"#))
        #expect(series.contains(#"addon_manager_cluster_condition{cluster="team-a/c1",condition="AddonsHealthy",status="True"} 1"#))
        #expect(series.filter { $0.hasPrefix("addon_manager_cluster_condition") }.count == 6)
        #expect(series.contains(#"addon_manager_machines{cluster="team-a/c1",pool="workers",phase="Running"} 1"#))
        #expect(series.contains(#"addon_manager_machines{cluster="team-a/c1",pool="workers",phase="Provisioning"} 1"#))
        #expect(series.contains(#"addon_manager_machines{cluster="team-a/c1",pool="workers",phase="Pending"} 1"#))
        #expect(series.contains(#"addon_manager_machines{cluster="team-a/c1",pool="system",phase="Deleting"} 1"#))
        #expect(series.contains(#"addon_manager_machines{cluster="team-a/c1",pool="system",phase="Running"} 0"#))
        // b has been on its way for 10 minutes; the deleting and the running ones do not count.
        #expect(series.contains(#"addon_manager_machine_provisioning_oldest_seconds{cluster="team-a/c1"} 600"#))
        #expect(text.contains("# TYPE addon_manager_machines gauge"))
    }

    @Test func aClusterWithoutMachinesHasOnlyItsConditions() {
        let text = NodePoolExposition.render(clusters: [Self.cluster("quiet", conditions: [("AddonsHealthy", "Unknown")])], machines: [], now: Date())
        #expect(text.contains(#"addon_manager_cluster_condition{cluster="team-a/quiet",condition="AddonsHealthy",status="Unknown"} 1"#))
        #expect(!text.contains("addon_manager_machines{"))
        #expect(!text.contains("addon_manager_machine_provisioning_oldest_seconds{"))
    }
}
