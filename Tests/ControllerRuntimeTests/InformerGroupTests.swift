import KubernetesClient
import KubernetesModel
import LocalKube
import Logging
import TestSupport
import Testing
@testable import ControllerRuntime

/// Informers driven by one task (`InformerGroup`), against LocalKube over HTTPS.
@Suite(.serialized) struct InformerGroupTests {
    static let configMap = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
    static let secret = GroupVersionKind(group: "", version: "v1", kind: "Secret")

    func object(_ kind: GroupVersionKind, _ name: String, _ value: String) -> KubeObject {
        var object = KubeObject(apiVersion: "v1", kind: kind.kind, name: name, namespace: "default")
        object[kind == Self.secret ? "stringData" : "data"] = ["v": .string(value)]
        return object
    }

    /// Two kinds followed by one task: each informer lists, watches and sees its own kind's
    /// changes; a dropped watch is resumed without being taken for deletions; an informer
    /// removed closes its watch and sees nothing more while the other goes on; cancelling the
    /// task closes the rest and `run` returns.
    @Test func informersOfOneGroupFollowTheirKindsAndStopOneByOne() async throws {
        var logger = Logger(label: "informer-group-test")
        logger.logLevel = .critical
        // LocalKube sees that a client closed a watch when it next writes to it: frequent
        // bookmarks let it count closed watches soon.
        try await withLocalKubeClient(cluster: "group", settings: ClusterSettings(bookmarkInterval: .milliseconds(300), simulatesWorkloads: false),
                                      logger: logger) { cluster, client in
            try await followTwoKinds(cluster: cluster, client: client, logger: logger)
        }
    }

    private func followTwoKinds(cluster: LocalKubeCluster, client: KubernetesClient, logger: Logger) async throws {
        let apply = ApplyOptions(fieldManager: "t")

        _ = try await client.apply(object(Self.configMap, "listed", "1"), options: apply)
        let configMaps = EventLog(), secrets = EventLog(), values = ValueLog(), gate = Gate()
        let configMapInformer = Informer(kind: Self.configMap, namespace: "default", client: client, logger: logger) { event in
            await gate.pass()
            await configMaps.add(event)
            if case .deleted = event { return }
            await values.add(event.object)
        }
        let secretInformer = Informer(kind: Self.secret, namespace: "default", client: client, logger: logger) { await secrets.add($0) }
        let group = InformerGroup()
        group.add(configMapInformer)
        let task = Task { await group.run() }
        group.add(secretInformer)
        #expect(await configMapInformer.waitForSync(timeout: .seconds(30)))
        #expect(await secretInformer.waitForSync(timeout: .seconds(30)))
        try await eventually("the listed ConfigMap announced") { await configMaps.contains("added listed") }
        try await eventually("both watches open") { await cluster.openWatchCount == 2 }

        _ = try await client.apply(object(Self.configMap, "watched", "1"), options: apply)
        _ = try await client.apply(object(Self.secret, "token", "1"), options: apply)
        try await eventually("each informer saw its kind's change") {
            let configMap = await configMaps.contains("added watched"), secret = await secrets.contains("added token")
            return configMap && secret
        }
        #expect(await configMaps.count("added token") == 0)

        // Events that pile up while the handler is busy reach it in order, in more than one
        // batch: the handler waits at the gate while 70 changes arrive.
        await gate.close()
        let burst = DrivenInformer.batchLimit + 6
        for i in 1...burst {
            _ = try await client.apply(object(Self.configMap, "burst", "\(i)"), options: apply)
        }
        await gate.open()
        try await eventually("every change of the burst delivered") { await values.of("burst").count == burst }
        #expect(await values.of("burst") == (1...burst).map(String.init))

        await cluster.dropWatches()
        _ = try await client.apply(object(Self.secret, "token", "2"), options: apply)
        try await eventually("the resumed watch saw the change") { await secrets.contains("updated token") }
        #expect(await configMaps.count("deleted") == 0)
        #expect(await secrets.count("deleted") == 0)

        group.remove(configMapInformer)
        try await eventually("the removed informer's watch closed") { await cluster.openWatchCount == 1 }
        _ = try await client.apply(object(Self.configMap, "after", "1"), options: apply)
        _ = try await client.apply(object(Self.secret, "after", "1"), options: apply)
        try await eventually("the other informer goes on") { await secrets.contains("added after") }
        #expect(await !configMaps.contains("added after"))

        // Added again, it starts afresh: it relists and announces what changed meanwhile.
        group.add(configMapInformer)
        try await eventually("the informer added again saw the change") { await configMaps.contains("added after") }
        try await eventually("its watch is open again") { await cluster.openWatchCount == 2 }

        task.cancel()
        await task.value
        try await eventually("every watch closed") { await cluster.openWatchCount == 0 }
    }

    /// Polling informers of one group pause on the group's one timer, each for its own period
    /// (after its poll's watch, which the server ends after 5 s): both keep polling, and see
    /// their changes at their next poll.
    @Test func pollingInformersOfOneGroupEachPollAtTheirOwnPeriod() async throws {
        var logger = Logger(label: "informer-group-test")
        logger.logLevel = .critical
        try await withLocalKubeClient(cluster: "polls", logger: logger) { cluster, client in
            let configMaps = EventLog(), secrets = EventLog()
            let often = Informer(kind: Self.configMap, namespace: "default", client: client, following: .polling(every: .milliseconds(300)),
                                 logger: logger) { await configMaps.add($0) }
            let seldom = Informer(kind: Self.secret, namespace: "default", client: client, following: .polling(every: .seconds(2)),
                                  logger: logger) { await secrets.add($0) }
            let group = InformerGroup()
            group.add(often)
            group.add(seldom)
            let task = Task { await group.run() }
            #expect(await often.waitForSync(timeout: .seconds(30)))
            #expect(await seldom.waitForSync(timeout: .seconds(30)))
            _ = try await client.apply(object(Self.configMap, "polled", "1"), options: ApplyOptions(fieldManager: "t"))
            _ = try await client.apply(object(Self.secret, "polled", "1"), options: ApplyOptions(fieldManager: "t"))
            try await eventually("each kind's next poll saw its change", timeout: .seconds(30)) {
                let configMap = await configMaps.contains("added polled"), secret = await secrets.contains("added polled")
                return configMap && secret
            }
            try await eventually("both kinds polled again and again", timeout: .seconds(40)) {
                let configMapPolls = await cluster.requestCount(verb: "watch", resource: "configmaps")
                let secretPolls = await cluster.requestCount(verb: "watch", resource: "secrets")
                return configMapPolls >= 3 && secretPolls >= 3
            }
            _ = try await client.apply(object(Self.configMap, "polled", "2"), options: ApplyOptions(fieldManager: "t"))
            _ = try await client.apply(object(Self.secret, "polled", "2"), options: ApplyOptions(fieldManager: "t"))
            try await eventually("each kind's next poll saw the second change", timeout: .seconds(30)) {
                let configMap = await configMaps.contains("updated polled"), secret = await secrets.contains("updated polled")
                return configMap && secret
            }
            task.cancel()
            await task.value
        }
    }
}

/// The values (`data.v`) each object had, in the order the handler saw them.
actor ValueLog {
    private var values: [String: [String]] = [:]
    func add(_ object: KubeObject) { values[object.name, default: []].append(object["data"]["v"].stringValue ?? "") }
    func of(_ name: String) -> [String] { values[name] ?? [] }
}

/// Holds whoever passes while closed.
actor Gate {
    private var closed = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    func close() { closed = true }
    func open() {
        closed = false
        for continuation in waiting { continuation.resume() }
        waiting = []
    }
    func pass() async {
        guard closed else { return }
        await withCheckedContinuation { waiting.append($0) }
    }
}
