import TestSupport
import KubernetesModel
import LocalKube
import Testing

@Suite struct CustomResourceTests {
    static let crd: JSONValue = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "widgets.example.com"],
        "spec": [
            "group": "example.com", "scope": "Namespaced",
            "names": ["plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList", "shortNames": ["wi"]],
            "versions": [[
                "name": "v1", "served": true, "storage": true, "subresources": ["status": .emptyObject],
                "schema": ["openAPIV3Schema": [
                    "type": "object",
                    "properties": [
                        "spec": ["type": "object", "properties": ["size": ["type": "integer"], "mode": ["type": "string"]]],
                        "status": ["type": "object", "properties": ["ok": ["type": "boolean"]]],
                    ],
                ]],
            ]],
        ],
    ]

    private func establish(_ f: LocalKubeFixture) async throws -> JSONValue {
        let created = try await f.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", Self.crd)
        #expect(created.status == 201)
        #expect(created.body["spec"]["conversion"] == ["strategy": "None"])
        #expect(created.body["status"]["storedVersions"] == ["v1"])
        return try await f.eventually("the CRD to be established") {
            let crd = try await f.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com").body
            let established = crd["status"]["conditions"].arrayValue?.contains { $0["type"] == "Established" && $0["status"] == "True" } ?? false
            return established ? crd : JSONValue?.none
        }
    }

    @Test func establishedCRDServesItsKind() async throws {
        try await LocalKubeFixture.with { f in
            let crd = try await establish(f)
            let conditions = crd["status"]["conditions"].arrayValue ?? []
            #expect(conditions.contains { $0["type"] == "NamesAccepted" && $0["status"] == "True" && $0["reason"] == "NoConflicts" })
            #expect(crd["status"]["acceptedNames"]["kind"] == "Widget")
            let groups = try await f.get("/apis")
            #expect(groups.body["groups"].arrayValue?.contains { $0["name"] == "example.com" } == true)
            let resources = try await f.get("/apis/example.com/v1")
            let widgets = try #require(resources.body["resources"].arrayValue?.first { $0["name"] == "widgets" })
            #expect(widgets["singularName"] == "widget")
            #expect(widgets["shortNames"] == ["wi"])
            #expect(resources.body["resources"].arrayValue?.contains { $0["name"] == "widgets/status" } == true)

            try await f.createNamespace("cr")
            let object = try await f.apply("/apis/example.com/v1/namespaces/cr/widgets/w1",
                                           "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n", manager: "one")
            #expect(object.status == 201)
            #expect(object.body["metadata"]["generation"] == 1)
            let status = try await f.apply("/apis/example.com/v1/namespaces/cr/widgets/w1/status",
                                           "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nstatus:\n  ok: true\n", manager: "reporter")
            #expect(status.status == 200)
            #expect(status.body["status"]["ok"] == true)
            #expect(status.body["metadata"]["generation"] == 1)
            let list = try await f.get("/apis/example.com/v1/namespaces/cr/widgets")
            #expect(list.body["kind"] == "WidgetList")
            #expect(list.body["items"][0]["kind"] == "Widget")
        }
    }

    @Test func deletingTheCRDRemovesItsObjectsAndKind() async throws {
        try await LocalKubeFixture.with { f in
            _ = try await establish(f)
            try await f.createNamespace("cr")
            _ = try await f.apply("/apis/example.com/v1/namespaces/cr/widgets/w1", "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\n", manager: "one")
            let deleted = try await f.delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")
            #expect(deleted.status == 200)
            #expect(await f.cluster.objects(group: "example.com", resource: "widgets").isEmpty)
            let gone = try await f.get("/apis/example.com/v1/namespaces/cr/widgets")
            #expect(gone.status == 404)
        }
    }

    @Test func unknownCustomKindIsNotServed() async throws {
        try await LocalKubeFixture.with { f in
            let answer = try await f.apply("/apis/nothing.example.com/v1/namespaces/default/doodads/d1",
                                           "apiVersion: nothing.example.com/v1\nkind: Doodad\nmetadata:\n  name: d1\n", manager: "m")
            #expect(answer.status == 404)
        }
    }
}
