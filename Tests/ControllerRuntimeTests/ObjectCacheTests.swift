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
        let events = await cache.replace(with: [Self.configMap("a", rv: "5"), Self.configMap("b", rv: "3"), Self.configMap("d", rv: "6")])
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
}
