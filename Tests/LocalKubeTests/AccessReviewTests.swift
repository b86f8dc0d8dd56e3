import TestSupport
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging
import Testing

/// TokenReview, SubjectAccessReview, SelfSubjectAccessReview and LocalSubjectAccessReview over
/// HTTPS with the project's client.
@Suite struct AccessReviewTests {
    static let tokenReview = GroupVersionKind(group: "authentication.k8s.io", version: "v1", kind: "TokenReview")

    /// A client of the fixture's cluster with `token` (the admin token when nil).
    static func client(_ f: LocalKubeFixture, token: String? = nil) throws -> KubernetesClient {
        var logger = Logger(label: "access-review-tests")
        logger.logLevel = .critical
        var connection = try Kubeconfig.parse(try f.server.kubeconfig(for: f.cluster.name), file: nil).connection()
        if let token { connection.credentials = .bearerToken(token) }
        return try KubernetesClient(connection: connection, logger: logger)
    }

    static func withClient<T>(_ f: LocalKubeFixture, token: String? = nil, _ body: (KubernetesClient) async throws -> T) async throws -> T {
        let client = try client(f, token: token)
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body(client)) } catch { outcome = .failure(error) }
        try? await client.shutdown()
        return try outcome.get()
    }

    static func review(_ kind: String, _ spec: JSONValue, group: String = "authorization.k8s.io", namespace: String? = nil) -> KubeObject {
        var object = KubeObject(["apiVersion": .string("\(group)/v1"), "kind": .string(kind), "metadata": .emptyObject, "spec": spec])
        if let namespace { object.body.setValue(.string(namespace), at: ["metadata", "namespace"]) }
        return object
    }

    static func resourceAttributes(_ verb: String, _ resource: String, group: String = "", namespace: String? = nil, name: String? = nil) -> JSONValue {
        var attributes: JSONValue = ["verb": .string(verb), "group": .string(group), "resource": .string(resource)]
        if let namespace { attributes["namespace"] = .string(namespace) }
        if let name { attributes["name"] = .string(name) }
        return attributes
    }

    /// The CRD of `clusters.addon-manager.io` (namespaced), established: kubectl names a resource by
    /// group only when discovery knows it.
    static func installClustersCRD(_ f: LocalKubeFixture) async throws {
        let created = try await f.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": ["name": "clusters.addon-manager.io"],
            "spec": ["group": "addon-manager.io", "scope": "Namespaced",
                     "names": ["plural": "clusters", "singular": "cluster", "kind": "Cluster", "listKind": "ClusterList"],
                     "versions": [["name": "v1", "served": true, "storage": true,
                                   "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]]]],
        ])
        #expect(created.status == 201, "\(created.text)")
        _ = try await f.eventually("the CRD to be established") {
            let crd = try await f.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/clusters.addon-manager.io").body
            return crd["status"]["conditions"].arrayValue?.contains { $0["type"] == "Established" && $0["status"] == "True" } == true ? true : nil
        }
    }

    @Test func tokenReviewAnswersWhoATokenIs() async throws {
        try await LocalKubeFixture.with { f in
            let token = f.cluster.addUser(name: "alice", groups: ["team-p"])
            try await Self.withClient(f) { client in
                let alice = try await client.create(Self.review("TokenReview", ["token": .string(token)], group: "authentication.k8s.io"),
                                                    options: WriteOptions(fieldManager: "status-api"))
                #expect(alice["status"]["authenticated"] == true)
                #expect(alice["status"]["user"]["username"] == "alice")
                #expect(alice["status"]["user"]["groups"] == ["team-p", "system:authenticated"])
                #expect(!(alice["status"]["user"]["uid"].stringValue ?? "").isEmpty)
                #expect(alice["status"]["audiences"] == ["https://kubernetes.default.svc.cluster.local"])
                #expect(alice["metadata"]["creationTimestamp"] == .null)
                let managed = alice["metadata"]["managedFields"]
                #expect(managed.arrayValue?.count == 1)
                #expect(managed[0]["manager"] == "status-api")
                #expect(managed[0]["operation"] == "Update")
                #expect(managed[0]["apiVersion"] == "authentication.k8s.io/v1")
                #expect(managed[0]["fieldsV1"] == ["f:spec": ["f:token": .emptyObject]])

                let again = try await client.create(Self.review("TokenReview", ["token": .string(f.cluster.addUser(name: "alice", groups: ["team-p"]))],
                                                                group: "authentication.k8s.io"), options: WriteOptions(fieldManager: "status-api"))
                #expect(again["status"]["user"]["uid"] == alice["status"]["user"]["uid"], "one user, one uid")

                let admin = try await client.create(Self.review("TokenReview", ["token": .string(f.cluster.token)], group: "authentication.k8s.io"),
                                                    options: WriteOptions(fieldManager: "status-api"))
                #expect(admin["status"]["user"]["groups"] == ["system:masters", "system:authenticated"])

                // Unknown: not authenticated (the server leaves `authenticated` out), no error text, an empty user.
                let unknown = try await client.create(Self.review("TokenReview", ["token": "localkube-not-a-token"], group: "authentication.k8s.io"),
                                                      options: WriteOptions(fieldManager: "status-api"))
                #expect(unknown["status"] == ["user": .emptyObject])

                // Audiences: the server's own is echoed; a token is not valid for another audience.
                let mine = try await client.create(Self.review("TokenReview", ["token": .string(token), "audiences": ["https://kubernetes.default.svc.cluster.local", "other"]],
                                                               group: "authentication.k8s.io"), options: WriteOptions(fieldManager: "status-api"))
                #expect(mine["status"]["audiences"] == ["https://kubernetes.default.svc.cluster.local"])
                let foreign = try await client.create(Self.review("TokenReview", ["token": .string(token), "audiences": ["other"]], group: "authentication.k8s.io"),
                                                      options: WriteOptions(fieldManager: "status-api"))
                #expect(foreign["status"]["authenticated"].isNull)
            }
            // Nothing is stored, and the token never reaches the request log.
            #expect(await f.cluster.objects(group: "authentication.k8s.io", resource: "tokenreviews").isEmpty)
        }
    }

    @Test func tokenReviewWithoutTokenIsABadRequestAndOtherVerbsAreNotAllowed() async throws {
        try await LocalKubeFixture.with { f in
            let empty = try await f.create("/apis/authentication.k8s.io/v1/tokenreviews", ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": .emptyObject])
            #expect(empty.status == 400)
            #expect(empty.statusObject?.message == "token is required for TokenReview in authentication")
            let list = try await f.get("/apis/authentication.k8s.io/v1/tokenreviews")
            #expect(list.status == 405)
            #expect(list.statusObject?.reason == "MethodNotAllowed")
        }
    }

    @Test func subjectAccessReviewEvaluatesRBAC() async throws {
        try await LocalKubeFixture.with { f in
            try await UserTokenTests.grantProjectReaders(f)
            try await Self.withClient(f) { client in
                func review(_ spec: JSONValue) async throws -> JSONValue {
                    try await client.create(Self.review("SubjectAccessReview", spec), options: WriteOptions(fieldManager: "status-api"))["status"]
                }
                let allowed = try await review(["user": "alice", "groups": ["team-p"],
                                                "resourceAttributes": Self.resourceAttributes("get", "clusters", group: "addon-manager.io", namespace: "p", name: "c1")])
                #expect(allowed == ["allowed": true, "reason": "RBAC: allowed by RoleBinding \"readers/p\" of ClusterRole \"clusters-reader\" to Group \"team-p\""])
                let otherNamespace = try await review(["user": "alice", "groups": ["team-p"],
                                                       "resourceAttributes": Self.resourceAttributes("get", "clusters", group: "addon-manager.io", namespace: "q")])
                #expect(otherNamespace == ["allowed": false])
                let otherVerb = try await review(["user": "alice", "groups": ["team-p"],
                                                  "resourceAttributes": Self.resourceAttributes("delete", "clusters", group: "addon-manager.io", namespace: "p")])
                #expect(otherVerb == ["allowed": false])
                let masters = try await review(["user": "root", "groups": ["system:masters"], "nonResourceAttributes": ["path": "/metrics", "verb": "get"]])
                #expect(masters == ["allowed": true])
                let discovery = try await review(["user": "bob", "groups": ["system:authenticated"], "nonResourceAttributes": ["path": "/apis", "verb": "get"]])
                #expect(discovery["allowed"] == true)

                // Validation as the server: one kind of attributes, a subject.
                await #expect { try await review(["user": "alice"]) } throws: { error in
                    let e = error as? KubernetesError
                    return e?.kind == .invalid && e?.status?.message
                        == "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified"
                }
                await #expect { try await review(["resourceAttributes": Self.resourceAttributes("get", "pods")]) } throws: { error in
                    (error as? KubernetesError)?.status?.message
                        == "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.user: Invalid value: \"\": at least one of user or group must be specified"
                }
            }
            let both = try await f.create("/apis/authorization.k8s.io/v1/subjectaccessreviews", [
                "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "metadata": ["name": "named"],
                "spec": ["user": "alice", "resourceAttributes": ["verb": "get", "resource": "pods"], "nonResourceAttributes": ["path": "/x", "verb": "get"]],
            ])
            #expect(both.status == 422)
            let causes = both.statusObject?.details?.causes.map { "\($0.field ?? ""): \($0.message ?? "")" } ?? []
            #expect(causes.first == "spec.nonResourceAttributes: Invalid value: authorization.NonResourceAttributes{Path:\"/x\", Verb:\"get\"}: cannot be specified in combination with resourceAttributes")
            #expect(causes.count == 2)
            #expect(causes.last?.hasPrefix("metadata: Invalid value: v1.ObjectMeta{Name:\"named\", ") == true)
            #expect(causes.last?.hasSuffix(": must be empty") == true)
        }
    }

    @Test func selfAndLocalSubjectAccessReviews() async throws {
        try await LocalKubeFixture.with { f in
            try await UserTokenTests.grantProjectReaders(f)
            let token = f.cluster.addUser(name: "alice", groups: ["team-p"])
            try await Self.withClient(f, token: token) { client in
                let mine = try await client.create(
                    Self.review("SelfSubjectAccessReview", ["resourceAttributes": Self.resourceAttributes("list", "clusters", group: "addon-manager.io", namespace: "p")]),
                    options: WriteOptions(fieldManager: "status-api"))
                #expect(mine["status"]["allowed"] == true)
                #expect(mine["status"]["reason"] == "RBAC: allowed by RoleBinding \"readers/p\" of ClusterRole \"clusters-reader\" to Group \"team-p\"")
                #expect(mine["spec"] == ["resourceAttributes": ["verb": "list", "group": "addon-manager.io", "resource": "clusters", "namespace": "p"]])
                let elsewhere = try await client.create(
                    Self.review("SelfSubjectAccessReview", ["resourceAttributes": Self.resourceAttributes("list", "clusters", group: "addon-manager.io", namespace: "q")]),
                    options: WriteOptions(fieldManager: "status-api"))
                #expect(elsewhere["status"] == ["allowed": false])
                // Alice may not ask about others.
                await #expect { try await client.create(Self.review("SubjectAccessReview", ["user": "bob", "nonResourceAttributes": ["path": "/", "verb": "get"]]),
                                                        options: WriteOptions(fieldManager: "status-api")) } throws: { error in
                    (error as? KubernetesError)?.kind == .forbidden
                }
            }
            try await Self.withClient(f) { client in
                let local = try await client.create(
                    Self.review("LocalSubjectAccessReview", ["user": "alice", "groups": ["team-p"],
                                                             "resourceAttributes": Self.resourceAttributes("get", "clusters", group: "addon-manager.io", namespace: "p")], namespace: "p"),
                    options: WriteOptions(fieldManager: "status-api"))
                #expect(local["status"]["allowed"] == true)
                #expect(local["metadata"]["namespace"] == "p")
            }
            let mismatch = try await f.create("/apis/authorization.k8s.io/v1/namespaces/p/localsubjectaccessreviews", [
                "apiVersion": "authorization.k8s.io/v1", "kind": "LocalSubjectAccessReview",
                "spec": ["user": "alice", "resourceAttributes": ["verb": "get", "resource": "pods", "namespace": "q"]],
            ])
            #expect(mismatch.status == 422)
            #expect(mismatch.statusObject?.message == "LocalSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes.namespace: Invalid value: \"q\": must match metadata.namespace")
        }
    }

    @Test func discoveryListsTheReviewKinds() async throws {
        try await LocalKubeFixture.with { f in
            let authentication = try await f.get("/apis/authentication.k8s.io/v1")
            #expect(authentication.body["resources"] == [["name": "tokenreviews", "singularName": "", "namespaced": false, "kind": "TokenReview", "verbs": ["create"]]])
            let authorization = try await f.get("/apis/authorization.k8s.io/v1")
            #expect(authorization.body["resources"].arrayValue?.compactMap { $0["name"].stringValue }
                == ["localsubjectaccessreviews", "selfsubjectaccessreviews", "subjectaccessreviews"])
            let groups = try await f.get("/apis")
            let names = groups.body["groups"].arrayValue?.compactMap { $0["name"].stringValue } ?? []
            #expect(Array(names.prefix(5)) == ["apiregistration.k8s.io", "apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io"])
            let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
            let aggregated = try await f.request(.GET, "/apis", accept: accept)
            let group = try #require(aggregated.body["items"].arrayValue?.first { $0["metadata"]["name"] == "authorization.k8s.io" })
            let sar = try #require(group["versions"][0]["resources"].arrayValue?.first { $0["resource"] == "subjectaccessreviews" })
            #expect(sar["verbs"] == ["create"])
            #expect(sar["scope"] == "Cluster")
        }
    }
}
