import AddonCatalog
import AddonController
import ControllerRuntime
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import Testing

@Suite struct ShardAssignmentTests {
    @Test func shardIsStableAndInRange() {
        let a = ShardAssignment.shard(of: "dev/cluster-1", shards: 8)
        #expect(a == ShardAssignment.shard(of: "dev/cluster-1", shards: 8))
        #expect((0..<8).contains(a))
        let spread = Set((0..<200).map { ShardAssignment.shard(of: "p/c-\($0)", shards: 8) })
        #expect(spread.count == 8)
    }

    @Test(arguments: [(8, 1, 8), (8, 2, 4), (8, 3, 3), (8, 0, 8), (1, 4, 1)] as [(Int, Int, Int)])
    func fairShare(shards: Int, replicas: Int, expected: Int) {
        #expect(ShardAssignment.fairShare(shards: shards, replicas: replicas) == expected)
    }
}

@Suite(.serialized) struct ShardingTests {
    /// Two replicas split the clusters through Leases; when one stops, the other takes over all.
    @Test func replicasSplitClustersAndHandOverWhenOneStops() async throws {
        try await withHarness { h in
            let catalog = LoadedCatalog(catalog: h.fleet.catalog)
            // The harness's own starter runs every cluster; this test uses two sharded replicas
            // in a separate project namespace, which the harness's starter also sees — so
            // give the harness nothing to do there by checking ownership via the replicas only.
            let logger = ControllerHarness.logger()
            _ = try await h.management.apply(KubeObject(apiVersion: "v1", kind: "Namespace", name: "leases"), options: ApplyOptions(fieldManager: "e2e"))
            func replica(_ name: String) -> (ShardCoordinator, ControllerStarter) {
                let coordinator = ShardCoordinator(client: h.management, namespace: "leases", identity: name, shards: 4,
                                                   leaseDuration: .seconds(2), retryPeriod: .milliseconds(200), logger: logger)
                var options = ControllerStarter.Options()
                options.cluster = ControllerHarness.fastOptions
                options.namespace = "sharded"
                options.owns = { key in await coordinator.owns(key.description) }
                let starter = ControllerStarter(management: h.management, catalog: catalog, options: options, logger: logger)
                return (coordinator, starter)
            }
            let (c1, s1) = replica("replica-a")
            let (c2, s2) = replica("replica-b")
            await c1.setOnChange { await s1.reevaluateOwnership() }
            await c2.setOnChange { await s2.reevaluateOwnership() }
            let t1 = Task { await withTaskGroup(of: Void.self) { g in g.addTask { await c1.run() }; g.addTask { await s1.run() } } }
            let t2 = Task { await withTaskGroup(of: Void.self) { g in g.addTask { await c2.run() }; g.addTask { await s2.run() } } }

            let names = (1...6).map { "s\($0)" }
            for name in names { try await h.fleet.addCluster(.init(name: name, project: "sharded")) }
            try await h.eventually("both replicas hold shards, together all 4") {
                let a = await c1.heldShards, b = await c2.heldShards
                return !a.isEmpty && !b.isEmpty && a.isDisjoint(with: b) && a.union(b).count == 4
            }
            for name in names { try await h.waitForPhase(name, "base", "Healthy", project: "sharded") }
            try await h.eventually("every cluster run by exactly one replica") {
                let a = Set(await s1.controllers().keys), b = Set(await s2.controllers().keys)
                return a.isDisjoint(with: b) && a.union(b).count == names.count
            }

            // Replica b stops (its Leases are released); a takes every shard and every cluster.
            t2.cancel()
            await t2.value
            try await h.eventually("replica a holds all shards") { await c1.heldShards.count == 4 }
            try await h.eventually("replica a runs every cluster") { await s1.controllers().count == names.count }
            t1.cancel()
            await t1.value
        }
    }

    /// Regression: with its Lease namespace missing, a replica held no shards and ran no
    /// clusters without a word (every Lease error was swallowed).
    @Test func aReplicaThatCannotTakeLeasesSaysWhyAndRecovers() async throws {
        try await withHarness { h in
            let coordinator = ShardCoordinator(client: h.management, namespace: "no-such-namespace", identity: "lonely", shards: 2,
                                               leaseDuration: .seconds(2), retryPeriod: .milliseconds(100), logger: ControllerHarness.logger())
            let task = Task { await coordinator.run() }
            try await h.eventually("the problem is told") { await coordinator.problem?.contains("no-such-namespace") == true }
            #expect(await coordinator.heldShards.isEmpty)
            _ = try await h.management.apply(KubeObject(apiVersion: "v1", kind: "Namespace", name: "no-such-namespace"), options: ApplyOptions(fieldManager: "e2e"))
            try await h.eventually("shards taken once the namespace exists") { await coordinator.heldShards.count == 2 }
            #expect(await coordinator.problem == nil)
            task.cancel()
            await task.value
        }
    }
}
