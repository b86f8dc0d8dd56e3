import KubernetesModel
@testable import LocalKube
import Testing

/// The RBAC evaluator against the real authorizer's semantics (plugin/pkg/auth/authorizer/rbac and
/// pkg/apis/rbac/v1/evaluation_helpers.go), one row per rule or binding behaviour.
@Suite struct RBACAuthorizerTests {
    static let alice = UserInfo(name: "alice", groups: ["devs", "system:authenticated"])
    static let robot = UserInfo(name: "system:serviceaccount:p:robot", groups: ["system:serviceaccounts", "system:serviceaccounts:p", "system:authenticated"])

    static func rule(_ verbs: [String], groups: [String] = [""], resources: [String] = [], names: [String] = [], urls: [String] = []) -> JSONValue {
        var r: JSONValue = ["verbs": .array(verbs.map(JSONValue.string))]
        if urls.isEmpty {
            r["apiGroups"] = .array(groups.map(JSONValue.string))
            r["resources"] = .array(resources.map(JSONValue.string))
        } else {
            r["nonResourceURLs"] = .array(urls.map(JSONValue.string))
        }
        if !names.isEmpty { r["resourceNames"] = .array(names.map(JSONValue.string)) }
        return r
    }

    static func role(_ kind: String, _ name: String, namespace: String? = nil, labels: [String: String] = [:], rules: [JSONValue],
                     aggregating: [[String: String]]? = nil) -> JSONValue {
        var metadata: JSONValue = ["name": .string(name)]
        if let namespace { metadata["namespace"] = .string(namespace) }
        if !labels.isEmpty { metadata["labels"] = .object(labels.mapValues(JSONValue.string)) }
        var role: JSONValue = ["kind": .string(kind), "metadata": metadata, "rules": .array(rules)]
        if let aggregating {
            role["aggregationRule"] = ["clusterRoleSelectors": .array(aggregating.map { ["matchLabels": .object($0.mapValues(JSONValue.string))] })]
        }
        return role
    }

    static func subject(_ kind: String, _ name: String, namespace: String? = nil) -> JSONValue {
        var s: JSONValue = ["kind": .string(kind), "name": .string(name)]
        if kind != "ServiceAccount" { s["apiGroup"] = "rbac.authorization.k8s.io" }
        if let namespace { s["namespace"] = .string(namespace) }
        return s
    }

    static func binding(_ kind: String, _ name: String, namespace: String? = nil, roleKind: String, role: String, subjects: [JSONValue]) -> JSONValue {
        var metadata: JSONValue = ["name": .string(name)]
        if let namespace { metadata["namespace"] = .string(namespace) }
        return ["kind": .string(kind), "metadata": metadata,
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": .string(roleKind), "name": .string(role)], "subjects": .array(subjects)]
    }

    /// One rule bound cluster-wide to alice: does it allow the request?
    struct RuleCase: Sendable, CustomTestStringConvertible {
        var about: String
        var rule: JSONValue
        var attributes: AuthorizationAttributes
        var allowed: Bool
        var testDescription: String { about }
    }

    static func get(_ resource: String, group: String = "", subresource: String = "", name: String = "", verb: String = "get") -> AuthorizationAttributes {
        .resource(alice, verb: verb, group: group, resource: resource, subresource: subresource, namespace: "p", name: name)
    }

    static let ruleCases: [RuleCase] = [
        .init(about: "exact verb, group and resource", rule: rule(["get"], resources: ["configmaps"]), attributes: get("configmaps"), allowed: true),
        .init(about: "another verb", rule: rule(["get"], resources: ["configmaps"]), attributes: get("configmaps", verb: "list"), allowed: false),
        .init(about: "verb *", rule: rule(["*"], resources: ["configmaps"]), attributes: get("configmaps", verb: "delete"), allowed: true),
        .init(about: "another group", rule: rule(["get"], groups: ["apps"], resources: ["configmaps"]), attributes: get("configmaps"), allowed: false),
        .init(about: "group *", rule: rule(["get"], groups: ["*"], resources: ["deployments"]), attributes: get("deployments", group: "apps"), allowed: true),
        .init(about: "resource *", rule: rule(["get"], groups: ["apps"], resources: ["*"]), attributes: get("deployments", group: "apps", subresource: "status"), allowed: true),
        .init(about: "resource does not cover its subresource", rule: rule(["get"], groups: ["apps"], resources: ["deployments"]),
              attributes: get("deployments", group: "apps", subresource: "status"), allowed: false),
        .init(about: "resource/subresource", rule: rule(["get"], groups: ["apps"], resources: ["deployments/status"]),
              attributes: get("deployments", group: "apps", subresource: "status"), allowed: true),
        .init(about: "resource/subresource does not cover the resource", rule: rule(["get"], groups: ["apps"], resources: ["deployments/status"]),
              attributes: get("deployments", group: "apps"), allowed: false),
        .init(about: "*/subresource", rule: rule(["get"], groups: ["apps"], resources: ["*/scale"]),
              attributes: get("statefulsets", group: "apps", subresource: "scale"), allowed: true),
        .init(about: "*/subresource is not another subresource", rule: rule(["get"], groups: ["apps"], resources: ["*/scale"]),
              attributes: get("statefulsets", group: "apps", subresource: "status"), allowed: false),
        .init(about: "*/subresource does not cover a resource", rule: rule(["get"], groups: ["apps"], resources: ["*/scale"]),
              attributes: get("statefulsets", group: "apps"), allowed: false),
        .init(about: "resourceNames match", rule: rule(["get"], resources: ["configmaps"], names: ["a", "b"]), attributes: get("configmaps", name: "b"), allowed: true),
        .init(about: "resourceNames miss", rule: rule(["get"], resources: ["configmaps"], names: ["a"]), attributes: get("configmaps", name: "c"), allowed: false),
        .init(about: "resourceNames never match a request without name", rule: rule(["list"], resources: ["configmaps"], names: ["a"]),
              attributes: get("configmaps", verb: "list"), allowed: false),
        .init(about: "nonResourceURL exact", rule: rule(["get"], urls: ["/healthz"]), attributes: .nonResource(alice, verb: "get", path: "/healthz"), allowed: true),
        .init(about: "nonResourceURL is not a prefix without *", rule: rule(["get"], urls: ["/healthz"]), attributes: .nonResource(alice, verb: "get", path: "/healthz/etcd"), allowed: false),
        .init(about: "nonResourceURL trailing *", rule: rule(["get"], urls: ["/logs/*"]), attributes: .nonResource(alice, verb: "get", path: "/logs/a/b"), allowed: true),
        .init(about: "nonResourceURL trailing * needs its prefix", rule: rule(["get"], urls: ["/logs/*"]), attributes: .nonResource(alice, verb: "get", path: "/logs"), allowed: false),
        .init(about: "nonResourceURL *", rule: rule(["get"], urls: ["*"]), attributes: .nonResource(alice, verb: "get", path: "/anything"), allowed: true),
        .init(about: "nonResourceURL verb", rule: rule(["get"], urls: ["*"]), attributes: .nonResource(alice, verb: "post", path: "/anything"), allowed: false),
        .init(about: "resource rule does not cover a path", rule: rule(["*"], groups: ["*"], resources: ["*"]), attributes: .nonResource(alice, verb: "get", path: "/healthz"), allowed: false),
        .init(about: "URL rule does not cover a resource", rule: rule(["*"], urls: ["*"]), attributes: get("configmaps"), allowed: false),
    ]

    @Test(arguments: ruleCases)
    func ruleMatching(_ row: RuleCase) {
        let authorizer = RBACAuthorizer(
            clusterRoles: [Self.role("ClusterRole", "r", rules: [row.rule])],
            clusterRoleBindings: [Self.binding("ClusterRoleBinding", "b", roleKind: "ClusterRole", role: "r", subjects: [Self.subject("User", "alice")])])
        let decision = authorizer.authorize(row.attributes)
        #expect(decision.allowed == row.allowed)
        #expect(decision.reason == (row.allowed ? "RBAC: allowed by ClusterRoleBinding \"b\" of ClusterRole \"r\" to User \"alice\"" : ""))
    }

    @Test func roleBindingGrantsOnlyInItsNamespace() {
        let authorizer = RBACAuthorizer(
            roles: [Self.role("Role", "reader", namespace: "p", rules: [Self.rule(["get"], resources: ["configmaps"])])],
            clusterRoles: [Self.role("ClusterRole", "view", rules: [Self.rule(["get", "list"], resources: ["secrets"])])],
            roleBindings: [
                Self.binding("RoleBinding", "read", namespace: "p", roleKind: "Role", role: "reader", subjects: [Self.subject("Group", "devs")]),
                Self.binding("RoleBinding", "view", namespace: "p", roleKind: "ClusterRole", role: "view", subjects: [Self.subject("User", "alice")]),
            ])
        let inP = authorizer.authorize(.resource(Self.alice, verb: "get", resource: "configmaps", namespace: "p"))
        #expect(inP == AuthorizationDecision(allowed: true, reason: "RBAC: allowed by RoleBinding \"read/p\" of Role \"reader\" to Group \"devs\""))
        let clusterRoleInP = authorizer.authorize(.resource(Self.alice, verb: "list", resource: "secrets", namespace: "p"))
        #expect(clusterRoleInP == AuthorizationDecision(allowed: true, reason: "RBAC: allowed by RoleBinding \"view/p\" of ClusterRole \"view\" to User \"alice\""))
        #expect(!authorizer.authorize(.resource(Self.alice, verb: "get", resource: "configmaps", namespace: "q")).allowed)
        #expect(!authorizer.authorize(.resource(Self.alice, verb: "list", resource: "secrets", namespace: "q")).allowed)
        #expect(!authorizer.authorize(.resource(Self.alice, verb: "list", resource: "secrets")).allowed, "cluster-wide")
        let bob = UserInfo(name: "bob", groups: ["system:authenticated"])
        #expect(!authorizer.authorize(.resource(bob, verb: "get", resource: "configmaps", namespace: "p")).allowed)
    }

    @Test func clusterRoleBindingsComeFirstAndGrantEverywhere() {
        let authorizer = RBACAuthorizer(
            roles: [Self.role("Role", "reader", namespace: "p", rules: [Self.rule(["get"], resources: ["configmaps"])])],
            clusterRoles: [Self.role("ClusterRole", "cm", rules: [Self.rule(["get"], resources: ["configmaps"])])],
            roleBindings: [Self.binding("RoleBinding", "read", namespace: "p", roleKind: "Role", role: "reader", subjects: [Self.subject("User", "alice")])],
            clusterRoleBindings: [Self.binding("ClusterRoleBinding", "all-cm", roleKind: "ClusterRole", role: "cm", subjects: [Self.subject("Group", "devs")])])
        #expect(authorizer.authorize(.resource(Self.alice, verb: "get", resource: "configmaps", namespace: "p")).reason
            == "RBAC: allowed by ClusterRoleBinding \"all-cm\" of ClusterRole \"cm\" to Group \"devs\"")
        #expect(authorizer.authorize(.resource(Self.alice, verb: "get", resource: "configmaps", namespace: "elsewhere")).allowed)
    }

    @Test func serviceAccountSubjects() {
        let rules = [Self.rule(["get"], resources: ["pods"])]
        let authorizer = RBACAuthorizer(
            roles: [Self.role("Role", "pods", namespace: "p", rules: rules)],
            clusterRoles: [Self.role("ClusterRole", "pods", rules: rules), Self.role("ClusterRole", "nodes", rules: [Self.rule(["list"], resources: ["nodes"])])],
            roleBindings: [Self.binding("RoleBinding", "local", namespace: "p", roleKind: "Role", role: "pods", subjects: [Self.subject("ServiceAccount", "robot")])],
            clusterRoleBindings: [
                Self.binding("ClusterRoleBinding", "other-ns", roleKind: "ClusterRole", role: "pods", subjects: [Self.subject("ServiceAccount", "robot", namespace: "q")]),
                Self.binding("ClusterRoleBinding", "all-sa", roleKind: "ClusterRole", role: "nodes", subjects: [Self.subject("Group", "system:serviceaccounts:p")]),
            ])
        // A subject without namespace defaults to the RoleBinding's namespace.
        #expect(authorizer.authorize(.resource(Self.robot, verb: "get", resource: "pods", namespace: "p"))
            == AuthorizationDecision(allowed: true, reason: "RBAC: allowed by RoleBinding \"local/p\" of Role \"pods\" to ServiceAccount \"robot/p\""))
        // The ClusterRoleBinding names robot of namespace q, not p.
        #expect(!authorizer.authorize(.resource(Self.robot, verb: "get", resource: "pods", namespace: "r")).allowed)
        let qRobot = UserInfo(name: "system:serviceaccount:q:robot", groups: ["system:serviceaccounts"])
        #expect(authorizer.authorize(.resource(qRobot, verb: "get", resource: "pods", namespace: "r")).reason
            == "RBAC: allowed by ClusterRoleBinding \"other-ns\" of ClusterRole \"pods\" to ServiceAccount \"robot/q\"")
        #expect(authorizer.authorize(.resource(Self.robot, verb: "list", resource: "nodes")).allowed)
        // A user merely named robot is not the service account.
        #expect(!authorizer.authorize(.resource(UserInfo(name: "robot"), verb: "get", resource: "pods", namespace: "p")).allowed)
    }

    @Test func aggregatedClusterRolesUniteTheRolesTheySelect() {
        let authorizer = RBACAuthorizer(
            clusterRoles: [
                Self.role("ClusterRole", "monitoring", rules: [Self.rule(["get"], resources: ["stale"])], aggregating: [["aggregate-to-monitoring": "true"]]),
                Self.role("ClusterRole", "monitoring-pods", labels: ["aggregate-to-monitoring": "true"], rules: [Self.rule(["get", "list"], resources: ["pods"])]),
                Self.role("ClusterRole", "monitoring-nested", labels: ["aggregate-to-monitoring": "true"], rules: [],
                          aggregating: [["aggregate-to-nested": "true"]]),
                Self.role("ClusterRole", "nested-services", labels: ["aggregate-to-nested": "true"], rules: [Self.rule(["get"], resources: ["services"])]),
                Self.role("ClusterRole", "unrelated", labels: ["other": "true"], rules: [Self.rule(["get"], resources: ["secrets"])]),
            ],
            clusterRoleBindings: [Self.binding("ClusterRoleBinding", "mon", roleKind: "ClusterRole", role: "monitoring", subjects: [Self.subject("User", "alice")])])
        #expect(authorizer.authorize(.resource(Self.alice, verb: "list", resource: "pods", namespace: "p"))
            == AuthorizationDecision(allowed: true, reason: "RBAC: allowed by ClusterRoleBinding \"mon\" of ClusterRole \"monitoring\" to User \"alice\""))
        #expect(authorizer.authorize(.resource(Self.alice, verb: "get", resource: "services", namespace: "p")).allowed, "through a nested aggregation")
        #expect(!authorizer.authorize(.resource(Self.alice, verb: "get", resource: "secrets", namespace: "p")).allowed)
        // The controller replaces an aggregated role's own rules.
        #expect(!authorizer.authorize(.resource(Self.alice, verb: "get", resource: "stale", namespace: "p")).allowed)
    }

    @Test func missingRolesAreTheReasonOfADenial() {
        let authorizer = RBACAuthorizer(
            roleBindings: [Self.binding("RoleBinding", "gone", namespace: "p", roleKind: "Role", role: "missing", subjects: [Self.subject("User", "alice")])],
            clusterRoleBindings: [
                Self.binding("ClusterRoleBinding", "a", roleKind: "ClusterRole", role: "absent", subjects: [Self.subject("User", "alice")]),
                Self.binding("ClusterRoleBinding", "b", roleKind: "ClusterRole", role: "absent", subjects: [Self.subject("User", "alice")]),
                Self.binding("ClusterRoleBinding", "c", roleKind: "ClusterRole", role: "absent", subjects: [Self.subject("User", "bob")]),
            ])
        #expect(authorizer.authorize(.resource(Self.alice, verb: "get", resource: "pods", namespace: "p")) == AuthorizationDecision(
            allowed: false, reason: "RBAC: [clusterrole.rbac.authorization.k8s.io \"absent\" not found, role.rbac.authorization.k8s.io \"missing\" not found]"))
        #expect(authorizer.authorize(.resource(Self.alice, verb: "get", resource: "nodes")) == AuthorizationDecision(
            allowed: false, reason: "RBAC: clusterrole.rbac.authorization.k8s.io \"absent\" not found"))
    }

    @Test func systemMastersMayDoAnythingWithoutReason() {
        let admin = UserInfo(name: "root", groups: ["system:masters"])
        #expect(RBACAuthorizer().authorize(.resource(admin, verb: "delete", resource: "nodes")) == AuthorizationDecision(allowed: true, reason: ""))
        #expect(RBACAuthorizer().authorize(.nonResource(admin, verb: "get", path: "/metrics")).allowed)
        #expect(!RBACAuthorizer().authorize(.resource(Self.alice, verb: "get", resource: "nodes")).allowed)
    }

    @Test func bootstrapPolicyLetsAuthenticatedUsersDiscoverAndReviewThemselves() {
        let authorizer = RBACAuthorizer.withBootstrapPolicy(roles: [], clusterRoles: [], roleBindings: [], clusterRoleBindings: [])
        #expect(authorizer.authorize(.nonResource(Self.alice, verb: "get", path: "/apis/apps/v1"))
            == AuthorizationDecision(allowed: true, reason: "RBAC: allowed by ClusterRoleBinding \"system:discovery\" of ClusterRole \"system:discovery\" to Group \"system:authenticated\""))
        #expect(authorizer.authorize(.resource(Self.alice, verb: "create", group: "authorization.k8s.io", resource: "selfsubjectaccessreviews")).allowed)
        #expect(!authorizer.authorize(.resource(Self.alice, verb: "create", group: "authorization.k8s.io", resource: "subjectaccessreviews")).allowed)
        #expect(!authorizer.authorize(.nonResource(UserInfo(name: "x"), verb: "get", path: "/api")).allowed, "not authenticated")
    }
}
