import TestSupport
import KubernetesModel
import LocalKube
import Testing

@Suite struct ListTests {
    private func names(_ answer: LocalKubeFixture.Answer) -> [String] {
        answer.body["items"].arrayValue?.compactMap { $0["metadata"]["name"].stringValue } ?? []
    }

    private func seed(_ f: LocalKubeFixture, _ namespace: String) async throws {
        try await f.createNamespace(namespace)
        for i in 0..<7 {
            _ = try await f.createConfigMap(namespace, "cm\(i)", labels: ["set": i % 2 == 0 ? "b" : "a", "i": String(i)], data: ["k": String(i)])
        }
    }

    @Test func listShape() async throws {
        try await LocalKubeFixture.with { f in
            try await seed(f, "shape")
            let list = try await f.get("/api/v1/namespaces/shape/configmaps")
            #expect(list.body["kind"] == "ConfigMapList")
            #expect(list.body["apiVersion"] == "v1")
            #expect(list.body["metadata"]["resourceVersion"].stringValue != nil)
            let first = try #require(list.body["items"].arrayValue?.first)
            #expect(first["kind"].isNull)
            #expect(first["apiVersion"].isNull)
            #expect(names(list) == (0..<7).map { "cm\($0)" })
        }
    }

    @Test func paginationWithLimitAndContinue() async throws {
        try await LocalKubeFixture.with { f in
            try await seed(f, "pages")
            let page1 = try await f.get("/api/v1/namespaces/pages/configmaps", query: ["limit": "3"])
            #expect(names(page1) == ["cm0", "cm1", "cm2"])
            #expect(page1.body["metadata"]["remainingItemCount"] == 4)
            let token1 = try #require(page1.body["metadata"]["continue"].stringValue)
            let page2 = try await f.get("/api/v1/namespaces/pages/configmaps", query: ["limit": "3", "continue": token1])
            #expect(names(page2) == ["cm3", "cm4", "cm5"])
            let token2 = try #require(page2.body["metadata"]["continue"].stringValue)
            let page3 = try await f.get("/api/v1/namespaces/pages/configmaps", query: ["limit": "3", "continue": token2])
            #expect(names(page3) == ["cm6"])
            #expect(page3.body["metadata"]["continue"].isNull)
            let bad = try await f.get("/api/v1/namespaces/pages/configmaps", query: ["limit": "3", "continue": "garbage"])
            #expect(bad.status == 400)
            #expect(bad.statusObject?.message.hasPrefix("invalid continue token") == true)
            await f.cluster.compactHistory()
            _ = try await f.createConfigMap("pages", "later")
            await f.cluster.compactHistory()
            let expired = try await f.get("/api/v1/namespaces/pages/configmaps", query: ["limit": "3", "continue": token1])
            #expect(expired.status == 410)
            #expect(expired.statusObject?.reason == "Expired")
        }
    }

    @Test func labelSelectors() async throws {
        try await LocalKubeFixture.with { f in
            try await seed(f, "labels")
            let path = "/api/v1/namespaces/labels/configmaps"
            let selected1 = names(try await f.get(path, query: ["labelSelector": "set=a"]))
            #expect(selected1 == ["cm1", "cm3", "cm5"])
            let selected2 = names(try await f.get(path, query: ["labelSelector": "set!=a"]))
            #expect(selected2 == ["cm0", "cm2", "cm4", "cm6"])
            let selected3 = names(try await f.get(path, query: ["labelSelector": "i in (1,2)"]))
            #expect(selected3 == ["cm1", "cm2"])
            let selected4 = names(try await f.get(path, query: ["labelSelector": "i notin (0,1,2,3,4)"]))
            #expect(selected4 == ["cm5", "cm6"])
            let selected5 = names(try await f.get(path, query: ["labelSelector": "set=b,i in (0,6)"]))
            #expect(selected5 == ["cm0", "cm6"])
            let selected6 = names(try await f.get(path, query: ["labelSelector": "missing"]))
            #expect(selected6 == [])
            let selected7 = names(try await f.get(path, query: ["labelSelector": "!missing"]))
            #expect(selected7.count == 7)
        }
    }

    @Test func fieldSelectorsAndAllNamespaces() async throws {
        try await LocalKubeFixture.with { f in
            try await seed(f, "fields-a")
            try await f.createNamespace("fields-b")
            _ = try await f.createConfigMap("fields-b", "cm1")
            let byName = try await f.get("/api/v1/configmaps", query: ["fieldSelector": "metadata.name=cm1"])
            #expect(byName.body["items"].arrayValue?.map { $0["metadata"]["namespace"] } == ["fields-a", "fields-b"])
            let byNamespace = try await f.get("/api/v1/configmaps", query: ["fieldSelector": "metadata.namespace=fields-b"])
            #expect(names(byNamespace) == ["cm1"])
            let excluded = try await f.get("/api/v1/namespaces/fields-a/configmaps", query: ["fieldSelector": "metadata.name!=cm0"])
            #expect(names(excluded).count == 6)
            let namespaces = try await f.get("/api/v1/namespaces")
            #expect(Set(names(namespaces)).isSuperset(of: ["default", "kube-system", "kube-public", "kube-node-lease", "fields-a", "fields-b"]))
        }
    }

    @Test func tableAnswerForKubectl() async throws {
        try await LocalKubeFixture.with { f in
            let table = try await f.request(.GET, "/api/v1/namespaces", accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
            #expect(table.body["kind"] == "Table")
            #expect(table.body["columnDefinitions"].arrayValue?.first?["name"] == "Name")
            #expect(table.body["rows"].arrayValue?.contains { $0["cells"][0] == "kube-system" && $0["cells"][1] == "Active" } == true)
            let nodes = try await f.request(.GET, "/api/v1/nodes", accept: "application/json;as=Table;v=v1;g=meta.k8s.io")
            #expect(nodes.body["columnDefinitions"].arrayValue?.compactMap { $0["name"].stringValue } == ["Name", "Status", "Roles", "Age", "Version"])
            #expect(nodes.body["rows"][0]["cells"][1] == "Ready")
            #expect(nodes.body["rows"][0]["object"]["kind"] == "PartialObjectMetadata")
        }
    }
}
