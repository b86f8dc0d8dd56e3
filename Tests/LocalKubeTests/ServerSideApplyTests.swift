import TestSupport
import KubernetesModel
import LocalKube
import Testing

@Suite struct ServerSideApplyTests {
    private let path = "/api/v1/namespaces/ssa/configmaps/c1"

    @Test func applyCreatesThenConflictsThenForceMovesOwnership() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("ssa")
            let created = try await f.apply(path, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c1\ndata:\n  a: \"1\"\n", manager: "one")
            #expect(created.status == 201)
            #expect(created.body["metadata"]["managedFields"][0]["manager"] == "one")
            #expect(created.body["metadata"]["managedFields"][0]["operation"] == "Apply")
            let conflict = try await f.apply(path, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c1\ndata:\n  a: \"2\"\n", manager: "two")
            #expect(conflict.status == 409)
            let status = try #require(conflict.statusObject)
            #expect(status.message == "Apply failed with 1 conflict: conflict with \"one\": .data.a")
            #expect(status.details?.causes == [KubeStatus.Cause(reason: "FieldManagerConflict", message: "conflict with \"one\"", field: ".data.a")])
            let forced = try await f.apply(path, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c1\ndata:\n  a: \"2\"\n", manager: "two", force: true)
            #expect(forced.status == 200)
            #expect(forced.body["data"]["a"] == "2")
            let managers = forced.body["metadata"]["managedFields"].arrayValue?.compactMap { $0["manager"].stringValue } ?? []
            #expect(managers == ["two"])
        }
    }

    @Test func unchangedReapplyKeepsTheResourceVersion() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("ssa")
            let body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c1\ndata:\n  a: \"1\"\n"
            let first = try await f.apply(path, body, manager: "one")
            let writesBefore = await f.cluster.writeCount(resource: "configmaps")
            let second = try await f.apply(path, body, manager: "one")
            #expect(second.status == 200)
            #expect(second.body["metadata"]["resourceVersion"] == first.body["metadata"]["resourceVersion"])
            #expect(await f.cluster.writeCount(resource: "configmaps") == writesBefore + 1)
            #expect(await f.cluster.requestCount(verb: "patch", resource: "configmaps") == 2)
        }
    }

    @Test func applyErrorsAnswerLikeV124() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("ssa")
            let noManager = try await f.request(.PATCH, path, rawBody: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c1\n", contentType: "application/apply-patch+yaml")
            #expect(noManager.status == 422)
            #expect(noManager.statusObject?.details?.causes.first?.field == "fieldManager")
            let wrongType = try await f.apply("/apis/apps/v1/namespaces/ssa/deployments/web", """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                spec:
                  replicas: "two"
                """, manager: "one")
            #expect(wrongType.status == 500)
            #expect(wrongType.statusObject?.message.contains("failed to create typed patch object") == true)
            let forceOnMerge = try await f.request(.PATCH, path, query: ["force": "true", "fieldManager": "x"], body: ["data": ["a": "b"]],
                                                   contentType: "application/merge-patch+json")
            #expect(forceOnMerge.status == 422)
        }
    }

    @Test func clusterScopedApply() async throws {
        try await LocalKubeFixture.with { f in
            let answer = try await f.apply("/apis/rbac.authorization.k8s.io/v1/clusterroles/reader", """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata:
                  name: reader
                rules:
                - apiGroups: [""]
                  resources: ["pods"]
                  verbs: ["get"]
                """, manager: "one")
            #expect(answer.status == 201)
            #expect(answer.body["metadata"]["namespace"].isNull)
        }
    }
}
