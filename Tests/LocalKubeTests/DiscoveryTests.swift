import TestSupport
import KubernetesModel
import LocalKube
import Testing

@Suite struct DiscoveryTests {
    @Test func versionAndHealth() async throws {
        try await LocalKubeFixture.with { f in
            let version = try await f.get("/version")
            #expect(version.status == 200)
            #expect(Set(version.body.objectValue?.keys.map { $0 } ?? []) == ["major", "minor", "gitVersion", "gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler", "platform"])
            for path in ["/healthz", "/readyz", "/livez"] {
                let health = try await f.get(path)
                #expect(health.status == 200)
                #expect(health.text == "ok")
            }
        }
    }

    @Test func coreGroupAndResources() async throws {
        try await LocalKubeFixture.with { f in
            let api = try await f.get("/api")
            #expect(api.body["kind"] == "APIVersions")
            #expect(api.body["versions"] == ["v1"])
            let v1 = try await f.get("/api/v1")
            let resources = v1.body["resources"].arrayValue ?? []
            let namespaces = try #require(resources.first { $0["name"] == "namespaces" })
            #expect(namespaces["namespaced"] == false)
            #expect(namespaces["shortNames"] == ["ns"])
            #expect(namespaces["verbs"] == ["create", "delete", "get", "list", "patch", "update", "watch"])
            let configmaps = try #require(resources.first { $0["name"] == "configmaps" })
            #expect(configmaps["namespaced"] == true)
            #expect(configmaps["kind"] == "ConfigMap")
            #expect(resources.contains { $0["name"] == "pods/status" })
        }
    }

    @Test func groupsAndGroupVersions() async throws {
        try await LocalKubeFixture.with { f in
            let apis = try await f.get("/apis")
            #expect(apis.body["kind"] == "APIGroupList")
            let groups = apis.body["groups"].arrayValue ?? []
            let apps = try #require(groups.first { $0["name"] == "apps" })
            #expect(apps["preferredVersion"] == ["groupVersion": "apps/v1", "version": "v1"])
            for name in ["batch", "rbac.authorization.k8s.io", "apiextensions.k8s.io", "storage.k8s.io", "networking.k8s.io", "policy",
                         "scheduling.k8s.io", "coordination.k8s.io", "admissionregistration.k8s.io", "events.k8s.io", "apiregistration.k8s.io", "autoscaling"] {
                #expect(groups.contains { $0["name"].stringValue == name }, "group \(name)")
            }
            let appsV1 = try await f.get("/apis/apps/v1")
            #expect(appsV1.body["kind"] == "APIResourceList")
            #expect(appsV1.body["groupVersion"] == "apps/v1")
            let deployments = try #require(appsV1.body["resources"].arrayValue?.first { $0["name"] == "deployments" })
            #expect(deployments["shortNames"] == ["deploy"])
            #expect(deployments["categories"] == ["all"])
            let group = try await f.get("/apis/apps")
            #expect(group.body["kind"] == "APIGroup")
            let unknown = try await f.get("/apis/nope.example.com/v1/widgets")
            #expect(unknown.status == 404)
            #expect(unknown.text == "404 page not found\n")
        }
    }

    @Test func aggregatedDiscoveryWhenAskedForAndTheGroupListOtherwise() async throws {
        try await LocalKubeFixture.with { f in
            let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
            let aggregated = try await f.request(.GET, "/apis", accept: accept)
            #expect(aggregated.status == 200)
            #expect(aggregated.header("Content-Type") == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
            #expect(aggregated.body["kind"] == "APIGroupDiscoveryList")
            let apps = try #require(aggregated.body["items"].arrayValue?.first { $0["metadata"]["name"] == "apps" })
            let deployments = try #require(apps["versions"][0]["resources"].arrayValue?.first { $0["resource"] == "deployments" })
            #expect(deployments["scope"] == "Namespaced")
            #expect(deployments["responseKind"]["kind"] == "Deployment")
            #expect(deployments["subresources"].arrayValue?.compactMap { $0["subresource"].stringValue } == ["scale", "status"])
            let core = try await f.request(.GET, "/api", accept: accept)
            #expect(core.body["items"][0]["metadata"]["name"] == "")
            #expect(core.body["items"][0]["versions"][0]["version"] == "v1")
            let plain = try await f.request(.GET, "/apis", accept: "application/json")
            #expect(plain.header("Content-Type") == "application/json")
            #expect(plain.body["kind"] == "APIGroupList")
        }
    }

    @Test func openAPIV3DeclaresFieldValidationForEveryKind() async throws {
        try await LocalKubeFixture.with { f in
            let root = try await f.get("/openapi/v3")
            let entry = try #require(root.body["paths"]["apis/apps/v1"]["serverRelativeURL"].stringValue)
            let path = String(entry.split(separator: "?")[0])
            let doc = try await f.get(path)
            let patch = doc.body["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
            #expect(patch["x-kubernetes-group-version-kind"] == ["group": "apps", "version": "v1", "kind": "Deployment"])
            #expect(patch["parameters"].arrayValue?.contains { $0["name"] == "fieldValidation" } == true)
            #expect(!doc.body["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"].isNull)
        }
    }

    @Test func bearerTokenIsRequired() async throws {
        try await LocalKubeFixture.with { f in
            let answer = try await f.request(.GET, "/api/v1/namespaces", token: "wrong")
            #expect(answer.status == 401)
            #expect(answer.statusObject?.reason == "Unauthorized")
        }
    }

    @Test func clustersAreIndependent() async throws {
        try await LocalKubeFixture.with { f in
            let other = try await f.server.addCluster(name: "other")
            try await f.createNamespace("only-in-test")
            #expect(await f.cluster.object(resource: "namespaces", name: "only-in-test") != nil)
            #expect(await other.object(resource: "namespaces", name: "only-in-test") == nil)
            let crossToken = try await f.request(.GET, "/api/v1/namespaces", token: other.token)
            #expect(crossToken.status == 401)
            let kubeconfig = try f.server.kubeconfig(for: "other")
            #expect(kubeconfig.contains("server: \(other.baseURL)"))
            #expect(kubeconfig.contains("token: \(other.token)"))
            #expect(kubeconfig.contains("certificate-authority-data:"))
            await f.server.removeCluster(name: "other")
            #expect(f.server.cluster(named: "other") == nil)
        }
    }
}
