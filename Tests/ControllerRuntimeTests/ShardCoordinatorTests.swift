import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging
import TestSupport
import Testing
@testable import ControllerRuntime

/// The shard coordinator against LocalKube with faults in its Lease requests.
@Suite(.serialized) struct ShardCoordinatorTests {
    static let namespace = "default"

    /// A Lease client whose LISTs fail while `failing` is on (the member listing).
    struct ListFailing: ObjectReader, ObjectWriter {
        actor Switch {
            var on = false
            func set(_ value: Bool) { on = value }
        }
        let base: KubernetesClient
        let failing = Switch()

        func get(_ kind: GroupVersionKind, name: String, namespace: String?) async throws -> KubeObject {
            try await base.get(kind, name: name, namespace: namespace)
        }
        func list(_ kind: GroupVersionKind, namespace: String?, options: ListOptions) async throws -> KubeObjectList {
            if await failing.on { throw KubernetesError(kind: .serverError, httpStatus: 500, message: "injected: listing fails") }
            return try await base.list(kind, namespace: namespace, options: options)
        }
        func create(_ object: KubeObject, options: WriteOptions) async throws -> KubeObject { try await base.create(object, options: options) }
        func update(_ object: KubeObject, options: WriteOptions) async throws -> KubeObject { try await base.update(object, options: options) }
        func apply(_ object: KubeObject, options: ApplyOptions) async throws -> KubeObject { try await base.apply(object, options: options) }
        func delete(_ kind: GroupVersionKind, name: String, namespace: String?, options: DeleteOptions) async throws -> DeleteOutcome {
            try await base.delete(kind, name: name, namespace: namespace, options: options)
        }
    }

    func withServer(_ body: (LocalKubeServer, LocalKubeCluster, Logger) async throws -> Void) async throws {
        var logger = Logger(label: "lease-test")
        logger.logLevel = .critical
        let server = try await LocalKubeServer.start(settings: ClusterSettings(simulatesWorkloads: false), logger: logger)
        do {
            let cluster = try await server.addCluster(name: "leases")
            try await body(server, cluster, logger)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    /// A client of the `leases` cluster whose User-Agent names `identity` (faults target it).
    func client(_ server: LocalKubeServer, identity: String, logger: Logger) throws -> KubernetesClient {
        var connection = try Kubeconfig.parse(try server.kubeconfig(for: "leases"), file: nil).connection()
        connection.userAgent = "addon-manager/0.1 (\(identity); leases)"
        connection.retryPolicy = .never
        return try KubernetesClient(connection: connection, logger: logger)
    }

    /// Regression: a failed member listing counted as "one member" (this replica alone, so it
    /// reached for every shard) and was not reported.
    @Test func aFailedMemberListIsReportedAndKeepsTheCount() async throws {
        try await withServer { server, _, logger in
            let (clientA, clientB) = (try client(server, identity: "a", logger: logger), try client(server, identity: "b", logger: logger))
            let flaky = ListFailing(base: clientA)
            func coordinator(_ client: any ObjectReader & ObjectWriter, _ name: String) -> ShardCoordinator {
                ShardCoordinator(client: client, namespace: Self.namespace, prefix: "list", identity: name, shards: 4, leaseDuration: .seconds(8),
                                 renewDeadline: .seconds(6), retryPeriod: .milliseconds(300), requestTimeout: .seconds(2), logger: logger)
            }
            let (a, b) = (coordinator(flaky, "a"), coordinator(clientB, "b"))
            let runs = [Task { await a.run() }, Task { await b.run() }]
            try await eventually("both hold two shards") {
                let (heldA, heldB) = (a.heldShards.count, b.heldShards.count)
                return heldA == 2 && heldB == 2
            }
            // The count the failure must keep, read just before it (a loaded machine can delay a
            // renewal enough for one round to count b as gone; that is liveness, not this test).
            try await eventually("a counts two members") { a.memberCount == 2 }
            await flaky.failing.set(true)
            try await eventually("the failed listing is reported") { a.problem?.contains("cannot list the member leases") == true }
            #expect(a.memberCount == 2)
            #expect(a.heldShards.count == 2)
            await flaky.failing.set(false)
            try await eventually("the problem clears") { a.problem == nil }
            for run in runs { run.cancel() }
            for run in runs { await run.value }
            try? await clientA.shutdown()
            try? await clientB.shutdown()
        }
    }

    /// Regression: a Lease request that hung (no timeout short of the client's 60 s) kept the
    /// replica owning its shards long past their expiry, while another replica took them.
    /// Now every attempt is cut off, and a shard is dropped at its renew deadline whatever the
    /// requests are doing.
    @Test func aHangingLeaseRequestDropsTheShardsByTheRenewDeadline() async throws {
        try await withServer { server, cluster, logger in
            let clientA = try client(server, identity: "a", logger: logger)
            let a = ShardCoordinator(client: clientA, namespace: Self.namespace, prefix: "hang", identity: "a", shards: 2, leaseDuration: .seconds(4),
                                     renewDeadline: .milliseconds(1500), retryPeriod: .milliseconds(100), requestTimeout: .milliseconds(500), logger: logger)
            actor Changes {
                var held: [(at: ContinuousClock.Instant, count: Int)] = []
                func record(_ count: Int) { held.append((.now, count)) }
                /// When the replica first held nothing after `instant`.
                func droppedAll(after instant: ContinuousClock.Instant) -> ContinuousClock.Instant? {
                    held.first { $0.at > instant && $0.count == 0 }?.at
                }
            }
            let changes = Changes()
            a.setOnChange { await changes.record(a.heldShards.count) }
            let run = Task { await a.run() }
            try await eventually("a holds both shards") { a.heldShards.count == 2 }
            await cluster.setRequestLogCapacity(10_000)
            await cluster.setFaults(FaultSettings(latency: .seconds(6), userAgentContaining: "(a; leases)"))
            // From here on every request of a's waits 6 s before it is routed.
            let hangFrom = ContinuousClock.now
            try await eventually("the shards are dropped") { await changes.droppedAll(after: hangFrom) != nil }
            let dropped = try #require(await changes.droppedAll(after: hangFrom))
            // Dropped while every Lease request of a's still hung: none was answered (routed)
            // in between. Without the timeouts and the deadline watch the shards were dropped
            // only once a hanging request came back.
            let answered = await cluster.requestRecords.filter { $0.userAgent.contains("(a; leases)") && $0.at > hangFrom && $0.at <= dropped }
            #expect(answered.isEmpty, "shards dropped \(hangFrom.duration(to: dropped)) after the requests began to hang, after \(answered.count) answers")
            #expect(a.heldShards.isEmpty, "shards taken again while every Lease request hangs")
            await cluster.setFaults(.none)
            try await eventually("a takes its shards again") { a.heldShards.count == 2 }
            run.cancel()
            await run.value
            try? await clientA.shutdown()
        }
    }
}

extension ShardCoordinatorTests {
    /// `ownedSince`: when this replica took a key's shard, after any earlier holder gave it
    /// back; nil for a key it does not own. Renewals do not move it.
    @Test func ownedSinceIsWhenTheShardWasTakenAndRenewalsDoNotMoveIt() async throws {
        try await withServer { server, _, logger in
            let clientA = try client(server, identity: "a", logger: logger)
            let before = ContinuousClock.now
            let a = ShardCoordinator(client: clientA, namespace: Self.namespace, prefix: "since", identity: "a", shards: 2, leaseDuration: .seconds(8),
                                     renewDeadline: .seconds(6), retryPeriod: .milliseconds(200), requestTimeout: .seconds(2), logger: logger)
            let run = Task { await a.run() }
            try await eventually("a holds both shards") { a.heldShards.count == 2 }
            let keys = (0..<20).map { "team/c\($0)" }
            let taken = keys.map { a.ownedSince($0) }
            #expect(taken.allSatisfy { $0 != nil && $0! >= before && $0! <= .now })
            try await Task.sleep(for: .milliseconds(700))  // some renewals
            #expect(keys.map { a.ownedSince($0) } == taken)
            run.cancel()
            await run.value
            #expect(keys.allSatisfy { a.ownedSince($0) == nil }, "released: owned no more")
            try? await clientA.shutdown()
        }
    }
}
