import TestSupport
import KubernetesModel
import LocalKube
import Testing

@Suite struct WatchTests {
    private func types(_ events: [JSONValue]) -> [String] { events.compactMap { $0["type"].stringValue }.filter { $0 != "BOOKMARK" } }

    @Test func replayFromAResourceVersion() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("replay")
            let list = try await f.get("/api/v1/namespaces/replay/configmaps")
            let rv = try #require(list.body["metadata"]["resourceVersion"].stringValue)
            let created = try await f.createConfigMap("replay", "w1", data: ["a": "1"])
            var changed = created
            changed["data"] = ["a": "2"]
            _ = try await f.request(.PUT, "/api/v1/namespaces/replay/configmaps/w1", body: changed)
            _ = try await f.delete("/api/v1/namespaces/replay/configmaps/w1")
            let events = try await f.watch("/api/v1/namespaces/replay/configmaps", query: ["resourceVersion": rv, "timeoutSeconds": "1"])
            #expect(types(events) == ["ADDED", "MODIFIED", "DELETED"])
            #expect(events.first?["object"]["kind"] == "ConfigMap")
            #expect(events.first?["object"]["apiVersion"] == "v1")
            #expect(events[1]["object"]["data"]["a"] == "2")
        }
    }

    @Test func labelSelectorTransitions() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("transitions")
            let list = try await f.get("/api/v1/namespaces/transitions/configmaps")
            let rv = try #require(list.body["metadata"]["resourceVersion"].stringValue)
            var object = try await f.createConfigMap("transitions", "w1", labels: ["sel": "yes"])
            for value in ["no", "yes"] {
                object.setValue(.string(value), at: ["metadata", "labels", "sel"])
                object = try await f.request(.PUT, "/api/v1/namespaces/transitions/configmaps/w1", body: object).body
            }
            let events = try await f.watch("/api/v1/namespaces/transitions/configmaps",
                                           query: ["resourceVersion": rv, "labelSelector": "sel=yes", "timeoutSeconds": "1"])
            #expect(types(events) == ["ADDED", "DELETED", "ADDED"])
            // As the watch cache does: the object that stopped matching, at the new resourceVersion.
            #expect(events[1]["object"]["metadata"]["labels"]["sel"] == "yes")
            #expect(events[1]["object"]["metadata"]["resourceVersion"] != events[0]["object"]["metadata"]["resourceVersion"])
        }
    }

    @Test func liveEventsAndFieldSelector() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("live")
            _ = try await f.createConfigMap("live", "a")
            _ = try await f.createConfigMap("live", "b")
            async let watched = f.watch("/api/v1/namespaces/live/configmaps", query: ["fieldSelector": "metadata.name=b", "timeoutSeconds": "20"]) { events in
                events.contains { $0["type"] == "MODIFIED" }
            }
            try await f.eventually("the watch to open") { await f.cluster.openWatchCount > 0 ? true : nil }
            var a = try await f.get("/api/v1/namespaces/live/configmaps/a").body
            a["data"] = ["x": "1"]
            _ = try await f.request(.PUT, "/api/v1/namespaces/live/configmaps/a", body: a)
            var b = try await f.get("/api/v1/namespaces/live/configmaps/b").body
            b["data"] = ["x": "1"]
            _ = try await f.request(.PUT, "/api/v1/namespaces/live/configmaps/b", body: b)
            let events = try await watched
            #expect(types(events) == ["ADDED", "MODIFIED"])
            #expect(events.allSatisfy { $0["object"]["metadata"]["name"] == "b" })
        }
    }

    @Test func tooOldResourceVersionIsGone() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("gone")
            let list = try await f.get("/api/v1/namespaces/gone/configmaps")
            let rv = try #require(list.body["metadata"]["resourceVersion"].stringValue)
            _ = try await f.createConfigMap("gone", "c1")
            await f.cluster.compactHistory()
            let events = try await f.watch("/api/v1/namespaces/gone/configmaps", query: ["resourceVersion": rv, "timeoutSeconds": "5"])
            #expect(events.count == 1)
            #expect(events.first?["type"] == "ERROR")
            #expect(events.first?["object"]["code"] == 410)
            #expect(events.first?["object"]["reason"] == "Expired")
        }
    }

    @Test func bookmarksCarryTheResourceVersion() async throws {
        try await LocalKubeFixture.with(settings: ClusterSettings(bookmarkInterval: .milliseconds(100))) { f in
            let list = try await f.get("/api/v1/namespaces")
            let rv = try #require(list.body["metadata"]["resourceVersion"].stringValue)
            let events = try await f.watch("/api/v1/namespaces", query: ["resourceVersion": rv, "allowWatchBookmarks": "true", "timeoutSeconds": "20"]) { events in
                events.contains { $0["type"] == "BOOKMARK" }
            }
            let bookmark = try #require(events.first { $0["type"] == "BOOKMARK" })
            #expect(bookmark["object"]["kind"] == "Namespace")
            #expect(bookmark["object"]["metadata"]["resourceVersion"] == .string(rv))
        }
    }

    /// kube-apiserver's watch cache sends a bookmark 2 s before a watch's deadline (and none when
    /// the deadline is closer than that), whatever its bookmark interval: a short watch resumes
    /// from a fresh resourceVersion even where nothing changed.
    @Test func aBookmarkComesTwoSecondsBeforeTheDeadline() async throws {
        try await LocalKubeFixture.with(settings: ClusterSettings(bookmarkInterval: .seconds(600))) { f in
            let list = try await f.get("/api/v1/namespaces")
            let rv = try #require(list.body["metadata"]["resourceVersion"].stringValue)
            _ = try await f.createNamespace("later")
            let events = try await f.watch("/api/v1/namespaces", query: ["resourceVersion": rv, "allowWatchBookmarks": "true", "timeoutSeconds": "3"])
            #expect(events.map { $0["type"].stringValue ?? "" } == ["ADDED", "BOOKMARK"])
            let current = try await f.get("/api/v1/namespaces").body["metadata"]["resourceVersion"]
            #expect(events.last?["object"]["metadata"]["resourceVersion"] == current)
            let short = try await f.watch("/api/v1/namespaces", query: ["resourceVersion": rv, "allowWatchBookmarks": "true", "timeoutSeconds": "1"])
            #expect(short.map { $0["type"].stringValue ?? "" } == ["ADDED"])
        }
    }

    @Test func droppedWatchesEnd() async throws {
        try await LocalKubeFixture.with { f in
            async let watched = f.watch("/api/v1/namespaces", query: ["timeoutSeconds": "60"])
            try await f.eventually("the watch to open") { await f.cluster.openWatchCount > 0 ? true : nil }
            await f.cluster.dropWatches()
            let events = try await watched
            #expect(types(events).allSatisfy { $0 == "ADDED" })
            #expect(await f.cluster.openWatchCount == 0)
        }
    }
}
