import TestSupport
import KubernetesModel
import LocalKube
import Testing

@Suite struct NamespaceAndGarbageTests {
    @Test func deletingANamespaceTerminatesItThenRemovesItsContent() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("doomed")
            _ = try await f.createConfigMap("doomed", "inside")
            _ = try await f.create("/api/v1/namespaces/doomed/configmaps",
                                   ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "held", "finalizers": ["example.com/hold"]]])
            let deleted = try await f.delete("/api/v1/namespaces/doomed")
            #expect(deleted.status == 200)
            #expect(deleted.body["status"]["phase"] == "Terminating")
            #expect(deleted.body["metadata"]["deletionTimestamp"].stringValue != nil)
            let late = try await f.create("/api/v1/namespaces/doomed/configmaps", ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "late"]])
            #expect(late.status == 403)
            #expect(late.statusObject?.details?.causes.first?.reason == "NamespaceTerminating")
            try await f.eventually("the unheld object to go") {
                try await f.get("/api/v1/namespaces/doomed/configmaps/inside").status == 404 ? true : nil
            }
            let answer1 = try await f.get("/api/v1/namespaces/doomed")
            #expect(answer1.status == 200)
            var held = try await f.get("/api/v1/namespaces/doomed/configmaps/held").body
            #expect(held["metadata"]["deletionTimestamp"].stringValue != nil)
            held.removeValue(at: ["metadata", "finalizers"])
            _ = try await f.request(.PUT, "/api/v1/namespaces/doomed/configmaps/held", body: held)
            try await f.eventually("the namespace to go") {
                try await f.get("/api/v1/namespaces/doomed").status == 404 ? true : nil
            }
        }
    }

    @Test func dependentsOfADeletedOwnerAreCollected() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("gc")
            let owner = try await f.createConfigMap("gc", "owner")
            let reference: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"]]
            _ = try await f.create("/api/v1/namespaces/gc/secrets",
                                   ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "dependent", "ownerReferences": [reference]]])
            _ = try await f.create("/api/v1/namespaces/gc/secrets",
                                   ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "orphan-kept", "ownerReferences": [reference]]])
            var kept = try await f.get("/api/v1/namespaces/gc/secrets/orphan-kept").body
            kept.removeValue(at: ["metadata", "ownerReferences"])
            _ = try await f.request(.PUT, "/api/v1/namespaces/gc/secrets/orphan-kept", body: kept)
            _ = try await f.delete("/api/v1/namespaces/gc/configmaps/owner", options: ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"])
            try await f.eventually("the dependent to be collected") {
                try await f.get("/api/v1/namespaces/gc/secrets/dependent").status == 404 ? true : nil
            }
            let answer2 = try await f.get("/api/v1/namespaces/gc/secrets/orphan-kept")
            #expect(answer2.status == 200)
        }
    }

    @Test func orphanPropagationKeepsDependents() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("orphan")
            let owner = try await f.createConfigMap("orphan", "owner")
            let reference: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"]]
            _ = try await f.create("/api/v1/namespaces/orphan/secrets",
                                   ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "dependent", "ownerReferences": [reference]]])
            _ = try await f.delete("/api/v1/namespaces/orphan/configmaps/owner", options: ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Orphan"])
            try await f.eventually("the owner to go") {
                try await f.get("/api/v1/namespaces/orphan/configmaps/owner").status == 404 ? true : nil
            }
            let dependent = try await f.get("/api/v1/namespaces/orphan/secrets/dependent")
            #expect(dependent.status == 200)
            #expect(dependent.body["metadata"]["ownerReferences"].isNull)
        }
    }
}
