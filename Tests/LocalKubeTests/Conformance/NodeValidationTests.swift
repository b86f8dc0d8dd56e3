import KubernetesModel
import TestSupport
import Testing

/// Nodes as the v1.24 server validates them: taints (under `metadata.taints`, as upstream
/// reports them) and a provider ID that never changes once set.
@Suite struct NodeValidationTests {
    static let nodes = "/api/v1/nodes"

    static func node(_ name: String, _ spec: JSONValue) -> JSONValue {
        ["apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(name)], "spec": spec]
    }

    @Test func taintsAreCheckedAsTheServerWordsIt() async throws {
        try await LocalKubeFixture.with { f in
            let bad = try await f.create(Self.nodes, Self.node("n1", ["taints": [
                ["key": "-gpu", "value": "yes please", "effect": "Never"],
                ["key": "dedicated", "effect": ""],
                ["key": "dedicated", "value": "web", "effect": "NoSchedule"],
                ["key": "dedicated", "value": "db", "effect": "NoSchedule"],
            ]]))
            #expect(bad.status == 422)
            #expect(bad.body["message"].stringValue == "Node \"n1\" is invalid: ["
                    + "metadata.taints[0].key: Invalid value: \"-gpu\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'), "
                    + "metadata.taints[0].value: Invalid value: \"yes please\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?'), "
                    + "metadata.taints[0].effect: Unsupported value: \"Never\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\", "
                    + "metadata.taints[1].effect: Required value, "
                    + "metadata.taints[3]: Duplicate value: core.Taint{Key:\"dedicated\", Value:\"db\", Effect:\"NoSchedule\", TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair]")
        }
    }

    @Test func aSetProviderIDNeverChanges() async throws {
        try await LocalKubeFixture.with { f in
            #expect(try await f.create(Self.nodes, Self.node("n2", [:])).status == 201)
            let set = try await f.request(.PATCH, "\(Self.nodes)/n2", rawBody: #"{"spec":{"providerID":"openstack:///a1"}}"#, contentType: "application/merge-patch+json")
            #expect(set.status == 200, "\(set.text)")
            let moved = try await f.request(.PATCH, "\(Self.nodes)/n2", rawBody: #"{"spec":{"providerID":"openstack:///b2"}}"#, contentType: "application/merge-patch+json")
            #expect(moved.status == 422)
            #expect(moved.body["message"] == "Node \"n2\" is invalid: spec.providerID: Forbidden: node updates may not change providerID except from \"\" to valid")
        }
    }
}
