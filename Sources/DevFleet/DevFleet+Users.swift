import AddonController
import KubernetesClient
import KubernetesModel
import LocalKube

/// Users of the dev management plane, as a platform would grant them with RBAC: a project's
/// user may see its Clusters and ClusterAddons (the status API asks the management plane exactly
/// that), an operator may see every project's.
extension DevFleet {
    public struct User: Sendable {
        public var name: String
        public var token: String
        /// The project the user may see; nil for an operator (every project).
        public var project: String?
    }

    /// The ClusterRole a project's RoleBinding grants: read Clusters and ClusterAddons.
    public static let viewerRole = "addon-manager-project-viewer"

    /// A user who may see `project` (created with its namespace if need be): a RoleBinding in the
    /// project to the viewer ClusterRole.
    public func addProjectUser(_ name: String, project: String) async throws -> User {
        try await ensureViewerRole()
        _ = try await management.apply(KubeObject(apiVersion: "v1", kind: "Namespace", name: project),
                                       options: ApplyOptions(fieldManager: "addon-manager-dev", force: true))
        var binding = KubeObject(apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", name: "\(name)-views-clusters", namespace: project)
        binding["roleRef"] = ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": .string(Self.viewerRole)]
        binding["subjects"] = [["apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": .string(name)]]
        _ = try await management.apply(binding, options: ApplyOptions(fieldManager: "addon-manager-dev", force: true))
        return User(name: name, token: try await managementUserToken(name, groups: ["\(project)-team"]), project: project)
    }

    /// A user who may see every project: a ClusterRoleBinding to the viewer ClusterRole.
    public func addOperator(_ name: String) async throws -> User {
        try await ensureViewerRole()
        var binding = KubeObject(apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", name: "\(name)-views-all-clusters")
        binding["roleRef"] = ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": .string(Self.viewerRole)]
        binding["subjects"] = [["apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": .string(name)]]
        _ = try await management.apply(binding, options: ApplyOptions(fieldManager: "addon-manager-dev", force: true))
        return User(name: name, token: try await managementUserToken(name, groups: ["platform-operators"]), project: nil)
    }

    private func ensureViewerRole() async throws {
        var role = KubeObject(apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", name: Self.viewerRole)
        role["rules"] = [["apiGroups": .array([.string(ManagementKinds.group)]), "resources": ["clusters", "clusteraddons"], "verbs": ["get", "list", "watch"]]]
        _ = try await management.apply(role, options: ApplyOptions(fieldManager: "addon-manager-dev", force: true))
    }

    /// A bearer token the management plane accepts for `name` (a TokenReview says who it is).
    private func managementUserToken(_ name: String, groups: [String]) async throws -> String {
        guard let cluster = server.cluster(named: Self.managementName) else { throw DevFleetError("users need the management plane this LocalKube serves (not one given with --management-kubeconfig)") }
        return cluster.addUser(name: name, groups: groups)
    }
}

public struct DevFleetError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
