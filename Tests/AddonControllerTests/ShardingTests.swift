import AddonCatalog
import AddonController
import ControllerRuntime
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging
import TestSupport
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
                options.owns = { key in coordinator.owns(key.description) }
                let starter = ControllerStarter(management: h.management, catalog: catalog, options: options, logger: logger)
                return (coordinator, starter)
            }
            let (c1, s1) = replica("replica-a")
            let (c2, s2) = replica("replica-b")
            // As RunCommand wires them: the clusters of a dropped shard stop before it is given back.
            for (coordinator, starter) in [(c1, s1), (c2, s2)] {
                coordinator.setOnChange {
                    await starter.stopControllers(within: coordinator.handoverGrace) { key in !coordinator.owns(key.description) }
                    await starter.reevaluateOwnership()
                }
            }
            let t1 = Task { await withTaskGroup(of: Void.self) { g in g.addTask { await c1.run() }; g.addTask { await s1.run() } } }
            let t2 = Task { await withTaskGroup(of: Void.self) { g in g.addTask { await c2.run() }; g.addTask { await s2.run() } } }

            let names = (1...6).map { "s\($0)" }
            for name in names { try await h.fleet.addCluster(.init(name: name, project: "sharded")) }
            try await h.eventually("both replicas hold shards, together all 4") {
                let a = c1.heldShards, b = c2.heldShards
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
            try await h.eventually("replica a holds all shards") { c1.heldShards.count == 4 }
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
            try await h.eventually("the problem is told") { coordinator.problem?.contains("no-such-namespace") == true }
            #expect(coordinator.heldShards.isEmpty)
            _ = try await h.management.apply(KubeObject(apiVersion: "v1", kind: "Namespace", name: "no-such-namespace"), options: ApplyOptions(fieldManager: "e2e"))
            try await h.eventually("shards taken once the namespace exists") { coordinator.heldShards.count == 2 }
            // A round reports what failed in it: one that began before the namespace appeared
            // may still name it after taking the shards; the next round, all well, clears it.
            try await h.eventually("the problem cleared") { coordinator.problem == nil }
            task.cancel()
            await task.value
        }
    }
}

/// Two replicas with their own clients, as `addon-manager run` wires them, against one fleet,
/// while one replica's Lease requests fail or hang and both clocks are skewed.
@Suite(.serialized) struct LeaseSafetyTests {
    static let project = "sharded"
    static let prefix = "safety"
    static let shards = 4
    // Long enough for a loaded machine: a 1 s outage must not reach the renew deadline.
    static let leaseDuration: Duration = .seconds(8)
    static let renewDeadline: Duration = .seconds(6)

    /// One replica: its Lease client and workload clients say who it is (User-Agent).
    struct Replica {
        let name: String
        let coordinator: ShardCoordinator
        let starter: ControllerStarter
        let leaseClient: KubernetesClient
        let changes: Changes
        let task: Task<Void, Never>

        /// How many shards the replica owned after each change.
        actor Changes {
            var owned: [Int] = []
            func add(_ count: Int) { owned.append(count) }
        }

        static func start(_ name: String, clock: LeaseClock, fleet: DevFleet, logger: Logger) throws -> Replica {
            var connection = try Kubeconfig.parse(try fleet.server.kubeconfig(for: DevFleet.managementName), file: nil).connection()
            connection.userAgent = "addon-manager/0.1 (\(name); leases)"
            connection.retryPolicy = .never
            connection.requestTimeout = .seconds(2)
            let leaseClient = try KubernetesClient(connection: connection, logger: logger)
            let coordinator = ShardCoordinator(client: leaseClient, namespace: DevFleet.managerNamespace, prefix: LeaseSafetyTests.prefix, identity: name,
                                               shards: LeaseSafetyTests.shards, leaseDuration: LeaseSafetyTests.leaseDuration,
                                               renewDeadline: LeaseSafetyTests.renewDeadline, retryPeriod: .milliseconds(250),
                                               requestTimeout: .milliseconds(1500), clock: clock, logger: logger)
            var options = ControllerStarter.Options()
            options.cluster = ControllerHarness.fastOptions
            options.namespace = LeaseSafetyTests.project
            options.userAgent = "addon-manager/0.1 (\(name); workload)"
            options.owns = { key in coordinator.owns(key.description) }
            let starter = ControllerStarter(management: fleet.management, catalog: LoadedCatalog(catalog: fleet.catalog), options: options, logger: logger)
            let changes = Changes()
            let grace = coordinator.handoverGrace
            let task = Task {
                // As RunCommand wires it: dropped shards stop (bounded) before newly owned ones start.
                coordinator.setOnChange {
                    await changes.add(coordinator.heldShards.count)
                    await starter.stopControllers(within: grace) { key in !coordinator.owns(key.description) }
                    await starter.reevaluateOwnership()
                }
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await coordinator.run() }
                    group.addTask { await starter.run() }
                }
            }
            return Replica(name: name, coordinator: coordinator, starter: starter, leaseClient: leaseClient, changes: changes, task: task)
        }

        /// The shutdown order: stop the controllers (in-flight work ends), then the Leases are released.
        func stop() async {
            await starter.stopControllers(within: .seconds(10))
            task.cancel()
            await task.value
            try? await leaseClient.shutdown()
        }
    }

    /// Which replica a User-Agent names, if any.
    static func replica(of userAgent: String) -> String? {
        ["replica-a", "replica-b"].first { userAgent.contains("(\($0);") }
    }

    /// The safety property, from the request logs: every write a workload cluster received
    /// from a replica came while that replica held the cluster's shard Lease — the last
    /// successful write of that Lease before it was the replica's own, less than one lease
    /// duration before. Lease writes are exclusive (conditional on resourceVersion), so no
    /// cluster is ever written by two replicas within one lease period.
    ///
    /// Replica A starts first with its wall clock an hour ahead (and its monotonic clock 2 %
    /// slow), B with its wall clock an hour behind (2 % fast). Then A's Lease requests fail
    /// for a moment (it keeps its shards), then hang for longer than a lease (it drops them
    /// by the renew deadline, B takes them over after they expire), then recover (the shards
    /// are split again). A tamperer changes an addon's object in every cluster all along, so
    /// that whoever owns a cluster keeps writing to it.
    @Test func noClusterIsWrittenByTwoReplicasWhileLeasesFailAndClocksSkew() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("leases-\(UUID().uuidString)").path
        let logger = ControllerHarness.logger()
        let fleet = try await DevFleet.start(catalog: try Catalog.load(directory: ControllerHarness.fixtureCatalog), kubeconfigDirectory: directory,
                                             workloadSettings: ClusterSettings(initialNodes: 2, readinessDelay: .milliseconds(100)), logger: logger)
        var replicas: [Replica] = []
        var tamperers: [KubernetesClient] = []
        do {
            let plane = try #require(await fleet.server.cluster(named: DevFleet.managementName))
            await plane.setRequestLogCapacity(500_000)
            let names = (1...4).map { "w\($0)" }
            var workloads: [String: LocalKubeCluster] = [:]
            for name in names {
                let cluster = try await fleet.addCluster(.init(name: name, project: Self.project))
                await cluster.setRequestLogCapacity(200_000)
                workloads[name] = cluster
                var connection = try Kubeconfig.parse(try fleet.server.kubeconfig(for: name), file: nil).connection()
                connection.userAgent = "tamperer/1.0"
                tamperers.append(try KubernetesClient(connection: connection, logger: logger))
            }

            // A alone first, with a clock an hour ahead: it takes every shard.
            let a = try Replica.start("replica-a", clock: .skewed(offset: .seconds(3600), rate: 0.98), fleet: fleet, logger: logger)
            replicas.append(a)
            try await eventually("replica-a holds every shard") { a.coordinator.heldShards.count == Self.shards }
            // B joins with a clock an hour behind. A must count it live (its renewTime looks two
            // hours old to A's clock) and hand over half.
            let b = try Replica.start("replica-b", clock: .skewed(offset: .seconds(-3600), rate: 1.02), fleet: fleet, logger: logger)
            replicas.append(b)
            try await eventually("the shards are split two and two") {
                let (heldA, heldB) = (a.coordinator.heldShards.count, b.coordinator.heldShards.count)
                return heldA == 2 && heldB == 2
            }
            for name in names { try await waitForPhase(fleet, name, "base", "Healthy") }

            // Keep every cluster's owner writing: an owned field is changed behind its back.
            let tamper = Task {
                var round = 0
                while !Task.isCancelled {
                    round += 1
                    for client in tamperers {
                        var edit = KubeObject(apiVersion: "v1", kind: "ConfigMap", name: "base-settings", namespace: "demo-system")
                        edit["data"] = ["greeting": .string("tampered-\(round)")]
                        _ = try? await client.apply(edit, options: ApplyOptions(fieldManager: "tamperer", force: true))
                    }
                    try? await Task.sleep(for: .milliseconds(300))  // pacing the load, not waiting for anything
                }
            }

            // A's Lease requests fail for a moment, shorter than the renew deadline: it keeps
            // its shards (the failed renewals are retried) and no cluster changes hands.
            let changesBefore = await a.changes.owned.count
            let heldBefore = a.coordinator.heldShards
            await plane.setFaults(FaultSettings(errorRate: 1, errorCode: 503, userAgentContaining: "(replica-a; leases)"))
            try await Task.sleep(for: .seconds(1))  // the length of the outage
            await plane.setFaults(.none)
            let during = await a.changes.owned.dropFirst(changesBefore)
            #expect(during.allSatisfy { $0 >= heldBefore.count }, "a short Lease outage made replica-a drop shards: owned \(Array(during)) after its changes")
            #expect(a.coordinator.heldShards.isSuperset(of: heldBefore))

            // A's Lease requests hang for longer than a lease: it drops its shards by the
            // renew deadline; B takes them once they expired.
            await plane.setFaults(FaultSettings(latency: .seconds(12), userAgentContaining: "(replica-a; leases)"))
            try await eventually("replica-a drops its shards") { a.coordinator.heldShards.isEmpty }
            try await eventually("replica-b takes every shard") { b.coordinator.heldShards.count == Self.shards }
            for name in names { try await waitForPhase(fleet, name, "base", "Healthy") }
            await plane.setFaults(.none)
            try await eventually("the shards are split again") {
                let (heldA, heldB) = (a.coordinator.heldShards.count, b.coordinator.heldShards.count)
                return heldA == 2 && heldB == 2
            }
            try await eventually("both replicas run clusters again") {
                let (runA, runB) = (await a.starter.controllers().count, await b.starter.controllers().count)
                return runA == 2 && runB == 2
            }
            // Let the owners correct a few more rounds of tampering after the handovers.
            func replicaWrites() async -> Int {
                var count = 0
                for cluster in workloads.values {
                    count += await cluster.requestRecords.filter { $0.isWrite && Self.replica(of: $0.userAgent) != nil }.count
                }
                return count
            }
            let writesBefore = await replicaWrites()
            try await eventually("more writes after the rebalancing") { await replicaWrites() > writesBefore + 20 }
            tamper.cancel()
            await tamper.value
            for replica in replicas.reversed() { await replica.stop() }
            replicas.removeAll()

            // The logs.
            let leaseWrites = await plane.requestRecords.filter {
                $0.resource == "leases" && $0.isWrite && $0.succeeded && ($0.name ?? "").hasPrefix("\(Self.prefix)-shard-")
            }
            var writers: [String: Set<String>] = [:]
            var checked = 0
            for name in names {
                let shardLease = "\(Self.prefix)-shard-\(ShardAssignment.shard(of: "\(Self.project)/\(name)", shards: Self.shards))"
                let tenures = leaseWrites.filter { $0.name == shardLease }
                for write in await workloads[name]!.requestRecords where write.isWrite {
                    guard let writer = Self.replica(of: write.userAgent) else { continue }
                    checked += 1
                    writers[name, default: []].insert(writer)
                    // Exclusive by the servers' own logs: every write lands while the writer is the
                    // last to have written the shard's Lease. (So between two writers' writes lies
                    // the second one's acquisition, after the first one's writes all landed.) Not
                    // checked: that a write lands within a lease duration of its writer's last
                    // renewal — a request sent in time can arrive later on a loaded machine (one CI
                    // run: 64 ms past); wall-clock time is not what this test is about.
                    let tenure = tenures.last { $0.at < write.at }
                    let holder = tenure.flatMap { Self.replica(of: $0.userAgent) }
                    #expect(holder == writer,
                            "\(name) got \(write.verb) \(write.resource)/\(write.name ?? "") from \(writer) while the shard Lease was last written by \(holder ?? "nobody") \(tenure.map { "\($0.at.duration(to: write.at))" } ?? "") before")
                }
            }
            // Not vacuous: writes were checked, and clusters changed hands.
            #expect(checked > 50, "only \(checked) writes from the replicas")
            #expect(writers.values.contains { $0.count == 2 }, "no cluster was written by both replicas in turn: \(writers)")
        } catch {
            for replica in replicas { await replica.stop() }
            for client in tamperers { try? await client.shutdown() }
            await fleet.shutdown()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        for client in tamperers { try? await client.shutdown() }
        await fleet.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func waitForPhase(_ fleet: DevFleet, _ cluster: String, _ addon: String, _ phase: String) async throws {
        try await eventually("\(cluster)/\(addon) \(phase)") {
            let object = try? await fleet.management.get(ManagementKinds.clusterAddon, name: ManagementKinds.clusterAddonName(cluster: cluster, addon: addon),
                                                         namespace: Self.project)
            return object?.status["phase"] == JSONValue.string(phase)
        }
    }
}
