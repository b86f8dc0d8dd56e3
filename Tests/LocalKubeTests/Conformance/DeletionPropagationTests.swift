import TestSupport
import KubernetesModel
import LocalKube
import Testing

/// What the API server itself does on a DELETE with a propagation policy (beyond the recorded
/// cases): it adds the garbage collector's finalizer, marks the object and moves its generation
/// on; LocalKube's simulated garbage collector then finishes the deletion.
@Suite struct DeletionPropagationTests {
    @Test func foregroundDeletionMarksTheOwnerThenRemovesDependentsAndOwner() async throws {
        try await LocalKubeFixture.with { fixture in
            try await fixture.createNamespace("fg")
            let owner = try await fixture.createConfigMap("fg", "owner")
            let uid = try #require(owner["metadata"]["uid"].stringValue)
            let dependent: JSONValue = [
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": ["name": "dependent", "ownerReferences": [["apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": .string(uid)]]],
            ]
            #expect(try await fixture.create("/api/v1/namespaces/fg/configmaps", dependent).status == 201)

            let answer = try await fixture.request(.DELETE, "/api/v1/namespaces/fg/configmaps/owner", query: ["propagationPolicy": "Foreground"])
            #expect(answer.status == 200)
            #expect(answer.body["kind"] == "ConfigMap")
            #expect(answer.body["metadata"]["finalizers"] == ["foregroundDeletion"])
            #expect(answer.body["metadata"]["deletionTimestamp"].stringValue != nil)
            #expect(answer.body["metadata"]["deletionGracePeriodSeconds"] == 0)

            #expect(try await fixture.get("/api/v1/namespaces/fg/configmaps/dependent").status == 404)
            #expect(try await fixture.get("/api/v1/namespaces/fg/configmaps/owner").status == 404)
        }
    }

    @Test func markingAnObjectForDeletionMovesItsGenerationOn() async throws {
        try await LocalKubeFixture.with { fixture in
            try await fixture.createNamespace("gen")
            let yaml = """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                  finalizers: [example.com/hold]
                spec:
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      containers: [{name: main, image: nginx}]
                """
            let created = try await fixture.apply("/apis/apps/v1/namespaces/gen/deployments/web", yaml, manager: "test")
            #expect(created.body["metadata"]["generation"] == 1)
            let answer = try await fixture.delete("/apis/apps/v1/namespaces/gen/deployments/web")
            #expect(answer.status == 200)
            #expect(answer.body["metadata"]["generation"] == 2)
            #expect(answer.body["metadata"]["finalizers"] == ["example.com/hold"])
        }
    }
}
