import TestSupport
import KubernetesModel
import LocalKube
import Testing

/// Requests made with a user's token (`LocalKubeCluster.addUser`): authenticated as that user and
/// authorized by the cluster's RBAC objects, refused with the server's 403.
@Suite struct UserTokenTests {
    /// A namespace `p`, ClusterRole `clusters-reader` (get/list clusters.addon-manager.io) bound by
    /// RoleBinding `readers` in `p` to Group `team-p`.
    static func grantProjectReaders(_ f: LocalKubeFixture) async throws {
        try await f.createNamespace("p")
        let role = try await f.create("/apis/rbac.authorization.k8s.io/v1/clusterroles", [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": ["name": "clusters-reader"],
            "rules": [["apiGroups": ["addon-manager.io"], "resources": ["clusters"], "verbs": ["get", "list"]]],
        ])
        #expect(role.status == 201, "\(role.text)")
        let binding = try await f.create("/apis/rbac.authorization.k8s.io/v1/namespaces/p/rolebindings", [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": "readers"],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "clusters-reader"],
            "subjects": [["apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "team-p"]],
        ])
        #expect(binding.status == 201, "\(binding.text)")
    }

    @Test func userTokensAreAuthorizedByRBAC() async throws {
        try await LocalKubeFixture.with { f in
            try await Self.grantProjectReaders(f)
            let alice = f.cluster.addUser(name: "alice", groups: ["team-p"])
            let denied = try await f.request(.GET, "/api/v1/namespaces/p/configmaps", token: alice)
            #expect(denied.status == 403)
            #expect(denied.statusObject?.reason == "Forbidden")
            #expect(denied.statusObject?.message == "configmaps is forbidden: User \"alice\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"p\"")
            #expect(denied.body["details"] == ["kind": "configmaps"])
            let named = try await f.request(.DELETE, "/apis/apps/v1/namespaces/p/deployments/web", token: alice)
            #expect(named.statusObject?.message == "deployments.apps \"web\" is forbidden: User \"alice\" cannot delete resource \"deployments\" in API group \"apps\" in the namespace \"p\"")
            let cluster = try await f.request(.GET, "/api/v1/nodes", token: alice)
            #expect(cluster.statusObject?.message == "nodes is forbidden: User \"alice\" cannot list resource \"nodes\" in API group \"\" at the cluster scope")
            let path = try await f.request(.GET, "/metrics", token: alice)
            #expect(path.status == 403)
            #expect(path.statusObject?.message == "forbidden: User \"alice\" cannot get path \"/metrics\"")

            // Discovery and health are everyone's (the bootstrap policy); the granted resource is allowed.
            #expect(try await f.request(.GET, "/apis", token: alice).status == 200)
            #expect(try await f.request(.GET, "/readyz", token: alice).status == 200)
            let crd = try await f.request(.GET, "/apis/addon-manager.io/v1/namespaces/p/clusters", token: alice)
            #expect(crd.status == 404, "allowed, and then not found: no such resource here")

            // A grant made now applies to the next request.
            let grant = try await f.create("/api/v1/namespaces/p/configmaps", ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c"]])
            #expect(grant.status == 201)
            _ = try await f.create("/apis/rbac.authorization.k8s.io/v1/namespaces/p/roles", [
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "cm"],
                "rules": [["apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"], "resourceNames": ["c"]]],
            ])
            _ = try await f.create("/apis/rbac.authorization.k8s.io/v1/namespaces/p/rolebindings", [
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": "cm"],
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "cm"],
                "subjects": [["apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"]],
            ])
            let got = try await f.request(.GET, "/api/v1/namespaces/p/configmaps/c", token: alice)
            #expect(got.status == 200)
            #expect(got.body["metadata"]["name"] == "c")
            #expect(try await f.request(.GET, "/api/v1/namespaces/p/configmaps/other", token: alice).status == 403)

            // A token of another cluster is still refused; an unknown one too.
            let other = try await f.server.addCluster(name: "other")
            let stranger = other.addUser(name: "alice", groups: ["team-p"])
            #expect(try await f.request(.GET, "/apis", token: stranger).status == 401)
            #expect(try await f.request(.GET, "/apis", token: "nope").status == 401)
        }
    }
}
