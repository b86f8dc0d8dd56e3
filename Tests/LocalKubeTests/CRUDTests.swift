import TestSupport
import KubernetesModel
import LocalKube
import Testing

@Suite struct CRUDTests {
    @Test func createFillsServerMetadataAndGetReturnsIt() async throws {
        try await LocalKubeFixture.with { f in
            let ns = try await f.create("/api/v1/namespaces", ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "crud"]])
            #expect(ns.status == 201)
            #expect(ns.body["metadata"]["labels"] == ["kubernetes.io/metadata.name": "crud"])
            #expect(ns.body["spec"]["finalizers"] == ["kubernetes"])
            #expect(ns.body["status"]["phase"] == "Active")
            let created = try await f.create("/api/v1/namespaces/crud/configmaps",
                                             ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c1", "labels": ["a": "b"]], "data": ["k": "v"]])
            #expect(created.status == 201)
            let metadata = created.body["metadata"]
            #expect(metadata["namespace"] == "crud")
            #expect(metadata["uid"].stringValue?.count == 36)
            #expect(metadata["resourceVersion"].stringValue != nil)
            #expect(metadata["creationTimestamp"].stringValue != nil)
            #expect(metadata["generation"].isNull)
            let managed = try #require(metadata["managedFields"].arrayValue?.first)
            #expect(managed["manager"] == "localkube-tests")
            #expect(managed["operation"] == "Update")
            #expect(managed["fieldsV1"] == ["f:data": [".": .emptyObject, "f:k": .emptyObject], "f:metadata": ["f:labels": [".": .emptyObject, "f:a": .emptyObject]]])
            let got = try await f.get("/api/v1/namespaces/crud/configmaps/c1")
            #expect(got.status == 200)
            #expect(got.body == created.body)
        }
    }

    /// SetDefaults_Secret runs on every write: a PUT without `type` keeps Opaque (it was refused
    /// as changing an immutable field), and a real change of type is still refused.
    @Test func aSecretUpdatedWithoutItsTypeStaysOpaque() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("sec")
            let created = try await f.create("/api/v1/namespaces/sec/secrets", ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"], "data": ["k": "dg=="]])
            #expect(created.status == 201)
            #expect(created.body["type"] == "Opaque")
            #expect(created.body["metadata"]["managedFields"][0]["fieldsV1"]["f:type"] == .emptyObject)
            let updated = try await f.request(.PUT, "/api/v1/namespaces/sec/secrets/s", body: ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"], "data": ["k": "dzI="]])
            #expect(updated.status == 200, "\(updated.text)")
            #expect(updated.body["type"] == "Opaque" && updated.body["data"]["k"] == "dzI=")
            let retyped = try await f.request(.PUT, "/api/v1/namespaces/sec/secrets/s",
                                              body: ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"], "type": "kubernetes.io/basic-auth",
                                                     "data": ["username": "dQ==", "password": "cA=="]])
            #expect(retyped.status == 422)
            #expect(retyped.statusObject?.message == "Secret \"s\" is invalid: type: Invalid value: \"kubernetes.io/basic-auth\": field is immutable")
        }
    }

    @Test func errorsAsTheRealServerAnswersThem() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("errs")
            _ = try await f.createConfigMap("errs", "c1")
            let exists = try await f.create("/api/v1/namespaces/errs/configmaps", ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c1"]])
            #expect(exists.status == 409)
            #expect(exists.statusObject?.reason == "AlreadyExists")
            let bad = try await f.create("/api/v1/namespaces/errs/configmaps", ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "Bad_Name"]])
            #expect(bad.status == 422)
            #expect(bad.statusObject?.reason == "Invalid")
            #expect(bad.statusObject?.details?.causes.first?.field == "metadata.name")
            #expect(bad.statusObject?.details?.causes.first?.reason == "FieldValueInvalid")
            let mismatch = try await f.create("/api/v1/namespaces/errs/configmaps", ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c2", "namespace": "other"]])
            #expect(mismatch.status == 400)
            let missing = try await f.get("/api/v1/namespaces/errs/configmaps/nope")
            #expect(missing.status == 404)
            #expect(missing.statusObject?.message == "configmaps \"nope\" not found")
            #expect(missing.statusObject?.details?.kind == "configmaps")
            let noNamespace = try await f.create("/api/v1/namespaces/absent/configmaps", ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c"]])
            #expect(noNamespace.status == 404)
            let unknown = try await f.get("/api/v1/namespaces/errs/widgets")
            #expect(unknown.status == 404)
            #expect(unknown.statusObject?.message == "the server could not find the requested resource")
        }
    }

    @Test func generateNamePicksAName() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("gen")
            let created = try await f.create("/api/v1/namespaces/gen/configmaps", ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["generateName": "gen-"]])
            #expect(created.status == 201)
            let name = try #require(created.body["metadata"]["name"].stringValue)
            #expect(name.hasPrefix("gen-"))
            #expect(name.count == 9)
        }
    }

    @Test func updateChecksTheResourceVersion() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("upd")
            let created = try await f.createConfigMap("upd", "c1", data: ["k": "1"])
            let rv = created["metadata"]["resourceVersion"]
            let first = try await f.request(.PUT, "/api/v1/namespaces/upd/configmaps/c1",
                                            body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c1", "resourceVersion": rv], "data": ["k": "2"]])
            #expect(first.status == 200)
            #expect(first.body["data"]["k"] == "2")
            #expect(first.body["metadata"]["resourceVersion"] != rv)
            let stale = try await f.request(.PUT, "/api/v1/namespaces/upd/configmaps/c1",
                                            body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c1", "resourceVersion": rv], "data": ["k": "3"]])
            #expect(stale.status == 409)
            #expect(stale.statusObject?.reason == "Conflict")
            #expect(stale.statusObject?.details?.causes.isEmpty == true)
            let unconditional = try await f.request(.PUT, "/api/v1/namespaces/upd/configmaps/c1",
                                                    body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c1"], "data": ["k": "4"]])
            #expect(unconditional.status == 200)
            #expect(unconditional.body["data"]["k"] == "4")
            #expect(unconditional.body["metadata"]["uid"] == created["metadata"]["uid"])
        }
    }

    @Test func statusSubresourceAndGeneration() async throws {
        try await LocalKubeFixture.with(settings: ClusterSettings(readinessDelay: .seconds(3600))) { f in
            try await f.createNamespace("gen-status")
            let path = "/apis/apps/v1/namespaces/gen-status/deployments/web"
            let deployment = """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                spec:
                  replicas: 1
                  selector:
                    matchLabels: {app: web}
                  template:
                    metadata:
                      labels: {app: web}
                    spec:
                      containers:
                      - name: main
                        image: nginx:1.25
                status:
                  replicas: 5
                """
            let created = try await f.apply(path, deployment, manager: "manager-a")
            #expect(created.status == 201)
            #expect(created.body["metadata"]["generation"] == 1)
            #expect(created.body["status"] == .emptyObject)
            #expect(created.body["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == "25%")
            var live = KubeObject(created.body)
            live.body.setValue(.int(9), at: ["status", "replicas"])
            live.body.setValue(.int(3), at: ["spec", "replicas"])
            let statusWrite = try await f.request(.PUT, path + "/status", body: live.body)
            #expect(statusWrite.status == 200)
            #expect(statusWrite.body["status"]["replicas"] == 9)
            #expect(statusWrite.body["spec"]["replicas"] == 1)
            #expect(statusWrite.body["metadata"]["generation"] == 1)
            var relabel = KubeObject(statusWrite.body)
            relabel.labels = ["x": "1"]
            relabel.body.setValue(.int(0), at: ["status", "replicas"])
            let metadataOnly = try await f.request(.PUT, path, body: relabel.body)
            #expect(metadataOnly.body["metadata"]["generation"] == 1)
            #expect(metadataOnly.body["status"]["replicas"] == 9)
            let scaled = try await f.apply(path, deployment.replacingOccurrences(of: "replicas: 1", with: "replicas: 2"), manager: "manager-a")
            #expect(scaled.body["metadata"]["generation"] == 2)
        }
    }

    @Test func deleteAnswersStatusThenNotFound() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("del")
            let created = try await f.createConfigMap("del", "c1")
            let deleted = try await f.delete("/api/v1/namespaces/del/configmaps/c1")
            #expect(deleted.status == 200)
            #expect(deleted.body["kind"] == "Status")
            #expect(deleted.body["status"] == "Success")
            #expect(deleted.body["details"] == ["name": "c1", "kind": "configmaps", "uid": created["metadata"]["uid"]])
            let again = try await f.delete("/api/v1/namespaces/del/configmaps/c1")
            #expect(again.status == 404)
        }
    }

    @Test func deleteWithUIDPrecondition() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("pre")
            let created = try await f.createConfigMap("pre", "c1")
            let wrong = try await f.delete("/api/v1/namespaces/pre/configmaps/c1",
                                           options: ["kind": "DeleteOptions", "apiVersion": "v1", "preconditions": ["uid": "00000000-0000-0000-0000-000000000000"]])
            #expect(wrong.status == 409)
            let right = try await f.delete("/api/v1/namespaces/pre/configmaps/c1",
                                           options: ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background", "preconditions": ["uid": created["metadata"]["uid"]]])
            #expect(right.status == 200)
        }
    }

    @Test func finalizersHoldADeletedObject() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("fin")
            let body: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c1", "finalizers": ["example.com/hold"]]]
            _ = try await f.create("/api/v1/namespaces/fin/configmaps", body)
            let deleted = try await f.delete("/api/v1/namespaces/fin/configmaps/c1")
            #expect(deleted.status == 200)
            #expect(deleted.body["kind"] == "ConfigMap")
            #expect(deleted.body["metadata"]["deletionTimestamp"].stringValue != nil)
            #expect(deleted.body["metadata"]["deletionGracePeriodSeconds"] == 0)
            let held = try await f.get("/api/v1/namespaces/fin/configmaps/c1")
            #expect(held.status == 200)
            var released = held.body
            released.removeValue(at: ["metadata", "finalizers"])
            let update = try await f.request(.PUT, "/api/v1/namespaces/fin/configmaps/c1", body: released)
            #expect(update.status == 200)
            let gone = try await f.get("/api/v1/namespaces/fin/configmaps/c1")
            #expect(gone.status == 404)
        }
    }

    @Test func deleteCollectionWithSelector() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("dc")
            for i in 0..<4 { _ = try await f.createConfigMap("dc", "cm\(i)", labels: ["set": i % 2 == 0 ? "a" : "b"]) }
            let deleted = try await f.request(.DELETE, "/api/v1/namespaces/dc/configmaps", query: ["labelSelector": "set=a"])
            #expect(deleted.status == 200)
            #expect(deleted.body["kind"] == "ConfigMapList")
            #expect(deleted.body["items"].arrayValue?.compactMap { $0["metadata"]["name"].stringValue } == ["cm0", "cm2"])
            let left = try await f.get("/api/v1/namespaces/dc/configmaps")
            #expect(left.body["items"].arrayValue?.compactMap { $0["metadata"]["name"].stringValue } == ["cm1", "cm3"])
        }
    }

    @Test func dryRunStoresNothing() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("dry")
            let created = try await f.create("/api/v1/namespaces/dry/configmaps", ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c1"]], query: ["dryRun": "All"])
            #expect(created.status == 201)
            let answer1 = try await f.get("/api/v1/namespaces/dry/configmaps/c1")
            #expect(answer1.status == 404)
            let applied = try await f.request(.PATCH, "/api/v1/namespaces/dry/configmaps/c2", query: ["fieldManager": "m", "dryRun": "All"],
                                              rawBody: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c2\ndata:\n  a: b\n", contentType: "application/apply-patch+yaml")
            #expect(applied.status == 201)
            #expect(applied.body["data"]["a"] == "b")
            let answer2 = try await f.get("/api/v1/namespaces/dry/configmaps/c2")
            #expect(answer2.status == 404)
        }
    }

    @Test func scaleSubresource() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("scale")
            let path = "/apis/apps/v1/namespaces/scale/deployments/web"
            _ = try await f.apply(path, SimulatedControllerTests.deployment("web", replicas: 2), manager: "m")
            let scale = try await f.get(path + "/scale")
            #expect(scale.body["kind"] == "Scale")
            #expect(scale.body["apiVersion"] == "autoscaling/v1")
            #expect(scale.body["spec"]["replicas"] == 2)
            #expect(scale.body["status"]["selector"] == "app=web")
            let patched = try await f.request(.PATCH, path + "/scale", body: ["spec": ["replicas": 5]], contentType: "application/merge-patch+json")
            #expect(patched.status == 200)
            #expect(patched.body["spec"]["replicas"] == 5)
            let deployment = try await f.get(path).body
            #expect(deployment["spec"]["replicas"] == 5)
            #expect(deployment["metadata"]["generation"] == 2)
            let resources = try await f.get("/apis/apps/v1").body["resources"].arrayValue ?? []
            let entry = try #require(resources.first { $0["name"] == "deployments/scale" })
            #expect(entry["group"] == "autoscaling")
            #expect(entry["kind"] == "Scale")
        }
    }
}
