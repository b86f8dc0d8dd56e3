import AsyncHTTPClient
import KubernetesModel
import NIOCore
import Synchronization
import Testing
@testable import KubernetesClient

/// The watch decoder over a body that arrives in arbitrary chunks.
@Suite struct WatchStreamTests {
    static let kind = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
    static let context = KubernetesError.RequestContext(cluster: "c", server: "https://x", verb: "watch")

    static let loop = HTTPClient.defaultEventLoopGroup.next()

    /// A feed given `text` in chunks of these sizes, as a connection would; ended unless `open`.
    static func feed(_ text: String, chunkSizes: [Int], open: Bool = false, holdBookmarks: Bool = false,
                     maximumLineBytes: Int = WatchDecoder.maximumLineBytes) -> WatchFeed {
        let feed = WatchFeed(kind: kind, context: context, holdBookmarks: holdBookmarks, maximumLineBytes: maximumLineBytes)
        let bytes = Array(text.utf8)
        var offset = 0
        var i = 0
        while offset < bytes.count {
            let size = min(chunkSizes[i % chunkSizes.count], bytes.count - offset)
            _ = feed.receive(ByteBuffer(bytes: bytes[offset..<offset + size]), on: loop)
            offset += size
            i += 1
        }
        if !open { feed.finish(.success(())) }
        return feed
    }

    static func events(_ text: String, chunkSizes: [Int], open: Bool = false, holdBookmarks: Bool = false,
                       maximumLineBytes: Int = WatchDecoder.maximumLineBytes) -> WatchEvents {
        WatchEvents(feed: feed(text, chunkSizes: chunkSizes, open: open, holdBookmarks: holdBookmarks, maximumLineBytes: maximumLineBytes),
                    kind: kind, context: context)
    }

    static func seen(_ events: WatchEvents) async throws -> [String] {
        var seen: [String] = []
        for try await event in events { seen.append("\(event.type) \(event.resourceVersion ?? "")") }
        return seen
    }

    static let big = String(repeating: "x", count: 70_000)
    static let body = """
        {"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"1"}}}
        {"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"2"}}}

        {"type":"MODIFIED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"3"},"data":{"big":"\(big)"}}}
        {"type":"DELETED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"4"}}}
        """

    @Test(arguments: [[1], [7, 3], [4096], [100_000]])
    func eventsSurviveAnyChunking(chunkSizes: [Int]) async throws {
        #expect(try await Self.seen(Self.events(Self.body, chunkSizes: chunkSizes)) == ["ADDED 1", "BOOKMARK 2", "MODIFIED 3", "DELETED 4"])
    }

    @Test func anErrorEventEndsTheStreamWithGone() async throws {
        let body = #"""
            {"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"1"}}}
            {"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (9)","reason":"Expired","code":410}}
            """#
        let events = Self.events(body, chunkSizes: [13])
        var seen = 0
        do {
            for try await _ in events { seen += 1 }
            Issue.record("expected the stream to throw")
        } catch let error as KubernetesError {
            #expect(error.isGone)
            #expect(error.status?.reason == "Expired")
        }
        #expect(seen == 1)
    }

    /// A server that sends an endless line (no newline) must not make the client buffer it all:
    /// past the limit the watch ends with an error naming the limit, after the events before it.
    @Test func aLineLongerThanTheLimitIsAnErrorNamingIt() async throws {
        let huge = String(repeating: "y", count: 5_000)
        let body = """
            {"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"1"}}}
            {"type":"MODIFIED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"2"},"data":{"big":"\(huge)"}}}
            {"type":"DELETED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"3"}}}
            """
        let events = Self.events(body, chunkSizes: [512], maximumLineBytes: 4_096)
        var seen: [String] = []
        do {
            for try await event in events { seen.append("\(event.type) \(event.resourceVersion ?? "")") }
            Issue.record("expected the stream to throw")
        } catch let error as KubernetesError {
            #expect(error.kind == .invalidResponse)
            #expect("\(error)".contains("4096 bytes"))
        }
        #expect(seen == ["ADDED 1"])
    }

    // MARK: Held bookmarks

    static func bookmark(_ rv: Int) -> String {
        #"{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"\#(rv)"}}}"# + "\n"
    }

    static func added(_ name: String, _ rv: Int) -> String {
        #"{"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\#(name)","resourceVersion":"\#(rv)"}}}"# + "\n"
    }

    /// An idle watch's bookmarks wake nobody: only the newest reaches the reader, at the end,
    /// and one that an event follows is dropped (delivered after it, it would move the
    /// resourceVersion to resume from back).
    @Test(arguments: [[1], [5, 11], [100_000]])
    func heldBookmarksReachTheReaderOnlyAsTheNewestAtTheEnd(chunkSizes: [Int]) async throws {
        let text = Self.bookmark(2) + Self.bookmark(3) + Self.added("a", 4) + Self.bookmark(5) + Self.bookmark(6)
        #expect(try await Self.seen(Self.events(text, chunkSizes: chunkSizes, holdBookmarks: true)) == ["ADDED 4", "BOOKMARK 6"])
        #expect(try await Self.seen(Self.events(text, chunkSizes: chunkSizes)) == ["BOOKMARK 2", "BOOKMARK 3", "ADDED 4", "BOOKMARK 5", "BOOKMARK 6"])
    }

    /// The body's last line without its newline is still an event, and the bookmark held
    /// before it does not follow it (the resourceVersion to resume from would go back).
    @Test func aLastLineWithoutNewlineMakesTheHeldBookmarkObsolete() async throws {
        let text = Self.bookmark(20) + String(Self.added("a", 25).dropLast())
        #expect(try await Self.seen(Self.events(text, chunkSizes: [1000], holdBookmarks: true)) == ["ADDED 25"])
    }

    /// A reader waiting on an open watch is not woken by a bookmark, and is by the next event;
    /// the bookmark held before that event is not delivered after it.
    @Test func aWaitingReaderIsWokenByAnEventNotByABookmark() async throws {
        let feed = WatchFeed(kind: Self.kind, context: Self.context, holdBookmarks: true)
        let events = WatchEvents(feed: feed, kind: Self.kind, context: Self.context)
        let reader = Task { () -> [String] in
            var seen: [String] = []
            for try await event in events {
                seen.append("\(event.type) \(event.resourceVersion ?? "")")
            }
            return seen
        }
        _ = feed.receive(ByteBuffer(string: Self.bookmark(7)), on: Self.loop)
        _ = feed.receive(ByteBuffer(string: Self.bookmark(8)), on: Self.loop)
        try await Task.sleep(for: .milliseconds(50))
        _ = feed.receive(ByteBuffer(string: Self.added("b", 9)), on: Self.loop)
        _ = feed.receive(ByteBuffer(string: Self.bookmark(10)), on: Self.loop)
        feed.finish(.failure(KubernetesError(kind: .transport, context: Self.context, message: "the server closed the connection")))
        do {
            _ = try await reader.value
            Issue.record("expected the watch's error")
        } catch let error as KubernetesError {
            #expect(error.kind == .transport)
        }
        // What the reader saw before the error: the event, then the newest bookmark.
        let again = Self.feed(Self.bookmark(7) + Self.added("b", 9) + Self.bookmark(10), chunkSizes: [1000], open: true, holdBookmarks: true)
        again.finish(.failure(KubernetesError(kind: .transport, context: Self.context, message: "reset")))
        var seen: [String] = []
        do {
            for try await event in WatchEvents(feed: again, kind: Self.kind, context: Self.context) { seen.append("\(event.type) \(event.resourceVersion ?? "")") }
        } catch is KubernetesError {}
        #expect(seen == ["ADDED 9", "BOOKMARK 10"])
    }

    /// Past its queue limit the feed asks the connection to stop reading, and lets it read
    /// again once the reader has caught up.
    @Test func aReaderBehindPausesTheBodyUntilItCatchesUp() async throws {
        let feed = WatchFeed(kind: Self.kind, context: Self.context, holdBookmarks: false, queueLimit: 1_000)
        var futures: [EventLoopFuture<Void>] = []
        for rv in 1...20 { futures.append(feed.receive(ByteBuffer(string: Self.added("n\(rv)", rv)), on: Self.loop)) }
        let paused = futures.last!
        let done = Mutex(false)
        paused.whenComplete { _ in done.withLock { $0 = true } }
        try await Task.sleep(for: .milliseconds(20))
        #expect(!done.withLock { $0 }, "the body is not read while the reader is behind")
        var iterator = WatchEvents(feed: feed, kind: Self.kind, context: Self.context).makeAsyncIterator()
        for _ in 1...18 { _ = try await iterator.next() }
        try await paused.get()
        #expect(done.withLock { $0 })
    }

    /// Cancelling the reading task ends a waiting read with CancellationError and stops the request.
    @Test func cancellingTheReaderStopsTheRequest() async throws {
        let feed = WatchFeed(kind: Self.kind, context: Self.context, holdBookmarks: true)
        let stopped = Mutex(false)
        feed.onCancel { stopped.withLock { $0 = true } }
        let events = WatchEvents(feed: feed, kind: Self.kind, context: Self.context)
        let reader = Task { for try await _ in events {} }
        try await Task.sleep(for: .milliseconds(20))
        reader.cancel()
        await #expect(throws: CancellationError.self) { try await reader.value }
        #expect(stopped.withLock { $0 })
    }

    /// A reader that keeps no task waiting (`nextIfReady`, `whenReady`): called back once per
    /// registration when an event or the end arrives, not for a bookmark (held, it comes with
    /// the next event), at once when something is there already; and the error at the end is
    /// thrown once.
    @Test func aReaderWithoutATaskIsCalledBackForEventsAndTheEndNotForBookmarks() throws {
        let feed = WatchFeed(kind: Self.kind, context: Self.context, holdBookmarks: true)
        let events = WatchEvents(feed: feed, kind: Self.kind, context: Self.context)
        let calls = Mutex(0)
        func drain() throws -> [String] {
            var seen: [String] = []
            while case .event(let event) = try events.nextIfReady() { seen.append("\(event.type) \(event.resourceVersion ?? "")") }
            return seen
        }
        #expect(try drain().isEmpty)
        events.whenReady { calls.withLock { $0 += 1 } }
        _ = feed.receive(ByteBuffer(string: Self.bookmark(7)), on: Self.loop)
        #expect(calls.withLock { $0 } == 0, "a bookmark wakes no one")
        _ = feed.receive(ByteBuffer(string: Self.added("a", 8)), on: Self.loop)
        _ = feed.receive(ByteBuffer(string: Self.added("b", 9)), on: Self.loop)
        #expect(calls.withLock { $0 } == 1, "called once for the two events")
        #expect(try drain() == ["ADDED 8", "ADDED 9"])

        _ = feed.receive(ByteBuffer(string: Self.added("c", 10) + Self.bookmark(11)), on: Self.loop)
        events.whenReady { calls.withLock { $0 += 1 } }
        #expect(calls.withLock { $0 } == 2, "called at once: an event is there")
        #expect(try drain() == ["ADDED 10", "BOOKMARK 11"])

        events.whenReady { calls.withLock { $0 += 1 } }
        feed.finish(.failure(KubernetesError(kind: .transport, context: Self.context, message: "the server closed the connection")))
        #expect(calls.withLock { $0 } == 3, "called for the end")
        #expect(throws: KubernetesError.self) { try events.nextIfReady() }
        guard case .end = try events.nextIfReady() else {
            Issue.record("after its error, the watch has ended")
            return
        }
    }

    /// A reader behind that reads with `nextIfReady` lets the paused body be read again too.
    @Test func aReaderWithoutATaskResumesAPausedBody() async throws {
        let feed = WatchFeed(kind: Self.kind, context: Self.context, holdBookmarks: false, queueLimit: 1_000)
        var futures: [EventLoopFuture<Void>] = []
        for rv in 1...20 { futures.append(feed.receive(ByteBuffer(string: Self.added("n\(rv)", rv)), on: Self.loop)) }
        let events = WatchEvents(feed: feed, kind: Self.kind, context: Self.context)
        var read = 0
        while case .event = try events.nextIfReady() { read += 1 }
        #expect(read == 20)
        let resumed = Mutex(false)
        futures.last!.whenComplete { _ in resumed.withLock { $0 = true } }
        for _ in 0..<100 where !resumed.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(50)) }
        #expect(resumed.withLock { $0 }, "the body is read again")
    }
}
