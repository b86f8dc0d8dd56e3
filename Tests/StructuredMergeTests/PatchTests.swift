import KubernetesModel
import Testing
@testable import StructuredMerge

/// The three non-apply patch types, with the recorded cases' inputs and outputs.
struct PatchTests {
    @Test func mergePatchNullDeletesAndObjectsMerge() throws {
        let live: JSONValue = ["metadata": ["name": "c1", "labels": ["x": "1"]], "data": ["a": "1", "b": "2"]]
        let patched = try JSONMergePatch.apply(["data": ["a": nil, "c": "3"], "metadata": ["labels": ["y": "2"]]], to: live)
        #expect(patched == ["metadata": ["name": "c1", "labels": ["x": "1", "y": "2"]], "data": ["b": "2", "c": "3"]])
        #expect(try JSONMergePatch.apply(["list": [1]], to: ["list": [1, 2]]) == ["list": [1]])
        #expect(throws: StructuredMergeError.self) { try JSONMergePatch.apply([1, 2], to: live) }
        #expect(throws: StructuredMergeError.self) { try JSONMergePatch.apply(body: Array("{".utf8), to: live) }
    }

    @Test func jsonPatchOperations() throws {
        let live: JSONValue = ["data": ["a": "1"], "list": ["x", "y"]]
        let patched = try JSONPatch.apply(try JSONValue.parse("""
            [{"op": "add", "path": "/data/b", "value": "2"}, {"op": "remove", "path": "/data/a"},
             {"op": "add", "path": "/list/-", "value": "z"}, {"op": "add", "path": "/list/0", "value": "w"},
             {"op": "replace", "path": "/list/1", "value": "X"}, {"op": "copy", "from": "/data/b", "path": "/data/c"},
             {"op": "move", "from": "/data/c", "path": "/data/d"}, {"op": "test", "path": "/data/d", "value": "2"},
             {"op": "add", "path": "/data/a~1b", "value": "slash"}]
            """), to: live)
        #expect(patched == ["data": ["b": "2", "d": "2", "a/b": "slash"], "list": ["w", "X", "y", "z"]])
    }

    @Test func jsonPatchFailuresAreTheServersAnswers() throws {
        let live: JSONValue = ["data": ["b": "2"]]
        let failedTest = #expect(throws: StructuredMergeError.self) {
            try JSONPatch.apply([["op": "test", "path": "/data/b", "value": "nope"]], to: live)
        }
        #expect(failedTest?.code == 422)
        #expect(failedTest?.status.json == [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "code": 422, "reason": "Invalid",
            "message": "the server rejected our request due to an error in our request", "details": [:],
        ])
        let missing = #expect(throws: StructuredMergeError.self) { try JSONPatch.apply([["op": "remove", "path": "/data/zz"]], to: live) }
        #expect(missing?.code == 422)
        #expect(missing?.detail?.contains("missing") == true)
        let notAList = #expect(throws: StructuredMergeError.self) { try JSONPatch.apply(["op": "add"], to: live) }
        #expect(notAList?.code == 400)
        let badOp = #expect(throws: StructuredMergeError.self) { try JSONPatch.apply([["op": "frobnicate", "path": "/a"]], to: live) }
        #expect(badOp?.code == 422)
    }

    static let deployment = Fixtures.type("apps/v1", "Deployment")

    static func containers(_ names: [String]) -> JSONValue {
        ["spec": ["template": ["spec": ["containers": .array(names.map { ["name": .string($0), "image": .string($0 + ":1")] })]]]]
    }

    @Test func strategicMergeMergesContainersByNameNewFirst() throws {
        let patched = try StrategicMergePatch.apply(["spec": ["template": ["spec": ["containers": [["name": "side", "image": "busybox:1.36"]]]]]],
                                                    to: Self.containers(["main"]), type: Self.deployment)
        #expect(patched["spec"]["template"]["spec"]["containers"].arrayValue?.map { $0["name"] } == ["side", "main"])
        // An item that exists is merged in place and keeps its position.
        let merged = try StrategicMergePatch.apply(["spec": ["template": ["spec": ["containers": [["name": "b", "image": "new"]]]]]],
                                                   to: Self.containers(["a", "b", "c"]), type: Self.deployment)
        let list = merged["spec"]["template"]["spec"]["containers"]
        #expect(list.arrayValue?.map { $0["name"] } == ["a", "b", "c"])
        #expect(list[1]["image"] == "new")
    }

    @Test func strategicMergeDirectives() throws {
        let live = Self.containers(["a", "b"])
        let deleted = try StrategicMergePatch.apply(["spec": ["template": ["spec": ["containers": [["name": "a", "$patch": "delete"]]]]]],
                                                    to: live, type: Self.deployment)
        #expect(deleted["spec"]["template"]["spec"]["containers"].arrayValue?.map { $0["name"] } == ["b"])
        let replaced = try StrategicMergePatch.apply(
            ["spec": ["template": ["spec": ["containers": [["$patch": "replace"], ["name": "z", "image": "z"]]]]]], to: live, type: Self.deployment)
        #expect(replaced["spec"]["template"]["spec"]["containers"] == [["name": "z", "image": "z"]])
        let replacedMap = try StrategicMergePatch.apply(["spec": ["template": ["spec": ["$patch": "replace", "hostname": "h"]]]], to: live,
                                                        type: Self.deployment)
        #expect(replacedMap["spec"]["template"]["spec"] == ["hostname": "h"])
        let ordered = try StrategicMergePatch.apply(
            ["spec": ["template": ["spec": ["$setElementOrder/containers": [["name": "b"], ["name": "a"]], "containers": [["name": "a", "image": "x"]]]]]],
            to: live, type: Self.deployment)
        #expect(ordered["spec"]["template"]["spec"]["containers"].arrayValue?.count == 2)
        #expect(ordered["spec"]["template"]["spec"]["$setElementOrder/containers"].isNull)
        let nulled = try StrategicMergePatch.apply(["spec": ["template": nil]], to: live, type: Self.deployment)
        #expect(nulled["spec"]["template"].isNull)
        #expect(throws: StructuredMergeError.self) {
            try StrategicMergePatch.apply(["spec": ["$patch": "explode"]], to: live, type: Self.deployment)
        }
    }

    @Test func strategicMergeOfListsWithoutMergeStrategyReplaces() throws {
        let live: JSONValue = ["spec": ["template": ["spec": ["tolerations": [["key": "a"]], "containers": [["name": "m", "args": ["1", "2"]]]]]]]
        let patched = try StrategicMergePatch.apply(
            ["spec": ["template": ["spec": ["tolerations": [["key": "b"]], "containers": [["name": "m", "args": ["3"]]]]]]], to: live, type: Self.deployment)
        #expect(patched["spec"]["template"]["spec"]["tolerations"] == [["key": "b"]])
        #expect(patched["spec"]["template"]["spec"]["containers"][0]["args"] == ["3"])
    }

    @Test func strategicMergeOfScalarSetsUnionsAndDeletes() throws {
        let ns = Fixtures.type("v1", "Pod")
        let live: JSONValue = ["metadata": ["finalizers": ["a", "b"]]]
        let added = try StrategicMergePatch.apply(["metadata": ["finalizers": ["c", "a"]]], to: live, type: ns)
        #expect(added["metadata"]["finalizers"] == ["c", "a", "b"])
        let removed = try StrategicMergePatch.apply(["metadata": ["$deleteFromPrimitiveList/finalizers": ["a"]]], to: live, type: ns)
        #expect(removed["metadata"]["finalizers"] == ["b"])
    }
}
