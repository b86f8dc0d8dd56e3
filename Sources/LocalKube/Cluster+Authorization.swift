import Foundation
import KubernetesModel

extension LocalKubeCluster {
    /// The RBAC authorizer over this cluster's policy objects now (and the bootstrap policy).
    func rbacAuthorizer() -> RBACAuthorizer {
        func objects(_ plural: String) -> [JSONValue] {
            store.list(ResourceKey(group: RBACValidation.group, plural: plural), namespace: nil).map(\.1)
        }
        return .withBootstrapPolicy(roles: objects("roles"), clusterRoles: objects("clusterroles"),
                                    roleBindings: objects("rolebindings"), clusterRoleBindings: objects("clusterrolebindings"))
    }

    /// Refuse what the request's user may not do, as the server's authorization filter does:
    /// before routing, so an unknown resource is 403 rather than 404 to a user without access.
    func authorizeRequest(_ request: APIRequest) throws(APIError) {
        guard !request.user.isPrivileged else { return }
        let attributes = AuthorizationAttributes(request)
        let decision = rbacAuthorizer().authorize(attributes)
        if !decision.allowed { throw APIError.forbidden(attributes, reason: decision.reason) }
    }
}

extension AuthorizationAttributes {
    /// What a request asks, as the server's RequestInfo resolver reads its method and path.
    init(_ request: APIRequest) {
        let parts = request.path.split(separator: "/").map(String.init)
        self = .nonResource(request.user, verb: request.method.lowercased(), path: request.path)
        guard parts.count >= 3, parts[0] == "api" || parts[0] == "apis" else { return }
        var rest = Array(parts.dropFirst())
        var group = ""
        if parts[0] == "apis" {
            guard rest.count >= 3 else { return }
            group = rest.removeFirst()
        }
        let version = rest.removeFirst()
        var verb: String
        if ["watch", "proxy"].contains(rest[0]) {
            guard rest.count >= 2 else { return }
            verb = rest.removeFirst()
        } else {
            verb = ["POST": "create", "GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"][request.method] ?? ""
        }
        var namespace = ""
        if rest[0] == "namespaces", rest.count > 1 {
            namespace = rest[1]
            if rest.count > 2, !["status", "finalize"].contains(rest[2]) { rest.removeFirst(2) }
        }
        let subresource = rest.count >= 3 && verb != "proxy" ? rest[2] : ""
        var name = rest.count >= 2 ? rest[1] : ""
        if name.isEmpty, verb == "get" {
            verb = request.queryFlag("watch") ? "watch" : "list"
            if let selected = Self.exactName(request.query["fieldSelector"]), RBACValidation.pathSegmentErrors(selected).isEmpty {
                name = selected
            }
        }
        if name.isEmpty, verb == "delete" { verb = "deletecollection" }
        self = .resource(request.user, verb: verb, group: group, resource: rest[0], subresource: subresource, namespace: namespace, name: name)
        self.version = version
    }

    /// The name a field selector requires (`metadata.name=x`), if it requires one.
    private static func exactName(_ selector: String?) -> String? {
        for term in (selector ?? "").split(separator: ",") {
            let text = term.trimmingCharacters(in: .whitespaces)
            for prefix in ["metadata.name==", "metadata.name="] where text.hasPrefix(prefix) {
                return String(text.dropFirst(prefix.count))
            }
        }
        return nil
    }
}

extension APIError {
    /// 403 as the server's authorization filter words it.
    static func forbidden(_ attributes: AuthorizationAttributes, reason: String) -> APIError {
        let user = GoSyntax.quote(attributes.user.name)
        var message: String
        if attributes.isResourceRequest {
            let resource = attributes.subresource.isEmpty ? attributes.resource : "\(attributes.resource)/\(attributes.subresource)"
            message = "User \(user) cannot \(attributes.verb) resource \(GoSyntax.quote(resource)) in API group \(GoSyntax.quote(attributes.group))"
            message += attributes.namespace.isEmpty ? " at the cluster scope" : " in the namespace \(GoSyntax.quote(attributes.namespace))"
        } else {
            message = "User \(user) cannot \(attributes.verb) path \(GoSyntax.quote(attributes.path))"
        }
        if !reason.isEmpty { message += ": " + reason }
        guard attributes.isResourceRequest, !attributes.resource.isEmpty else {
            return APIError(KubeStatus(message: "forbidden: \(message)", reason: "Forbidden", code: 403, details: .init()))
        }
        let qualified = attributes.group.isEmpty ? attributes.resource : "\(attributes.resource).\(attributes.group)"
        let subject = attributes.name.isEmpty ? qualified : "\(qualified) \(GoSyntax.quote(attributes.name))"
        return APIError(KubeStatus(message: "\(subject) is forbidden: \(message)", reason: "Forbidden", code: 403,
                                   details: .init(name: attributes.name.isEmpty ? nil : attributes.name,
                                                  group: attributes.group.isEmpty ? nil : attributes.group, kind: attributes.resource)))
    }
}
