import KubernetesModel
import Testing

/// The runner's own rules: normalisation as the kube-conformance README says, and comparison
/// with its exceptions.
@Suite struct ConformanceRunnerTests {
    static let uidA = "0b7f8e3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
    static let uidB = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"

    @Test func normalisesUIDsResourceVersionsAndServerValues() {
        var normaliser = ConformanceNormaliser()
        let object: JSONValue = [
            "kind": "Service",
            "metadata": [
                "name": "web-x7k2p", "generateName": "web-", "uid": .string(Self.uidA), "resourceVersion": "42",
                "creationTimestamp": "2026-01-01T00:00:00Z",
                "ownerReferences": [["uid": .string(Self.uidB), "name": "owner"]],
                "labels": ["controller-uid": .string(Self.uidB)],
            ],
            "spec": ["clusterIP": "10.0.0.7", "clusterIPs": ["10.0.0.7"], "ports": [["nodePort": 31234, "port": 80]]],
            "status": ["conditions": [["lastTransitionTime": "2026-01-01T00:00:00Z", "message": "at 0xc000a1b2c3 for web-x7k2p"]]],
        ]
        let normalised = normaliser.normalise(object)
        #expect(normalised["metadata"]["uid"] == "<uid:1>")
        #expect(normalised["metadata"]["ownerReferences"][0]["uid"] == "<uid:2>")
        #expect(normalised["metadata"]["labels"]["controller-uid"] == "<uid:2>")
        #expect(normalised["metadata"]["resourceVersion"] == "<rv:1>")
        #expect(normalised["metadata"]["name"] == "web-<random5>")
        #expect(normalised["metadata"]["creationTimestamp"] == "<time>")
        #expect(normalised["spec"]["clusterIP"] == "<ip>")
        #expect(normalised["spec"]["clusterIPs"] == ["<ip>"])
        #expect(normalised["spec"]["ports"][0]["nodePort"] == "<port>")
        #expect(normalised["spec"]["ports"][0]["port"] == 80)
        #expect(normalised["status"]["conditions"][0]["lastTransitionTime"] == "<time>")
        #expect(normalised["status"]["conditions"][0]["message"] == "at <ptr> for web-<random5>")

        // Numbering carries over the case: the same uid and resourceVersion keep their numbers, new ones count on.
        let later = normaliser.normalise(["metadata": ["uid": .string(Self.uidA), "resourceVersion": "43"]])
        #expect(later["metadata"]["uid"] == "<uid:1>")
        #expect(later["metadata"]["resourceVersion"] == "<rv:2>")
        let again = normaliser.normalise(["metadata": ["resourceVersion": "42"]])
        #expect(again["metadata"]["resourceVersion"] == "<rv:1>")
    }

    @Test func normalisesListMetadataAndKeepsHeadlessClusterIP() {
        var normaliser = ConformanceNormaliser()
        let list = normaliser.normalise([
            "kind": "ConfigMapList", "metadata": ["resourceVersion": "77", "continue": ""],
            "items": [["metadata": ["resourceVersion": "70"]], ["spec": ["clusterIP": "None"]]],
        ])
        #expect(list["metadata"]["resourceVersion"] == "<list-rv>")
        #expect(list["metadata"]["continue"] == "<continue>")
        #expect(list["items"][0]["metadata"]["resourceVersion"] == "<rv:1>")
        #expect(list["items"][1]["spec"]["clusterIP"] == "None")
    }

    @Test func placeholderNumbersMustCorrespondOneToOne() {
        var comparison = ConformanceComparison()
        // This server numbered two new uids the other way round: accepted, the correspondence is fixed from here on.
        #expect(comparison.compare(expected: ["a": "<uid:1>", "b": "<uid:2>"], actual: ["a": "<uid:2>", "b": "<uid:1>"]).isEmpty)
        #expect(comparison.compare(expected: ["a": "<uid:1>"], actual: ["a": "<uid:2>"]).isEmpty)
        let broken = comparison.compare(expected: ["a": "<uid:1>"], actual: ["a": "<uid:1>"])
        #expect(broken.map(\.path) == [".a"])
        // "unchanged" stays visible: one recorded rv may not stand for two of this server's.
        var rvs = ConformanceComparison()
        #expect(rvs.compare(expected: ["rv": "<rv:1>"], actual: ["rv": "<rv:1>"]).isEmpty)
        #expect(!rvs.compare(expected: ["rv": "<rv:1>"], actual: ["rv": "<rv:2>"]).isEmpty)
    }

    @Test func differencesNameThePathAndBothValues() {
        var comparison = ConformanceComparison()
        let differences = comparison.compare(
            expected: ["data": ["a": "1"], "list": [1, 2], "metadata": ["labels": ["app.kubernetes.io/name": "x"]]],
            actual: ["data": ["a": "2", "b": "3"], "list": [1], "metadata": ["labels": ["app.kubernetes.io/name": "y"]]])
        let byPath = Dictionary(differences.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byPath[".data.a"]?.expected == "\"1\"")
        #expect(byPath[".data.a"]?.actual == "\"2\"")
        #expect(byPath[".data.b"]?.expected == "(absent)")
        #expect(byPath[".list[1]"]?.actual == "(absent)")
        #expect(byPath[".metadata.labels[\"app.kubernetes.io/name\"]"] != nil)
    }

    @Test func managedFieldsCompareWhateverTheirOrder() {
        var comparison = ConformanceComparison()
        let a: JSONValue = ["manager": "a", "operation": "Apply", "apiVersion": "v1", "fieldsV1": ["f:data": ["f:x": [:]]]]
        let b: JSONValue = ["manager": "b", "operation": "Update", "apiVersion": "v1", "fieldsV1": ["f:data": ["f:y": [:]]]]
        #expect(comparison.compare(expected: ["metadata": ["managedFields": [a, b]]], actual: ["metadata": ["managedFields": [b, a]]]).isEmpty)
        let missing = comparison.compare(expected: ["metadata": ["managedFields": [a, b]]], actual: ["metadata": ["managedFields": [a]]])
        #expect(missing.map(\.path) == [".metadata.managedFields[Update b v1]"])
    }

    @Test func statusCausesConflictBlocksAndInvalidListsCompareInAnyOrder() {
        var comparison = ConformanceComparison()
        let cause1: JSONValue = ["field": ".data.a", "reason": "FieldManagerConflict"]
        let cause2: JSONValue = ["field": ".data.c", "reason": "FieldManagerConflict"]
        let expected: JSONValue = [
            "kind": "Status", "reason": "Conflict", "details": ["causes": [cause1, cause2]],
            "message": "Apply failed with 2 conflicts: conflicts with \"one\":\n- .data.a\nconflicts with \"two\":\n- .data.c",
        ]
        let actual: JSONValue = [
            "kind": "Status", "reason": "Conflict", "details": ["causes": [cause2, cause1]],
            "message": "Apply failed with 2 conflicts: conflicts with \"two\":\n- .data.c\nconflicts with \"one\":\n- .data.a",
        ]
        #expect(comparison.compare(expected: expected, actual: actual).isEmpty)
        var wrongCause = actual
        wrongCause.setValue([cause1, cause1], at: ["details", "causes"])
        #expect(comparison.compare(expected: expected, actual: wrongCause).map(\.path) == [".details.causes (as a set)"])

        let invalid: JSONValue = ["kind": "Status", "reason": "Invalid", "message": "Service \"s\" is invalid: [spec.a: Required value, spec.b: Invalid value: 0: must be positive]"]
        var reordered = invalid
        reordered["message"] = "Service \"s\" is invalid: [spec.b: Invalid value: 0: must be positive, spec.a: Required value]"
        #expect(comparison.compare(expected: invalid, actual: reordered).isEmpty)
        var other = invalid
        other["message"] = "Service \"s\" is invalid: [spec.b: Invalid value: 0: must be positive]"
        #expect(comparison.compare(expected: invalid, actual: other).map(\.path) == [".message"])
    }

    @Test func discoveryComparesWhatBothServersList() {
        var comparison = ConformanceComparison()
        let pods: JSONValue = ["name": "pods", "kind": "Pod", "namespaced": true]
        let bindings: JSONValue = ["name": "bindings", "kind": "Binding", "namespaced": true]
        let expected: JSONValue = ["kind": "APIResourceList", "groupVersion": "v1", "resources": [bindings, pods]]
        #expect(comparison.compare(expected: expected, actual: ["kind": "APIResourceList", "groupVersion": "v1", "resources": [pods]]).isEmpty)
        var wrongPods = pods
        wrongPods["namespaced"] = false
        let differences = comparison.compare(expected: expected, actual: ["kind": "APIResourceList", "groupVersion": "v1", "resources": [wrongPods]])
        #expect(differences.map(\.path) == [".resources[name=pods].namespaced"])
        #expect(comparison.compareKeys(expected: ["major": "1", "minor": "24"], actual: ["major": "1", "minor": "30"]).isEmpty)
        #expect(!comparison.compareKeys(expected: ["major": "1", "minor": "24"], actual: ["major": "1"]).isEmpty)
    }

    @Test func knownDifferencesTableIsRead() throws {
        let table = try KnownDifferences.parse("""
            | case | step | path | reason |
            |------|------|------|--------|
            | * | * | .status | workload status |
            | crud/x | 3 | .metadata.managedFields[Update kube-controller-manager | controller writes |
            """)
        #expect(table.entries.count == 2)
        #expect(table.entry(caseID: "any/case", step: 9, path: ".status.replicas") != nil)
        #expect(table.entry(caseID: "any/case", step: 9, path: ".statusText") == nil)
        #expect(table.entry(caseID: "crud/x", step: 3, path: ".metadata.managedFields[Update kube-controller-manager apps/v1 status]") != nil)
        #expect(table.entry(caseID: "crud/x", step: 4, path: ".metadata.managedFields[Update kube-controller-manager apps/v1 status]") == nil)
        #expect(throws: KnownDifferencesError.self) { try KnownDifferences.parse("| a | 1 | .x | |") }
    }
}
