import TestSupport
import Foundation
import KubernetesModel
import LocalKube
import Testing

/// `kubectl get` of custom resources shows what a real server's table shows: each
/// additionalPrinterColumn evaluated (filters included), dates as ages, columns described.
@Suite struct PrinterColumnTests {
    /// The printer columns of the product's Cluster CRD, on a test group.
    static let crd: JSONValue = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "fleets.example.com"],
        "spec": [
            "group": "example.com", "scope": "Namespaced",
            "names": ["plural": "fleets", "singular": "fleet", "kind": "Fleet", "listKind": "FleetList"],
            "versions": [[
                "name": "v1", "served": true, "storage": true, "subresources": ["status": .emptyObject],
                "additionalPrinterColumns": [
                    ["name": "Channel", "type": "string", "jsonPath": ".spec.channel"],
                    ["name": "Size", "type": "integer", "jsonPath": ".spec.size", "description": "How many clusters.", "priority": 1],
                    ["name": "Addons-Healthy", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"AddonsHealthy\")].status"],
                    ["name": "Reason", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"AddonsHealthy\")].reason"],
                    ["name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"],
                ],
                "schema": ["openAPIV3Schema": [
                    "type": "object",
                    "properties": [
                        "spec": ["type": "object", "properties": ["channel": ["type": "string"], "size": ["type": "integer"]]],
                        "status": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                    ],
                ]],
            ]],
        ],
    ]

    private func fleet(_ f: LocalKubeFixture) async throws {
        #expect(try await f.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", Self.crd).status == 201)
        _ = try await f.eventually("the CRD to be established") {
            let crd = try await f.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/fleets.example.com").body
            return crd["status"]["conditions"].arrayValue?.contains { $0["type"] == "Established" && $0["status"] == "True" } == true ? true : nil
        }
        try await f.createNamespace("fleet")
        let created = try await f.apply("/apis/example.com/v1/namespaces/fleet/fleets/dev-1",
                                        "apiVersion: example.com/v1\nkind: Fleet\nmetadata:\n  name: dev-1\nspec:\n  channel: stable\n  size: 3\n", manager: "test")
        #expect(created.status == 201)
        let status = try await f.apply("/apis/example.com/v1/namespaces/fleet/fleets/dev-1/status", """
            apiVersion: example.com/v1
            kind: Fleet
            metadata:
              name: dev-1
            status:
              conditions:
              - {type: Ready, status: "False", reason: Waiting}
              - {type: AddonsHealthy, status: "True", reason: AllHealthy}
            """, manager: "controller")
        #expect(status.status == 200)
    }

    @Test func tableOverHTTPDescribesAndFillsEachColumn() async throws {
        try await LocalKubeFixture.with { f in
            try await fleet(f)
            let table = try await f.request(.GET, "/apis/example.com/v1/namespaces/fleet/fleets",
                                            accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
            #expect(table.body["kind"] == "Table")
            let columns = table.body["columnDefinitions"].arrayValue ?? []
            #expect(columns.map { $0["name"] } == ["Name", "Channel", "Size", "Addons-Healthy", "Reason", "Age"])
            #expect(columns.first?["format"] == "name")
            #expect(columns.first?["description"].stringValue?.hasPrefix("Name must be unique within a namespace. Is required when creating resources") == true)
            #expect(columns[1] == ["name": "Channel", "type": "string", "format": "", "priority": 0,
                                   "description": "Custom resource definition column (in JSONPath format): .spec.channel"])
            #expect(columns[2]["description"] == "How many clusters.")
            #expect(columns[2]["priority"] == 1)
            #expect(columns[5]["type"] == "date")
            let cells = table.body["rows"][0]["cells"].arrayValue ?? []
            #expect(cells.count == 6)
            #expect(Array(cells.prefix(5)) == ["dev-1", "stable", 3, "True", "AllHealthy"])
            let age = cells.last?.stringValue ?? ""
            #expect(age.hasSuffix("s") && Int(age.dropLast()) != nil, "\(age)")
        }
    }

    /// As the server's table convertor: the first column whose JSONPath does not parse ends the columns.
    @Test func unparsableColumnEndsTheTable() async throws {
        try await LocalKubeFixture.with { f in
            var crd = Self.crd
            var versions = crd["spec"]["versions"].arrayValue ?? []
            versions[0]["additionalPrinterColumns"] = [["name": "Channel", "type": "string", "jsonPath": ".spec.channel"],
                                                       ["name": "Broken", "type": "string", "jsonPath": ".spec.list[1"],
                                                       ["name": "Size", "type": "integer", "jsonPath": ".spec.size"]]
            crd.setValue(.array(versions), at: ["spec", "versions"])
            #expect(try await f.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).status == 201)
            _ = try await f.eventually("the CRD to be established") {
                let crd = try await f.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/fleets.example.com").body
                return crd["status"]["conditions"].arrayValue?.contains { $0["type"] == "Established" && $0["status"] == "True" } == true ? true : nil
            }
            let table = try await f.request(.GET, "/apis/example.com/v1/fleets", accept: "application/json;as=Table;v=v1;g=meta.k8s.io")
            #expect(table.body["columnDefinitions"].arrayValue?.map { $0["name"] } == ["Name", "Channel"])
        }
    }

    @Test(.enabled(if: KubectlRunner.shouldRun, "kubectl is not installed"))
    func kubectlGetShowsConditionsAndAge() async throws {
        try await LocalKubeFixture.with { f in
            try await fleet(f)
            let kubectl = try KubectlRunner(server: f.server, cluster: "test")
            let got = try await kubectl.run(["get", "fleets", "-A"])
            #expect(got.status == 0, "\(got.error)")
            let lines = got.output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            #expect(lines.first == ["NAMESPACE", "NAME", "CHANNEL", "ADDONS-HEALTHY", "REASON", "AGE"], "\(got.output)")
            let row = try #require(lines.dropFirst().first)
            #expect(Array(row.prefix(5)) == ["fleet", "dev-1", "stable", "True", "AllHealthy"], "\(got.output)")
            let age = row.last ?? ""
            #expect(age.hasSuffix("s") && Int(age.dropLast()) != nil, "AGE is \(age)")

            let wide = try await kubectl.run(["get", "fleets", "-n", "fleet", "-o", "wide"])
            #expect(wide.output.split(separator: "\n").first?.split(separator: " ", omittingEmptySubsequences: true)
                        == ["NAME", "CHANNEL", "SIZE", "ADDONS-HEALTHY", "REASON", "AGE"], "\(wide.output)")
        }
    }
}
