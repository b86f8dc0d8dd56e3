import TestSupport
import KubernetesModel
import LocalKube
import Testing
@testable import KubernetesClient

@Suite struct ClientWatchTests {
    typealias F = LocalKubeFixture

    @Test func watchFromAResourceVersionSeesChangesInOrderAndResumes() async throws {
        try await F.with { f in
            let write = WriteOptions(fieldManager: "tests")
            _ = try await f.client.create(F.configMap("before", data: [:]), options: write)
            let list = try await f.client.list(F.configMap, namespace: "default")
            let events = try await f.client.watch(F.configMap, namespace: "default", options: WatchOptions(resourceVersion: list.resourceVersion))
            var iterator = events.makeAsyncIterator()

            let created = try await f.client.create(F.configMap("w1", data: ["a": "1"]), options: write)
            var changed = created
            changed["data"]["a"] = "2"
            _ = try await f.client.update(changed, options: write)
            _ = try await f.client.delete(F.configMap, name: "w1", namespace: "default", options: DeleteOptions())

            var seen: [String] = []
            var lastRV = list.resourceVersion
            while seen.count < 3, let event = try await iterator.next() {
                if case .bookmark = event { lastRV = event.resourceVersion ?? lastRV; continue }
                #expect(event.object?.name == "w1")
                #expect(event.object?.kind == "ConfigMap")
                seen.append(event.type)
                lastRV = event.resourceVersion ?? lastRV
            }
            #expect(seen == ["ADDED", "MODIFIED", "DELETED"])

            // A dropped watch ends the stream (not a deletion); resuming from the last RV misses nothing.
            await f.cluster.dropWatches()
            while let event = try await iterator.next() {
                #expect(event.type == "BOOKMARK", "only bookmarks may remain before the end")
            }
            _ = try await f.client.create(F.configMap("w2", data: [:]), options: write)
            let resumed = try await f.client.watch(F.configMap, namespace: "default", options: WatchOptions(resourceVersion: lastRV))
            for try await event in resumed {
                if case .bookmark = event { continue }
                #expect(event.type == "ADDED")
                #expect(event.object?.name == "w2")
                break
            }
        }
    }

    @Test func watchWithSelectorOnlySeesMatchingObjects() async throws {
        try await F.with { f in
            let write = WriteOptions(fieldManager: "tests")
            let rv = try await f.client.list(F.configMap, namespace: "default").resourceVersion
            let events = try await f.client.watch(F.configMap, namespace: "default", options: WatchOptions(resourceVersion: rv, labelSelector: "app=watched"))
            _ = try await f.client.create(F.configMap("ignored", data: [:], labels: ["app": "other"]), options: write)
            _ = try await f.client.create(F.configMap("seen", data: [:], labels: ["app": "watched"]), options: write)
            for try await event in events {
                if case .bookmark = event { continue }
                #expect(event.object?.name == "seen")
                break
            }
        }
    }

    @Test func tooOldResourceVersionIsGone() async throws {
        try await F.with { f in
            let write = WriteOptions(fieldManager: "tests")
            let old = try await f.client.create(F.configMap("old", data: [:]), options: write)
            _ = try await f.client.create(F.configMap("newer", data: [:]), options: write)
            await f.cluster.compactHistory()
            do {
                let events = try await f.client.watch(F.configMap, namespace: "default", options: WatchOptions(resourceVersion: old.resourceVersion))
                for try await event in events where event.type != "BOOKMARK" {
                    Issue.record("expected 410 Gone, got \(event.type)")
                }
                Issue.record("the watch ended without 410 Gone")
            } catch let error as KubernetesError {
                #expect(error.isGone, "\(error)")
            }
        }
    }

    @Test func cancellingTheConsumerEndsTheWatch() async throws {
        try await F.with { f in
            let events = try await f.client.watch(F.configMap, namespace: "default", options: WatchOptions())
            let received = Received()
            let consumer = Task {
                for try await _ in events { await received.one() }
            }
            // The consumer is reading (it got an event) and the server holds the watch open...
            _ = try await f.client.create(KubeObject(apiVersion: "v1", kind: "ConfigMap", name: "before-cancel", namespace: "default"),
                                          options: WriteOptions(fieldManager: "test"))
            try await eventually("the consumer got the event") { await received.count > 0 }
            #expect(await received.count == 1)
            #expect(await f.cluster.openWatchCount == 1)
            consumer.cancel()
            _ = await consumer.result
            // ...and lets it go once the consumer is cancelled: the client resets the stream, and
            // LocalKube notices at its next write (a real server at once: its request context ends).
            _ = try await f.client.create(KubeObject(apiVersion: "v1", kind: "ConfigMap", name: "after-cancel", namespace: "default"),
                                          options: WriteOptions(fieldManager: "test"))
            try await eventually("the server lets the cancelled watch go", timeout: .seconds(30)) { await f.cluster.openWatchCount == 0 }
            // The client still works (and shuts down cleanly) afterwards.
            _ = try await f.client.list(F.configMap, namespace: "default")
        }
    }

    private actor Received {
        var count = 0
        func one() { count += 1 }
    }

    /// A watch that holds its bookmarks (an informer's) wakes a waiting reader for none of them:
    /// of the twenty or so the server sends in 2 s, the reader sees the newest one held when it
    /// asks (one, if it asked before the first arrived) and the newest at the end; meanwhile the
    /// client knows the server is sending (`lastAnswered` moves), which is what the reachability
    /// probes read instead.
    @Test func heldBookmarksReachTheReaderAtTheEndAndStillCountAsAnswers() async throws {
        try await F.with(settings: ClusterSettings(readinessDelay: .milliseconds(50), bookmarkInterval: .milliseconds(100))) { f in
            let list = try await f.client.list(F.configMap, namespace: "default")
            let events = try await f.client.watch(F.configMap, namespace: "default", options: WatchOptions(
                resourceVersion: list.resourceVersion, timeoutSeconds: 2, holdBookmarks: true))
            let opened = try #require(f.client.lastAnswered, "the watch's head is an answer")
            var seen: [String] = []
            for try await event in events {
                guard case .bookmark(let resourceVersion) = event else {
                    Issue.record("only bookmarks were sent, got \(event.type)")
                    continue
                }
                seen.append(resourceVersion)
            }
            #expect(!seen.isEmpty && seen.count <= 2, "the reader saw \(seen.count) bookmarks")
            #expect(seen.allSatisfy { !$0.isEmpty })
            // Bookmarks arrived until the end, 2 s after the watch opened; the client heard them
            // all, though its reader saw at most two. (Not a duration: a loaded machine once
            // starved LocalKube's bookmark timer for most of the 2 s.)
            let answered = try #require(f.client.lastAnswered)
            #expect(answered > opened, "bookmarks count as answers")
        }
    }
}
