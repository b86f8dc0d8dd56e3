import AsyncHTTPClient
import KubernetesModel
import Logging
import NIOCore
import TestSupport
import Testing
@testable import ControllerRuntime
@testable import KubernetesClient

/// Where each watch request asked to start.
private actor WatchRequests {
    var requested: [String] = []
    var count: Int { requested.count }
    func opened(_ resourceVersion: String?) -> Int {
        requested.append(resourceVersion ?? "")
        return requested.count
    }
}

/// A server with no objects whose watches follow a script: for the n-th watch request, the
/// lines it delivers and whether it then breaks (else it ends normally, at once).
private struct ScriptedWatchServer: ObjectReader, ObjectWatcher {
    struct Broken: Error {}
    let requests: WatchRequests
    let script: @Sendable (Int) -> (lines: [String], breaks: Bool)
    /// When set, every watch request fails after this long (a client retrying a silent cluster).
    var failsAfter: Duration? = nil

    func get(_ kind: GroupVersionKind, name: String, namespace: String?) async throws -> KubeObject {
        throw KubernetesError(kind: .notFound, message: "no \(name)")
    }

    func list(_ kind: GroupVersionKind, namespace: String?, options: ListOptions) async throws -> KubeObjectList {
        KubeObjectList(items: [], resourceVersion: "1")
    }

    func watch(_ kind: GroupVersionKind, namespace: String?, options: WatchOptions) async throws -> WatchEvents {
        let (lines, breaks) = script(await requests.opened(options.resourceVersion))
        if let failsAfter {
            try await Task.sleep(for: failsAfter)
            throw KubernetesError(kind: .transport, message: "the server closed the connection")
        }
        let context = KubernetesError.RequestContext(cluster: "scripted", server: "https://scripted", verb: "watch")
        let feed = WatchFeed(kind: kind, context: context, holdBookmarks: options.holdBookmarks)
        for line in lines { _ = feed.receive(ByteBuffer(string: line + "\n"), on: HTTPClient.defaultEventLoopGroup.next()) }
        feed.finish(breaks ? .failure(Broken()) : .success(()))
        return WatchEvents(feed: feed, kind: kind, context: context)
    }
}

@Suite struct InformerBackoffTests {
    static let kind = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")

    /// Before: the informer re-opened the watch at once, thousands of times a second.
    @Test func aWatchThatEndsAtOnceBacksOff() async throws {
        let requests = WatchRequests()
        var logger = Logger(label: "informer-backoff")
        logger.logLevel = .critical
        let closing = ScriptedWatchServer(requests: requests) { _ in ([], false) }
        let informer = Informer(kind: Self.kind, client: closing, logger: logger) { _ in }
        let task = Task { await informer.run() }
        await informer.waitForSync()
        try await eventually("the watch is retried") { await requests.count >= 2 }
        // Then a window of 1.5 s: the backoff (200 + 400 + 800 ms after the first 100) fits 3
        // more watches in it, 4 if one began as the count was read. (Counted from the retry, not
        // from the start: a loaded machine may take longer than the window to retry at all.)
        let retried = await requests.count
        try await Task.sleep(for: .milliseconds(1500))
        task.cancel()
        await task.value
        let more = await requests.count - retried
        #expect(more <= 4, "a watch ending at once was re-opened \(more) times in 1.5 s")
    }

    @Test func theBackoffGrowsIsCappedAndAHealthyWatchResetsIt() {
        var backoff = ListWatchBackoff()
        #expect(backoff.watchEnded(lasted: .milliseconds(5), events: 0) == .milliseconds(100))
        #expect(backoff.watchEnded(lasted: .milliseconds(5), events: 0) == .milliseconds(200))
        #expect(backoff.failed() == .milliseconds(400))
        for _ in 0..<20 { _ = backoff.failed() }
        #expect(backoff.failed() == .seconds(30))
        // Events delivered, or a watch that lasted: healthy, and the next failure starts over.
        #expect(backoff.watchEnded(lasted: .milliseconds(5), events: 3) == nil)
        #expect(backoff.failed() == .milliseconds(100))
        #expect(backoff.watchEnded(lasted: .seconds(2), events: 0) == nil)
        #expect(backoff.failures == 0)
        // A watch that worked, then failed: the first failure of a new series.
        for _ in 0..<5 { _ = backoff.failed() }
        #expect(backoff.watchFailed(lasted: .milliseconds(5), events: 2) == .milliseconds(100))
        #expect(backoff.watchFailed(lasted: .milliseconds(5), events: 0) == .milliseconds(200))
    }

    /// Regression: a watch was timed from its request, so one that never opened because the
    /// client spent over a second retrying it counted as healthy, and the backoff started over
    /// at every failure: the informers of a silent cluster retried every 100 ms forever.
    @Test func aWatchThatNeverOpensBacksOffHoweverLongItsRequestTook() async throws {
        let requests = WatchRequests()
        let recorder = LogRecorder()
        let silent = ScriptedWatchServer(requests: requests, script: { _ in ([], false) }, failsAfter: .milliseconds(1100))
        let informer = Informer(kind: Self.kind, client: silent, logger: recorder.logger(level: .warning)) { _ in }
        let task = Task { await informer.run() }
        try await eventually("three watches failed", timeout: .seconds(20)) {
            recorder.entries.filter { $0.message.hasPrefix("list/watch failed") }.count >= 3
        }
        task.cancel()
        await task.value
        let attempts = recorder.entries.filter { $0.message.hasPrefix("list/watch failed") }.prefix(3).map { $0.metadata["attempt"] ?? "" }
        #expect(attempts == ["1", "2", "3"], "the backoff started over after a watch that never opened")
    }

    /// Before: a watch that broke after delivering changes was resumed from the list's
    /// resourceVersion, and its changes were delivered again.
    @Test func aWatchThatBreaksIsResumedWhereItGotTo() async throws {
        let requests = WatchRequests()
        var logger = Logger(label: "informer-resume")
        logger.logLevel = .critical
        let change = #"{"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"d","resourceVersion":"5"}}}"#
        let breaking = ScriptedWatchServer(requests: requests) { n in n == 1 ? ([change], true) : ([], false) }
        let informer = Informer(kind: Self.kind, client: breaking, logger: logger) { _ in }
        let task = Task { await informer.run() }
        try await eventually("the informer watched again") { await requests.count >= 2 }
        task.cancel()
        await task.value
        let requested = await requests.requested
        #expect(requested.prefix(2) == ["1", "5"])
    }
}
