import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging
import Synchronization
import TestSupport
import Testing
@testable import ControllerRuntime

/// Records what an informer reports.
actor EventLog {
    var events: [String] = []
    func add(_ event: InformerEvent) {
        switch event {
        case .added(let o): events.append("added \(o.name)")
        case .updated(_, let o): events.append("updated \(o.name)")
        case .deleted(let o): events.append("deleted \(o.name)")
        case .resync(let o): events.append("resync \(o.name)")
        }
    }
    func contains(_ e: String) -> Bool { events.contains(e) }
    func count(_ prefix: String) -> Int { events.filter { $0.hasPrefix(prefix) }.count }
}

/// The runtime against LocalKube over HTTPS.
@Suite(.serialized) struct InformerAndLeaseTests {
    static let configMap = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")

    func withCluster(_ body: (LocalKubeCluster, KubernetesClient, Logger) async throws -> Void) async throws {
        var logger = Logger(label: "runtime-test")
        logger.logLevel = .critical
        try await withLocalKubeClient(cluster: "runtime", logger: logger) { cluster, client in
            try await body(cluster, client, logger)
        }
    }

    func configMap(_ name: String, _ value: String) -> KubeObject {
        var cm = KubeObject(apiVersion: "v1", kind: "ConfigMap", name: name, namespace: "default")
        cm["data"] = ["v": .string(value)]
        return cm
    }

    /// An informer on the ConfigMaps of "default" that logs its events, running and synced.
    func runningInformer(client: KubernetesClient, logger: Logger) async -> (Informer, EventLog, Task<Void, Never>) {
        let log = EventLog()
        let informer = Informer(kind: Self.configMap, namespace: "default", client: client, logger: logger) { await log.add($0) }
        let task = Task { await informer.run() }
        await informer.waitForSync()
        return (informer, log, task)
    }

    @Test func aDroppedWatchIsResumedAndNotTakenForDeletions() async throws {
        try await withCluster { cluster, client, logger in
            _ = try await client.apply(configMap("one", "1"), options: ApplyOptions(fieldManager: "t"))
            let (informer, log, task) = await runningInformer(client: client, logger: logger)
            try await eventually("one added") { await log.contains("added one") }
            await cluster.dropWatches()
            _ = try await client.apply(configMap("two", "2"), options: ApplyOptions(fieldManager: "t"))
            try await eventually("two added after the watch was dropped") { await log.contains("added two") }
            #expect(await log.count("deleted") == 0)
            #expect(await informer.cache.count == 2)
            task.cancel()
            await task.value
        }
    }

    /// A watch whose connection goes silent without closing (a frozen API server host, a path
    /// that drops packets) is given up after an unanswered PING and resumed on a new connection:
    /// the cache keeps up within seconds rather than at the watch's own deadline (up to an hour).
    @Test func aWatchOnAConnectionGoneSilentIsResumedOnANewOne() async throws {
        var logger = Logger(label: "runtime-test")
        logger.logLevel = .critical
        let server = try await LocalKubeServer.start(settings: ClusterSettings(simulatesWorkloads: false), logger: logger)
        do {
            _ = try await server.addCluster(name: "runtime")
            var connection = try Kubeconfig.parse(try server.kubeconfig(for: "runtime"), file: nil).connection()
            connection.liveness = ConnectionLiveness(readIdleTimeout: .milliseconds(300), pingTimeout: .milliseconds(700))
            let client = try KubernetesClient(connection: connection, logger: logger)
            _ = try await client.apply(configMap("one", "1"), options: ApplyOptions(fieldManager: "t"))
            let (informer, log, task) = await runningInformer(client: client, logger: logger)
            try await eventually("one added") { await log.contains("added one") }
            let accepted = server.acceptedConnectionCount
            await server.silenceConnections()
            // Written over a connection of its own, opened after the silence.
            let writer = try KubernetesClient(connection: connection, logger: logger)
            _ = try await writer.apply(configMap("two", "2"), options: ApplyOptions(fieldManager: "t"))
            try await eventually("two added after the silent connection was given up", timeout: .seconds(20)) { await log.contains("added two") }
            #expect(await log.count("deleted") == 0)
            #expect(server.acceptedConnectionCount >= accepted + 2, "the informer's client connected again")
            task.cancel()
            await task.value
            try await writer.shutdown()
            try await client.shutdown()
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    /// The fingerprint is taken from the object as the server sent it, before the transform
    /// drops what the cache does not keep: from the list and from watch events alike.
    @Test func theFingerprintIsTakenBeforeTheTransform() async throws {
        try await withCluster { _, client, logger in
            _ = try await client.apply(configMap("listed", "1"), options: ApplyOptions(fieldManager: "t"))
            let log = EventLog()
            let informer = Informer(kind: Self.configMap, namespace: "default", client: client, storage: .compact,
                                    transform: { object in
                                        var object = object
                                        object.body.removeValue(at: ["data"])
                                        return object
                                    },
                                    fingerprint: { $0["data"]["v"].stringValue },
                                    logger: logger) { await log.add($0) }
            let task = Task { await informer.run() }
            await informer.waitForSync()
            #expect(await informer.cache.fingerprint(namespace: "default", name: "listed") == "1")
            #expect(await informer.cache.get(namespace: "default", name: "listed")?["data"].isNull == true)

            _ = try await client.apply(configMap("listed", "2"), options: ApplyOptions(fieldManager: "t"))
            _ = try await client.apply(configMap("watched", "3"), options: ApplyOptions(fieldManager: "t"))
            try await eventually("both changes seen") {
                let updated = await log.contains("updated listed"), added = await log.contains("added watched")
                return updated && added
            }
            #expect(await informer.cache.fingerprint(namespace: "default", name: "listed") == "2")
            #expect(await informer.cache.fingerprint(namespace: "default", name: "watched") == "3")
            #expect(await informer.cache.get(namespace: "default", name: "watched")?["data"].isNull == true)
            task.cancel()
            await task.value
        }
    }

    /// An informer whose cache keeps less than its handler sees (`keep`): the handler gets whole
    /// objects from the list and the watch, and a watch's deletion as the server sent it; the
    /// cache holds only what was kept.
    @Test func aCacheThatKeepsLessStillHandsOnWholeObjects() async throws {
        try await withCluster { _, client, logger in
            _ = try await client.apply(configMap("listed", "1"), options: ApplyOptions(fieldManager: "t"))
            let log = EventLog()
            let handed = Mutex<[String: JSONValue]>([:])
            let informer = Informer(kind: Self.configMap, namespace: "default", client: client, storage: .compact,
                                    keep: { KubeObject(apiVersion: $0.apiVersion, kind: $0.kind, name: $0.name, namespace: $0.namespace) },
                                    logger: logger) { event in
                switch event {
                case .added(let o): handed.withLock { $0["added \(o.name)"] = o["data"] }
                case .deleted(let o): handed.withLock { $0["deleted \(o.name)"] = o["data"] }
                default: break
                }
                await log.add(event)
            }
            let task = Task { await informer.run() }
            await informer.waitForSync()
            #expect(await informer.cache.get(namespace: "default", name: "listed")?["data"].isNull == true)
            _ = try await client.delete(Self.configMap, name: "listed", namespace: "default", options: DeleteOptions())
            try await eventually("the deletion seen") { await log.contains("deleted listed") }
            #expect(handed.withLock { $0["added listed"] } == ["v": "1"])
            #expect(handed.withLock { $0["deleted listed"] } == ["v": "1"], "the deletion as the server sent it, not the kept form")
            #expect(await informer.cache.count == 0)
            task.cancel()
            await task.value
        }
    }

    @Test func aTooOldResourceVersionRelistsAndReportsWhatChanged() async throws {
        try await withCluster { cluster, client, logger in
            _ = try await client.apply(configMap("keep", "1"), options: ApplyOptions(fieldManager: "t"))
            _ = try await client.apply(configMap("gone", "1"), options: ApplyOptions(fieldManager: "t"))
            let (informer, log, task) = await runningInformer(client: client, logger: logger)
            // While the watch is down, history is compacted and objects change: the resumed
            // watch gets 410, the informer relists, and the difference becomes events.
            await cluster.setUnreachable(true)
            await cluster.dropWatches()
            await cluster.setUnreachable(false)
            _ = try await client.delete(Self.configMap, name: "gone", namespace: "default", options: DeleteOptions())
            _ = try await client.apply(configMap("keep", "2"), options: ApplyOptions(fieldManager: "t"))
            _ = try await client.apply(configMap("new", "1"), options: ApplyOptions(fieldManager: "t"))
            await cluster.compactHistory()
            try await eventually("relist saw every change") {
                let gone = await log.contains("deleted gone"), kept = await log.contains("updated keep"), added = await log.contains("added new")
                return gone && kept && added
            }
            let keep = await informer.cache.get(namespace: "default", name: "keep")
            #expect(keep?["data"]["v"] == "2")
            #expect(await informer.cache.get(namespace: "default", name: "gone") == nil)
            task.cancel()
            await task.value
        }
    }

    /// A polling informer: each period a short watch from the last resourceVersion (the server
    /// ends it after a second), which brings every change since the previous one — additions,
    /// edits, deletions — and after 410 Gone a relist; no watch stays open in between.
    @Test func aPollingInformerSeesEveryChangeAtItsNextPollAndHoldsNoWatchOpen() async throws {
        try await withCluster { cluster, client, logger in
            _ = try await client.apply(configMap("one", "1"), options: ApplyOptions(fieldManager: "t"))
            _ = try await client.apply(configMap("gone", "1"), options: ApplyOptions(fieldManager: "t"))
            let log = EventLog()
            let informer = Informer(kind: Self.configMap, namespace: "default", client: client, following: .polling(every: .seconds(1)),
                                    logger: logger) { await log.add($0) }
            let task = Task { await informer.run() }
            await informer.waitForSync()
            let watchesAtSync = await cluster.requestCount(verb: "watch", resource: "configmaps")
            #expect(watchesAtSync == 0, "the first list is as fresh as a watch would make it")

            _ = try await client.apply(configMap("one", "2"), options: ApplyOptions(fieldManager: "t"))
            _ = try await client.apply(configMap("two", "1"), options: ApplyOptions(fieldManager: "t"))
            _ = try await client.delete(Self.configMap, name: "gone", namespace: "default", options: DeleteOptions())
            try await eventually("the next poll saw every change") {
                let updated = await log.contains("updated one"), added = await log.contains("added two"), deleted = await log.contains("deleted gone")
                return updated && added && deleted
            }
            #expect(await informer.cache.get(namespace: "default", name: "one")?["data"]["v"] == "2")
            #expect(await informer.cache.get(namespace: "default", name: "gone") == nil)

            // Each poll is a watch of its own that the server ends (after its pre-timeout
            // bookmark): between two, none is open, where a watching informer keeps one.
            try await eventually("a poll's watch ended", timeout: .seconds(30)) {
                let watches = await cluster.requestCount(verb: "watch", resource: "configmaps")
                let open = await cluster.openWatchCount
                return watches >= 1 && open == 0
            }

            // History the server no longer keeps, between two polls: the next one gets 410 Gone,
            // relists and announces the difference.
            let listsBefore = await cluster.requestCount(verb: "list", resource: "configmaps")
            _ = try await client.apply(configMap("three", "1"), options: ApplyOptions(fieldManager: "t"))
            await cluster.compactHistory()
            try await eventually("the relist after 410 saw the addition", timeout: .seconds(30)) { await log.contains("added three") }
            #expect(await cluster.requestCount(verb: "list", resource: "configmaps") > listsBefore)
            // One poll per period and watch, not a loop: a handful of watches by now.
            #expect(await cluster.requestCount(verb: "watch", resource: "configmaps") <= 6)
            task.cancel()
            await task.value
        }
    }

    /// A poll's watch the server closes before its deadline (a dropped watch) may not have
    /// reached the latest changes: it does not count as a completed poll.
    @Test func aPollWhoseWatchIsDroppedEarlyDoesNotComplete() async throws {
        try await withCluster { cluster, client, logger in
            let informer = Informer(kind: Self.configMap, namespace: "default", client: client, following: .polling(every: .milliseconds(200)),
                                    logger: logger) { _ in }
            let task = Task { await informer.run() }
            await informer.waitForSync()
            try await eventually("the first list completed, as poll 1") { informer.lastCompletedPoll == 1 }
            try await eventually("a poll's watch is open") { await cluster.openWatchCount > 0 }
            let dropped = informer.latestPoll
            await cluster.dropWatches()
            try await eventually("the next poll began") { informer.latestPoll > dropped }
            #expect(informer.lastCompletedPoll < dropped)
            try await eventually("a later poll completed", timeout: .seconds(30)) { informer.lastCompletedPoll > dropped }
            task.cancel()
            await task.value
        }
    }

    @Test func onlyOneCandidateLeadsAndTheOtherTakesOverAfterRelease() async throws {
        try await withCluster { _, client, logger in
            actor Leaders {
                var current: Set<String> = []
                var ever: [String] = []
                func start(_ n: String) { current.insert(n); ever.append(n) }
                func stop(_ n: String) { current.remove(n) }
            }
            let leaders = Leaders()
            func candidate(_ name: String) -> Task<Void, Never> {
                let elector = LeaderElector(client: client, namespace: "default", name: "the-lease", identity: name,
                                            leaseDuration: .seconds(2), renewDeadline: .seconds(2), retryPeriod: .milliseconds(100), logger: logger)
                return Task {
                    await elector.run {
                        await leaders.start(name)
                        while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
                        await leaders.stop(name)
                    }
                }
            }
            let a = candidate("a")
            try await eventually("a leads") { await leaders.current == ["a"] }
            let b = candidate("b")
            try await Task.sleep(for: .milliseconds(500))
            #expect(await leaders.current == ["a"])
            a.cancel()
            await a.value
            try await eventually("b leads after a released the lease") { await leaders.current == ["b"] }
            b.cancel()
            await b.value
            let lease = try await client.get(LeaderElector.leaseKind, name: "the-lease", namespace: "default")
            #expect(LeaseRecord(lease: lease).leaseTransitions >= 1)
        }
    }

    /// A held lease is renewed with one write (no read first); a Lease someone else changed
    /// meanwhile makes that write conflict, and the renewal then decides on what is there.
    @Test func aHeldLeaseIsRenewedWithOneWriteAndAConflictFallsBackToReading() async throws {
        try await withCluster { cluster, client, logger in
            await cluster.setRequestLogCapacity(1000)
            let elector = LeaderElector(client: client, namespace: "default", name: "renewed", identity: "a",
                                        leaseDuration: .seconds(15), renewDeadline: .seconds(10), retryPeriod: .seconds(2), logger: logger)
            var observation = LeaderElector.Observation()
            #expect(try await elector.attempt(&observation, limit: .seconds(5)) != nil, "taken")
            func leaseRequests() async -> [String] {
                await cluster.requestRecords.filter { $0.resource == "leases" }.map { "\($0.verb) \($0.status)" }
            }
            let taken = await leaseRequests().count
            #expect(try await elector.attempt(&observation, limit: .seconds(5)) != nil, "renewed")
            #expect(try await elector.attempt(&observation, limit: .seconds(5)) != nil, "renewed again")
            #expect(Array(await leaseRequests().dropFirst(taken)) == ["update 200", "update 200"])

            // Another writer takes it over (as if it had judged the lease expired).
            var lease = try await client.get(LeaderElector.leaseKind, name: "renewed", namespace: "default")
            lease["spec"]["holderIdentity"] = "b"
            lease["spec"]["renewTime"] = .string(KubeTime.formatMicro(Date()))
            _ = try await client.update(lease, options: WriteOptions(fieldManager: "test"))
            let before = await leaseRequests().count
            #expect(try await elector.attempt(&observation, limit: .seconds(5)) == nil, "b holds it: a waits")
            #expect(Array(await leaseRequests().dropFirst(before)) == ["update 409", "get 200"])
            #expect(LeaseRecord(lease: try await client.get(LeaderElector.leaseKind, name: "renewed", namespace: "default")).holderIdentity == "b")
        }
    }
}
