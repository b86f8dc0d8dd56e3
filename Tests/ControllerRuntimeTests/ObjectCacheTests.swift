@testable import ControllerRuntime
import KubernetesModel
import Testing

/// Both storages answer alike: compact keeps JSON text and decodes on read.
struct ObjectCacheTests {
    static func configMap(_ name: String, namespace: String = "ns", rv: String, labels: [String: String] = [:], data: JSONValue = ["k": "v"]) -> KubeObject {
        var object = KubeObject(apiVersion: "v1", kind: "ConfigMap", name: name, namespace: namespace)
        object.body.setValue(.string(rv), at: ["metadata", "resourceVersion"])
        object.labels = labels
        object["data"] = data
        return object
    }

    @Test(arguments: [ObjectCache.Storage.objects, .compact])
    func storesReadsListsAndReplaces(storage: ObjectCache.Storage) async {
        let cache = ObjectCache(storage: storage)
        let a = Self.configMap("a", rv: "1", labels: ["app": "x"], data: ["n": 1.5, "list": [1, "two", true, .null]])
        #expect(await cache.store(a) == nil)
        #expect(await cache.get(namespace: "ns", name: "a") == a)
        let a2 = Self.configMap("a", rv: "2", labels: ["app": "x"])
        #expect(await cache.store(a2) == a)
        await cache.store(Self.configMap("b", rv: "3"))
        await cache.store(Self.configMap("c", namespace: "other", rv: "4", labels: ["app": "x"]))
        #expect(await cache.list().map(\.name) == ["a", "b", "c"])
        #expect(await cache.list(namespace: "ns").map(\.name) == ["a", "b"])
        #expect(await cache.list(selector: LabelSelector(matchLabels: ["app": "x"])).map(\.name) == ["a", "c"])

        // A relist: b unchanged, a changed, c gone, d new.
        let events = await cache.replace(with: [(Self.configMap("a", rv: "5"), nil), (Self.configMap("b", rv: "3"), nil), (Self.configMap("d", rv: "6"), nil)])
        var seen: [String] = []
        for event in events {
            switch event {
            case .added(let o): seen.append("added \(o.name)")
            case .updated(let old, let new): seen.append("updated \(new.name) from \(old.resourceVersion ?? "")")
            case .deleted(let o): seen.append("deleted \(o.name)")
            case .resync: seen.append("resync")
            }
        }
        #expect(seen.sorted() == ["added d", "deleted c", "updated a from 2"])
        #expect(await cache.remove(Self.configMap("d", rv: "6"))?.name == "d")
        #expect(await cache.count == 2)
    }

    /// A cache that keeps less than it is given (`keep`): what it hands back (a get, the
    /// replaced object, a relist's deletions and updates) is what it kept, yet a relist still
    /// tells an unchanged object from a changed one by the resourceVersion it was given.
    @Test(arguments: [ObjectCache.Storage.objects, .compact])
    func aCacheKeepsOnlyWhatItsKeepPicks(storage: ObjectCache.Storage) async {
        let nameOnly: @Sendable (KubeObject) -> KubeObject = { KubeObject(apiVersion: $0.apiVersion, kind: $0.kind, name: $0.name, namespace: $0.namespace) }
        let cache = ObjectCache(storage: storage, keep: nameOnly)
        let a = Self.configMap("a", rv: "1", data: ["big": .string(String(repeating: "x", count: 1000))])
        #expect(await cache.store(a) == nil)
        let kept = await cache.get(namespace: "ns", name: "a")
        #expect(kept?.name == "a")
        #expect(kept?["data"].isNull == true)
        #expect(await cache.resourceVersion(namespace: "ns", name: "a") == "1", "the resourceVersion given, not the kept object's (none)")
        #expect(await cache.store(Self.configMap("a", rv: "2"))?["data"].isNull == true)
        await cache.store(Self.configMap("b", rv: "3"))
        let events = await cache.replace(with: [(Self.configMap("a", rv: "2"), nil), (Self.configMap("c", rv: "4"), nil)])
        #expect(events.count == 2, "a unchanged at resourceVersion 2: no event")
        for event in events {
            switch event {
            case .deleted(let o): #expect(o.name == "b" && o["data"].isNull)
            case .added(let o): #expect(o.name == "c" && o["data"]["k"] == "v", "an added object is handed on whole")
            default: Issue.record("unexpected \(event)")
            }
        }
    }

    /// An index follows stores, changes of the indexed value, removals and relists; a value
    /// no object has any more lists nothing.
    @Test(arguments: [ObjectCache.Storage.objects, .compact])
    func anIndexFollowsEveryChange(storage: ObjectCache.Storage) async {
        let byApp = ObjectCache.Index(name: "app") { object in object.labels["app"].map { [$0] } ?? [] }
        let cache = ObjectCache(storage: storage, indexes: [byApp])
        await cache.store(Self.configMap("b", rv: "1", labels: ["app": "x"]))
        await cache.store(Self.configMap("a", rv: "2", labels: ["app": "x"]))
        await cache.store(Self.configMap("c", namespace: "other", rv: "3", labels: ["app": "y"]))
        await cache.store(Self.configMap("d", rv: "4"))
        #expect(await cache.list(filedUnder: byApp, value: "x").map(\.name) == ["a", "b"], "sorted by key")
        #expect(await cache.list(filedUnder: byApp, value: "y").map(\.name) == ["c"])
        // b moves from x to y; a goes.
        await cache.store(Self.configMap("b", rv: "5", labels: ["app": "y"]))
        await cache.remove(Self.configMap("a", rv: "2"))
        #expect(await cache.list(filedUnder: byApp, value: "x").isEmpty == true)
        #expect(await cache.list(filedUnder: byApp, value: "y").map(\.name) == ["b", "c"])
        #expect(await cache.list(filedUnder: byApp, value: "y").first?.resourceVersion == "5")
        // A relist files everything again.
        _ = await cache.replace(with: [(Self.configMap("e", rv: "6", labels: ["app": "x"]), nil), (Self.configMap("c", namespace: "other", rv: "3", labels: ["app": "y"]), nil)])
        #expect(await cache.list(filedUnder: byApp, value: "x").map(\.name) == ["e"])
        #expect(await cache.list(filedUnder: byApp, value: "y").map(\.name) == ["c"])
        // A cache made without the index gives the same answer, by reading every object.
        let unindexed = ObjectCache(storage: storage)
        _ = await unindexed.replace(with: [(Self.configMap("e", rv: "6", labels: ["app": "x"]), nil), (Self.configMap("c", namespace: "other", rv: "3", labels: ["app": "y"]), nil)])
        #expect(await unindexed.list(filedUnder: byApp, value: "x").map(\.name) == ["e"])
        #expect(await unindexed.list(filedUnder: byApp, value: "y").map(\.name) == ["c"])
    }

    /// A fingerprint is stored with each object (a store, a relist) and answered without
    /// decoding it; none when none was stored, none for a name not kept.
    @Test(arguments: [ObjectCache.Storage.objects, .compact])
    func aFingerprintFollowsTheObjectKept(storage: ObjectCache.Storage) async {
        let cache = ObjectCache(storage: storage)
        await cache.store(Self.configMap("a", rv: "1", data: ["k": "one"]), fingerprint: "one")
        #expect(await cache.fingerprint(namespace: "ns", name: "a") == "one")
        await cache.store(Self.configMap("a", rv: "2", data: ["k": "two"]), fingerprint: "two")
        #expect(await cache.fingerprint(namespace: "ns", name: "a") == "two")
        _ = await cache.replace(with: [(Self.configMap("a", rv: "3", data: ["k": "three"]), "three"),
                                       (Self.configMap("b", rv: "4", data: ["other": "x"]), nil)])
        #expect(await cache.fingerprint(namespace: "ns", name: "a") == "three")
        #expect(await cache.fingerprint(namespace: "ns", name: "b") == nil, "none stored with it")
        await cache.store(Self.configMap("a", rv: "5", data: ["k": "five"]))
        #expect(await cache.fingerprint(namespace: "ns", name: "a") == nil, "a store without one replaces the old one")
        await cache.store(Self.configMap("a", rv: "6", data: ["k": "six"]), fingerprint: "six")
        await cache.remove(Self.configMap("a", rv: "6"))
        #expect(await cache.fingerprint(namespace: "ns", name: "a") == nil)
    }
}
