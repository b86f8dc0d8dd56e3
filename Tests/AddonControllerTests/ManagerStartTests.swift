import AddonCatalog
import ControllerRuntime
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Testing
@testable import AddonController

/// A manager starting over clusters that already run their addons reads the management plane
/// once for them all, not once per cluster: the ClusterAddons in one list
/// (`ExistingClusterAddons`), the kubeconfigs from the Secret watch. At 5000 clusters the
/// reads per cluster swamped the management plane (Benchmarks/README.md, "2026-12-07 (morning)").
@Suite(.serialized) struct ManagerStartTests {
    @Test func aRestartedManagerReadsTheFleetOnceAndStillRemovesAnAddonDisabledMeanwhile() async throws {
        try await withHarness { h in
            let names = ["s1", "s2", "s3"]
            for name in names { try await h.fleet.addCluster(.init(name: name, addons: [["name": "optional", "enabled": true]])) }
            for name in names {
                for addon in ["base", "dependent", "optional"] { try await h.waitForPhase(name, addon, "Healthy") }
            }
            h.runner.cancel()
            await h.runner.value
            // Disabled while no manager runs: only its ClusterAddon tells the next manager it was installed.
            try await h.updateCluster("s2") { $0["addons"] = [["name": "optional", "enabled": false]] }
            let plane = try #require(h.fleet.server.cluster(named: DevFleet.managementName))
            await plane.setRequestLogCapacity(100_000)
            let logged = await plane.requestRecords.count

            let (starter, restarted) = try SteadyStateTests.startAnotherManager(h)
            try await h.eventually("every cluster's addons reconciled by the new manager") {
                let controllers = await starter.controllers()
                return controllers.count == 3 && controllers.values.allSatisfy { ($0.summary?.addonReconciles ?? 0) >= 3 }
            }
            try await h.eventually("the addon disabled meanwhile is removed, its ClusterAddon deleted") {
                try await h.clusterAddon("s2", "optional") == nil
            }
            let requests = await plane.requestRecords.dropFirst(logged)
            let clusterAddonLists = requests.filter { $0.verb == "list" && $0.resource == "clusteraddons" }
            #expect(clusterAddonLists.count == 1, "lists of ClusterAddons: \(clusterAddonLists.map { "\($0.namespace ?? "all")" })")
            let kubeconfigReads = requests.filter { $0.verb == "get" && $0.resource == "secrets" && ($0.name ?? "").hasSuffix("-kubeconfig") }
            #expect(kubeconfigReads.isEmpty, "kubeconfigs read one by one: \(kubeconfigReads.compactMap(\.name))")
            // What it read from the one list is what it needed: the other clusters' addons are
            // left as they were, their statuses not written again.
            let statusWrites = requests.filter { $0.isWrite && $0.resource == "clusteraddons/status" && !($0.name ?? "").hasPrefix("s2-optional") }
            #expect(statusWrites.isEmpty, "statuses written: \(statusWrites.compactMap(\.name))")
            for name in names {
                for addon in ["base", "dependent"] { #expect(await h.phase(name, addon) == "Healthy") }
            }
            restarted.cancel()
            await restarted.value
        }
    }
}
