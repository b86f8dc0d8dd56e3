import KubernetesModel

/// What a request's impersonation headers ask (`Impersonate-User`, `Impersonate-Uid`,
/// `Impersonate-Group`, repeatable, and `Impersonate-Extra-KEY`), as the server's impersonation
/// filter reads them: `kubectl --as`, `--as-group`, `--as-uid`, and `kubectl auth can-i --as`.
struct ImpersonationRequest: Sendable {
    var user: String?
    var uid: String?
    var groups: [String] = []
    var extra: [(key: String, value: String)] = []

    var isEmpty: Bool { user == nil && uid == nil && groups.isEmpty && extra.isEmpty }

    /// From header names and values (names in any case); nil when none asks for impersonation.
    init?(headers: [(name: String, value: String)]) {
        for (name, value) in headers {
            let lower = name.lowercased()
            switch lower {
            case "impersonate-user": user = value
            case "impersonate-uid": uid = value
            case "impersonate-group": groups.append(value)
            default:
                guard lower.hasPrefix("impersonate-extra-") else { continue }
                // The key is percent-encoded in the header's name (it may hold `/`).
                let key = String(lower.dropFirst("impersonate-extra-".count))
                extra.append((key.removingPercentEncoding ?? key, value))
            }
        }
        if isEmpty { return nil }
    }
}

extension LocalKubeCluster {
    /// Who a request acts as: its user, or whom it impersonates when that user may (verb
    /// `impersonate` on `users` or `serviceaccounts`, `groups`, and in `authentication.k8s.io`
    /// `uids` and `userextras`), as kube-apiserver's impersonation filter decides: each asked
    /// identity is authorized, a refusal is the 403 of the first; a service account without
    /// groups asked gets its own; everyone but `system:anonymous` gets `system:authenticated`.
    func actingUser(_ request: APIRequest) throws(APIError) -> UserInfo {
        guard let asked = request.impersonation else { return request.user }
        guard let userName = asked.user else {
            throw APIError.internalError("requested impersonation of \(Self.describe(asked)) without impersonating a user")
        }
        let authorizer = request.user.isPrivileged ? nil : rbacAuthorizer()
        func authorize(_ attributes: AuthorizationAttributes) throws(APIError) {
            guard let authorizer else { return }
            let decision = authorizer.authorize(attributes)
            if !decision.allowed { throw APIError.forbidden(attributes, reason: decision.reason) }
        }
        func attributes(group: String = "", resource: String, subresource: String = "", namespace: String = "", name: String) -> AuthorizationAttributes {
            .resource(request.user, verb: "impersonate", group: group, resource: resource, subresource: subresource, namespace: namespace, name: name)
        }
        var groups = asked.groups
        let serviceAccount = Self.serviceAccount(userName)
        if let serviceAccount {
            try authorize(attributes(resource: "serviceaccounts", namespace: serviceAccount.namespace, name: serviceAccount.name))
            if groups.isEmpty { groups = ["system:serviceaccounts", "system:serviceaccounts:\(serviceAccount.namespace)"] }
        } else {
            try authorize(attributes(resource: "users", name: userName))
        }
        for group in asked.groups { try authorize(attributes(resource: "groups", name: group)) }
        for (key, value) in asked.extra { try authorize(attributes(group: "authentication.k8s.io", resource: "userextras", subresource: key, name: value)) }
        if let uid = asked.uid { try authorize(attributes(group: "authentication.k8s.io", resource: "uids", name: uid)) }
        if userName == "system:anonymous" {
            if !groups.contains("system:unauthenticated") { groups.append("system:unauthenticated") }
        } else if !groups.contains(UserInfo.authenticatedGroup) {
            groups.append(UserInfo.authenticatedGroup)
        }
        return UserInfo(name: userName, uid: asked.uid ?? "", groups: groups)
    }

    /// `system:serviceaccount:NAMESPACE:NAME`, split.
    static func serviceAccount(_ userName: String) -> (namespace: String, name: String)? {
        let prefix = "system:serviceaccount:"
        guard userName.hasPrefix(prefix) else { return nil }
        let parts = userName.dropFirst(prefix.count).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    private static func describe(_ asked: ImpersonationRequest) -> String {
        var parts: [String] = []
        if !asked.groups.isEmpty { parts.append("groups \(asked.groups)") }
        if asked.uid != nil { parts.append("a uid") }
        if !asked.extra.isEmpty { parts.append("extra \(asked.extra.map(\.key))") }
        return parts.joined(separator: ", ")
    }
}
