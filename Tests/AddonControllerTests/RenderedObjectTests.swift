import KubernetesModel
import Testing
@testable import AddonController

/// A kept rendering's objects: who they are without parsing, the same object when parsed.
@Suite struct RenderedObjectTests {
    @Test func theKeptFormIsTheSameObject() {
        var object = KubeObject(apiVersion: "apps/v1", kind: "Deployment", name: "ingress-controller", namespace: "ingress-system")
        object.labels = ["applyset.kubernetes.io/part-of": "applyset-abc", "app": "ingress"]
        object["spec"] = ["replicas": 2, "template": ["spec": ["containers": [["name": "controller", "image": "registry.example/ingress:1.2.3"]]]]]
        let fresh = RenderedObject(object)
        let kept = fresh.kept
        for rendered in [fresh, kept] {
            #expect(rendered.groupVersionKind == GroupVersionKind(group: "apps", version: "v1", kind: "Deployment"))
            #expect(rendered.namespace == "ingress-system" && rendered.name == "ingress-controller")
            #expect(rendered.reference == object.reference)
            #expect(rendered.object.body == object.body)
        }
        let clusterScoped = RenderedObject(KubeObject(apiVersion: "storage.k8s.io/v1", kind: "StorageClass", name: "cinder")).kept
        #expect(clusterScoped.namespace == nil)
        #expect(clusterScoped.reference == ObjectReference(groupKind: GroupKind(group: "storage.k8s.io", kind: "StorageClass"), namespace: nil, name: "cinder"))
    }

    /// Objects rendered the same on many clusters keep one text between them; a different
    /// object keeps its own.
    @Test func objectsRenderedTheSameShareOneKeptText() throws {
        func rendered(_ image: String) -> RenderedObject {
            var object = KubeObject(apiVersion: "apps/v1", kind: "DaemonSet", name: "node-agent", namespace: "kube-system")
            object["spec"] = ["template": ["spec": ["containers": [["name": "agent", "image": .string(image)]]]]]
            return RenderedObject(object).kept
        }
        let onClusterA = rendered("registry.example/agent:1.0")
        let onClusterB = rendered("registry.example/agent:1.0")
        let other = rendered("registry.example/agent:2.0")
        let a = try #require(onClusterA.keptText), b = try #require(onClusterB.keptText), c = try #require(other.keptText)
        #expect(a === b)
        #expect(a !== c)
        #expect(onClusterB.object.body == onClusterA.object.body)
        #expect(other.object["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example/agent:2.0")
    }

    /// Texts long enough to be kept deflated are found again by their bytes, and told apart from
    /// others of the same length and the same hash.
    @Test func deflatedTextsAreFoundAgainAndToldApart() {
        let texts = KeptTexts()
        let one = Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cluster-a-settings","namespace":"kube-system"}}"#.utf8)
        let other = Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cluster-b-settings","namespace":"kube-system"}}"#.utf8)
        let kept = texts.text(one, hash: 7)
        #expect(kept.json.keptCount < kept.json.textCount, "kept deflated")
        #expect(texts.text(one, hash: 7) === kept)
        let keptOther = texts.text(other, hash: 7)
        #expect(keptOther !== kept)
        #expect(keptOther.json.text == other)
        #expect(texts.text(other, hash: 7) === keptOther)
        #expect(texts.text(one, hash: 7) === kept)
        #expect(texts.count == 2)
    }

    /// Many callers keeping the same new text at once get one kept text (each deflates outside
    /// the table's lock; the table keeps the first and hands it to the others).
    @Test func callersKeepingOneTextAtOnceShareIt() async {
        let texts = KeptTexts()
        let bytes = Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cluster-a-settings","namespace":"kube-system"}}"#.utf8)
        let kept = await withTaskGroup(of: KeptTexts.Text.self) { group in
            for _ in 0..<64 { group.addTask { texts.text(bytes) } }
            var kept: [KeptTexts.Text] = []
            for await text in group { kept.append(text) }
            return kept
        }
        #expect(kept.count == 64)
        #expect(kept.allSatisfy { $0 === kept[0] })
        #expect(texts.count == 1)
    }

    /// The table holds its texts weakly: a text nobody keeps any more is swept out.
    @Test func aTextNobodyKeepsIsLetGo() {
        let texts = KeptTexts()
        var held: KeptTexts.Text? = texts.text(Array("{\"kind\":\"ConfigMap\"}".utf8))
        let again = texts.text(Array("{\"kind\":\"ConfigMap\"}".utf8))
        #expect(held === again)
        #expect(texts.count == 1)
        held = nil
        #expect(texts.count == 1, "still held by the second user")
        _ = consume again
        #expect(texts.count == 0)
        #expect(held == nil)
    }

    /// Many distinct texts, most let go: sweeps keep the table to what is held.
    @Test func sweepsKeepTheTableToWhatIsHeld() {
        let texts = KeptTexts()
        var kept: [KeptTexts.Text] = []
        for i in 0..<5_000 {
            let text = texts.text(Array("{\"n\":\(i)}".utf8))
            if i % 100 == 0 { kept.append(text) }
        }
        #expect(texts.count == 50)
        #expect(kept.allSatisfy { texts.text($0.json.text) === $0 })
    }
}
