import KubernetesModel

/// Who a request or an access review is about: a user name, its uid and its groups (the
/// server's `user.Info`).
public struct UserInfo: Sendable, Hashable {
    public var name: String
    public var uid: String
    public var groups: [String]

    public init(name: String, uid: String = "", groups: [String] = []) {
        self.name = name
        self.uid = uid
        self.groups = groups
    }

    /// The group every request of it is allowed (the server's privileged-group authorizer).
    public static let privilegedGroup = "system:masters"
    /// The group the token authenticator adds to every user it finds.
    public static let authenticatedGroup = "system:authenticated"

    /// The identity of a cluster's admin token (as kubeadm's admin kubeconfig).
    static let clusterAdmin = UserInfo(name: "kubernetes-admin", groups: [privilegedGroup, authenticatedGroup])

    var isPrivileged: Bool { groups.contains(Self.privilegedGroup) }
}

/// What is asked, as the server's authorizer sees it (`authorizer.Attributes`): a verb on a
/// resource (group, resource, subresource, namespace, name) or on a non-resource path.
struct AuthorizationAttributes: Sendable, Hashable {
    var user: UserInfo
    var verb: String
    var isResourceRequest: Bool
    var namespace = ""
    var group = ""
    var version = ""
    var resource = ""
    var subresource = ""
    var name = ""
    /// The path of a non-resource request (`/healthz`).
    var path = ""

    static func resource(_ user: UserInfo, verb: String, group: String = "", resource: String, subresource: String = "",
                         namespace: String = "", name: String = "") -> AuthorizationAttributes {
        AuthorizationAttributes(user: user, verb: verb, isResourceRequest: true, namespace: namespace, group: group,
                                resource: resource, subresource: subresource, name: name)
    }

    static func nonResource(_ user: UserInfo, verb: String, path: String) -> AuthorizationAttributes {
        AuthorizationAttributes(user: user, verb: verb, isResourceRequest: false, path: path)
    }
}

/// An authorizer's answer: allowed or not, and why (empty when no rule allows and nothing failed).
struct AuthorizationDecision: Sendable, Hashable {
    var allowed: Bool
    var reason: String
}

/// The RBAC authorizer over one cluster's Roles, ClusterRoles, RoleBindings and
/// ClusterRoleBindings, with the server's privileged group (`system:masters`) in front of it.
///
/// Semantics of the real server's `rbac.RBACAuthorizer` and its rule resolver: ClusterRoleBindings
/// are visited first, then (for a namespaced request) the RoleBindings of that namespace; a
/// binding applies when one of its subjects is the user (User by name, Group by membership,
/// ServiceAccount by `system:serviceaccount:NS:NAME`, its namespace defaulting to the binding's);
/// the first rule of a bound role that matches allows, and the reason names binding, role and
/// subject. A RoleBinding's ClusterRole grants only in the binding's namespace. A binding whose role
/// is missing contributes an error, which becomes the reason of a denial. An aggregated ClusterRole's
/// rules are those of the ClusterRoles its selectors pick (as the aggregation controller writes them).
struct RBACAuthorizer: Sendable {
    private var roles: [ObjectName: JSONValue] = [:]
    private var clusterRoles: [String: JSONValue] = [:]
    private var roleBindings: [String: [JSONValue]] = [:]
    private var clusterRoleBindings: [JSONValue] = []

    /// From the policy objects (each with its metadata); bindings are visited in name order.
    init(roles: [JSONValue] = [], clusterRoles: [JSONValue] = [], roleBindings: [JSONValue] = [], clusterRoleBindings: [JSONValue] = []) {
        for role in roles { self.roles[Self.objectName(role)] = role }
        for role in clusterRoles { self.clusterRoles[Self.objectName(role).name] = role }
        for binding in roleBindings.sorted(by: { Self.objectName($0) < Self.objectName($1) }) {
            self.roleBindings[Self.objectName(binding).namespace, default: []].append(binding)
        }
        self.clusterRoleBindings = clusterRoleBindings.sorted { Self.objectName($0) < Self.objectName($1) }
    }

    private static func objectName(_ object: JSONValue) -> ObjectName {
        ObjectName(namespace: object["metadata"]["namespace"].stringValue ?? "", name: object["metadata"]["name"].stringValue ?? "")
    }

    func authorize(_ attributes: AuthorizationAttributes) -> AuthorizationDecision {
        if attributes.user.isPrivileged { return AuthorizationDecision(allowed: true, reason: "") }
        var errors: [String] = []
        for binding in clusterRoleBindings {
            if let reason = visit(binding, kind: "ClusterRoleBinding", namespace: "", attributes, errors: &errors) {
                return AuthorizationDecision(allowed: true, reason: reason)
            }
        }
        if !attributes.namespace.isEmpty {
            for binding in roleBindings[attributes.namespace] ?? [] {
                if let reason = visit(binding, kind: "RoleBinding", namespace: attributes.namespace, attributes, errors: &errors) {
                    return AuthorizationDecision(allowed: true, reason: reason)
                }
            }
        }
        return AuthorizationDecision(allowed: false, reason: errors.isEmpty ? "" : "RBAC: " + Self.aggregate(errors))
    }

    /// The reason when a rule of the binding's role allows; a role that cannot be found adds to `errors`.
    private func visit(_ binding: JSONValue, kind: String, namespace: String, _ attributes: AuthorizationAttributes,
                       errors: inout [String]) -> String? {
        let subjects = binding["subjects"].arrayValue ?? []
        guard let subject = subjects.first(where: { Self.applies($0, to: attributes.user, bindingNamespace: namespace) }) else { return nil }
        let ref = binding["roleRef"]
        let rules: [JSONValue]
        switch rulesOf(ref, bindingNamespace: namespace) {
        case .failure(let error):
            errors.append(error.message)
            return nil
        case .success(let found):
            rules = found
        }
        guard rules.contains(where: { Self.ruleAllows($0, attributes) }) else { return nil }
        let name = binding["metadata"]["name"].stringValue ?? ""
        let source = kind == "RoleBinding" ? "\(name)/\(namespace)" : name
        return "RBAC: allowed by \(kind) \(GoSyntax.quote(source)) of \(ref["kind"].stringValue ?? "") \(GoSyntax.quote(ref["name"].stringValue ?? "")) to \(Self.describe(subject, bindingNamespace: namespace))"
    }

    struct ResolutionError: Error {
        var message: String
    }

    private func rulesOf(_ ref: JSONValue, bindingNamespace: String) -> Result<[JSONValue], ResolutionError> {
        let name = ref["name"].stringValue ?? ""
        switch ref["kind"].stringValue ?? "" {
        case "Role":
            guard let role = roles[ObjectName(namespace: bindingNamespace, name: name)] else {
                return .failure(ResolutionError(message: "role.rbac.authorization.k8s.io \(GoSyntax.quote(name)) not found"))
            }
            return .success(role["rules"].arrayValue ?? [])
        case "ClusterRole":
            guard clusterRoles[name] != nil else {
                return .failure(ResolutionError(message: "clusterrole.rbac.authorization.k8s.io \(GoSyntax.quote(name)) not found"))
            }
            var visited = Set<String>()
            return .success(clusterRoleRules(name, visited: &visited))
        case let other:
            return .failure(ResolutionError(message: "unsupported role reference kind: \(GoSyntax.quote(other))"))
        }
    }

    /// A ClusterRole's rules; for an aggregated one, the rules of the ClusterRoles its selectors
    /// pick (by name, without duplicates, itself left out), themselves aggregated where they aggregate.
    private func clusterRoleRules(_ name: String, visited: inout Set<String>) -> [JSONValue] {
        guard let role = clusterRoles[name], visited.insert(name).inserted else { return [] }
        guard case .object = role["aggregationRule"] else { return role["rules"].arrayValue ?? [] }
        var rules: [JSONValue] = []
        for selectorJSON in role["aggregationRule"]["clusterRoleSelectors"].arrayValue ?? [] {
            guard let selector = try? LabelSelector(json: selectorJSON) else { continue }
            for candidate in clusterRoles.keys.sorted() where candidate != name {
                let labels = (clusterRoles[candidate]?["metadata"]["labels"].objectValue ?? [:]).compactMapValues(\.stringValue)
                guard selector.matches(labels) else { continue }
                for rule in clusterRoleRules(candidate, visited: &visited) where !rules.contains(rule) { rules.append(rule) }
            }
        }
        visited.remove(name)
        return rules
    }

    // MARK: Matching (the server's evaluation helpers)

    static func applies(_ subject: JSONValue, to user: UserInfo, bindingNamespace: String) -> Bool {
        let name = subject["name"].stringValue ?? ""
        switch subject["kind"].stringValue ?? "" {
        case "User": return user.name == name
        case "Group": return user.groups.contains(name)
        case "ServiceAccount":
            let namespace = (subject["namespace"].stringValue ?? "").isEmpty ? bindingNamespace : subject["namespace"].stringValue ?? ""
            guard !namespace.isEmpty else { return false }
            return user.name == "system:serviceaccount:\(namespace):\(name)"
        default: return false
        }
    }

    static func describe(_ subject: JSONValue, bindingNamespace: String) -> String {
        let kind = subject["kind"].stringValue ?? ""
        let name = subject["name"].stringValue ?? ""
        guard kind == "ServiceAccount" else { return "\(kind) \(GoSyntax.quote(name))" }
        let namespace = subject["namespace"].stringValue ?? ""
        return "\(kind) \(GoSyntax.quote(name + "/" + (namespace.isEmpty ? bindingNamespace : namespace)))"
    }

    static func ruleAllows(_ rule: JSONValue, _ attributes: AuthorizationAttributes) -> Bool {
        let verbs = strings(rule["verbs"])
        guard verbs.contains("*") || verbs.contains(attributes.verb) else { return false }
        if !attributes.isResourceRequest {
            return strings(rule["nonResourceURLs"]).contains { url in
                url == "*" || url == attributes.path || (url.hasSuffix("*") && attributes.path.hasPrefix(String(url.dropLast())))
            }
        }
        let groups = strings(rule["apiGroups"])
        guard groups.contains("*") || groups.contains(attributes.group) else { return false }
        let combined = attributes.subresource.isEmpty ? attributes.resource : "\(attributes.resource)/\(attributes.subresource)"
        let resourceMatches = strings(rule["resources"]).contains { resource in
            resource == "*" || resource == combined || (!attributes.subresource.isEmpty && resource == "*/\(attributes.subresource)")
        }
        guard resourceMatches else { return false }
        let names = strings(rule["resourceNames"])
        return names.isEmpty || names.contains(attributes.name)
    }

    private static func strings(_ value: JSONValue) -> [String] { (value.arrayValue ?? []).compactMap(\.stringValue) }

    /// apimachinery's error aggregate: one message as is, several deduplicated in brackets.
    private static func aggregate(_ messages: [String]) -> String {
        var unique: [String] = []
        for m in messages where !unique.contains(m) { unique.append(m) }
        return unique.count == 1 ? unique[0] : "[" + unique.joined(separator: ", ") + "]"
    }
}

extension RBACAuthorizer {
    /// The bootstrap policy every real server has and LocalKube grants without storing it: any
    /// authenticated user may read discovery, version and health, and review its own access
    /// (`system:discovery`, `system:public-info-viewer`, `system:basic-user`). A stored object
    /// of the same name replaces the built-in one.
    static let bootstrapClusterRoles: [JSONValue] = [
        clusterRole("system:discovery", [["nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"], "verbs": ["get"]]]),
        clusterRole("system:public-info-viewer", [["nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"], "verbs": ["get"]]]),
        clusterRole("system:basic-user", [["apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], "verbs": ["create"]]]),
    ]

    static let bootstrapClusterRoleBindings: [JSONValue] = ["system:discovery", "system:public-info-viewer", "system:basic-user"].map { name in
        ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": ["name": .string(name)],
         "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": .string(name)],
         "subjects": [["apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": .string(UserInfo.authenticatedGroup)]]]
    }

    private static func clusterRole(_ name: String, _ rules: [JSONValue]) -> JSONValue {
        ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": ["name": .string(name)], "rules": .array(rules)]
    }

    /// Stored objects plus the bootstrap policy objects no stored one replaces.
    static func withBootstrapPolicy(roles: [JSONValue], clusterRoles: [JSONValue], roleBindings: [JSONValue],
                                    clusterRoleBindings: [JSONValue]) -> RBACAuthorizer {
        func adding(_ builtin: [JSONValue], to stored: [JSONValue]) -> [JSONValue] {
            let names = Set(stored.compactMap { $0["metadata"]["name"].stringValue })
            return stored + builtin.filter { !names.contains($0["metadata"]["name"].stringValue ?? "") }
        }
        return RBACAuthorizer(roles: roles, clusterRoles: adding(bootstrapClusterRoles, to: clusterRoles), roleBindings: roleBindings,
                              clusterRoleBindings: adding(bootstrapClusterRoleBindings, to: clusterRoleBindings))
    }
}
