import KubernetesModel
import Testing
@testable import AddonController

@Suite struct FieldPathRemovalTests {
    static let deployment: JSONValue = [
        "spec": [
            "replicas": 3,
            "template": ["spec": ["containers": [["name": "web", "image": "nginx:1", "ports": [["containerPort": 80, "protocol": "TCP"]]], ["name": "side", "image": "busybox"]]]],
        ],
        "metadata": ["finalizers": ["a", "b"], "labels": ["app.kubernetes.io/name": "x", "keep": "y"]],
        "data": ["a": "1"],
    ]

    @Test(arguments: [
        (".spec.replicas", ["spec", "replicas"]),
        (".data.a", ["data", "a"]),
        (".metadata.labels.app.kubernetes.io/name", ["metadata", "labels", "app.kubernetes.io/name"]),
    ] as [(String, [String])])
    func removesPlainFields(path: String, removedAt: [String]) {
        var value = Self.deployment
        #expect(FieldPathRemoval.remove(path, from: &value))
        #expect(value.value(at: removedAt) == nil)
        #expect(value["metadata"]["labels"]["keep"] == "y")
    }

    @Test func removesAFieldOfAKeyedListElement() {
        var value = Self.deployment
        #expect(FieldPathRemoval.remove(#".spec.template.spec.containers[name="web"].image"#, from: &value))
        #expect(value["spec"]["template"]["spec"]["containers"][0]["image"] == .null)
        #expect(value["spec"]["template"]["spec"]["containers"][0]["name"] == "web")
        #expect(value["spec"]["template"]["spec"]["containers"][1]["image"] == "busybox")
    }

    @Test func removesListElementsByCompoundKeyValueAndIndex() {
        var value = Self.deployment
        #expect(FieldPathRemoval.remove(#".spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"]"#, from: &value))
        #expect(value["spec"]["template"]["spec"]["containers"][0]["ports"] == [])
        #expect(FieldPathRemoval.remove(#".metadata.finalizers[="a"]"#, from: &value))
        #expect(value["metadata"]["finalizers"] == ["b"])
        #expect(FieldPathRemoval.remove(".spec.template.spec.containers[1]", from: &value))
        #expect(value["spec"]["template"]["spec"]["containers"].arrayValue?.count == 1)
    }

    @Test func unknownOrMalformedPathsRemoveNothing() {
        var value = Self.deployment
        #expect(!FieldPathRemoval.remove(".spec.missing", from: &value))
        #expect(!FieldPathRemoval.remove(#".spec.template.spec.containers[name="nope"].image"#, from: &value))
        #expect(!FieldPathRemoval.remove("spec[", from: &value))
        #expect(value == Self.deployment)
    }
}
