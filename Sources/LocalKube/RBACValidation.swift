import KubernetesModel

/// Roles and bindings as the server's rbac validation checks them: each rule names verbs and
/// either resources with API groups or (cluster roles only) non-resource URLs; a binding refers
/// to a Role or ClusterRole of the RBAC group, and each subject is a ServiceAccount, User or Group;
/// an aggregating ClusterRole's selectors are label selectors the server can use.
enum RBACValidation {
    static let group = "rbac.authorization.k8s.io"

    static func errors(_ object: JSONValue, kind: String) -> FieldErrors? {
        var errors = FieldErrors()
        switch kind {
        case "Role", "ClusterRole":
            for (i, rule) in (object["rules"].arrayValue ?? []).enumerated() {
                ruleErrors(rule, namespaced: kind == "Role", path: "rules[\(i)]", errors: &errors)
            }
            if kind == "ClusterRole", case .object = object["aggregationRule"] {
                let selectors = object["aggregationRule"]["clusterRoleSelectors"].arrayValue ?? []
                if selectors.isEmpty {
                    errors.required("aggregationRule.clusterRoleSelectors", "at least one clusterRoleSelector required if aggregationRule is non-nil")
                }
                for (i, selector) in selectors.enumerated() {
                    let path = "aggregationRule.clusterRoleSelectors[\(i)]"
                    let found = LabelSelectorValidation.errors(selector, path: path)
                    errors.append(contentsOf: found)
                    // Upstream prints the Selector LabelSelectorAsSelector returned with its
                    // error, a nil interface: "null".
                    if !LabelSelectorValidation.converts(selector, found: found) {
                        errors.invalid(path, .string("null"), "invalid label selector.")
                    }
                }
            }
        case "RoleBinding", "ClusterRoleBinding":
            let ref = object["roleRef"]
            let apiGroup = ref["apiGroup"].stringValue ?? ""
            if apiGroup != group { errors.notSupported("roleRef.apiGroup", apiGroup, [group]) }
            let kinds = kind == "RoleBinding" ? ["Role", "ClusterRole"] : ["ClusterRole"]
            let refKind = ref["kind"].stringValue ?? ""
            if !kinds.contains(refKind) { errors.notSupported("roleRef.kind", refKind, kinds) }
            let name = ref["name"].stringValue ?? ""
            if name.isEmpty {
                errors.required("roleRef.name")
            } else {
                for message in pathSegmentErrors(name) { errors.invalid("roleRef.name", .string(name), message) }
            }
            for (i, subject) in (object["subjects"].arrayValue ?? []).enumerated() {
                subjectErrors(subject, namespaced: kind == "RoleBinding", path: "subjects[\(i)]", errors: &errors)
            }
        default:
            return nil
        }
        return errors
    }

    /// A binding's roleRef may not change (`rbac.RoleRef{…}` as `%#v` prints it).
    static func roleRefChange(old: JSONValue, new: JSONValue) -> FieldErrors {
        var errors = FieldErrors()
        if old["roleRef"] != new["roleRef"] {
            let ref = new["roleRef"]
            let text = "rbac.RoleRef{APIGroup:\(GoSyntax.quote(ref["apiGroup"].stringValue ?? "")), Kind:\(GoSyntax.quote(ref["kind"].stringValue ?? "")), Name:\(GoSyntax.quote(ref["name"].stringValue ?? ""))}"
            errors.invalid("roleRef", .go(text), "cannot change roleRef")
        }
        return errors
    }

    private static func ruleErrors(_ rule: JSONValue, namespaced: Bool, path: String, errors: inout FieldErrors) {
        func count(_ field: String) -> Int { rule[field].arrayValue?.count ?? 0 }
        if count("verbs") == 0 { errors.required("\(path).verbs", "verbs must contain at least one value") }
        if count("nonResourceURLs") > 0 {
            let urls = GoSyntax.stringSlice(rule["nonResourceURLs"])
            if namespaced { errors.invalid("\(path).nonResourceURLs", .go(urls), "namespaced rules cannot apply to non-resource URLs") }
            if count("apiGroups") > 0 || count("resources") > 0 || count("resourceNames") > 0 {
                errors.invalid("\(path).nonResourceURLs", .go(urls), "rules cannot apply to both regular resources and non-resource URLs")
            }
            return
        }
        if count("apiGroups") == 0 { errors.required("\(path).apiGroups", "resource rules must supply at least one api group") }
        if count("resources") == 0 { errors.required("\(path).resources", "resource rules must supply at least one resource") }
    }

    private static func subjectErrors(_ subject: JSONValue, namespaced: Bool, path: String, errors: inout FieldErrors) {
        let name = subject["name"].stringValue ?? ""
        if name.isEmpty { errors.required("\(path).name") }
        let apiGroup = subject["apiGroup"].stringValue ?? ""
        switch subject["kind"].stringValue ?? "" {
        case "ServiceAccount":
            if !name.isEmpty {
                if name.utf8.count > 253 { errors.invalid("\(path).name", .string(name), "must be no more than 253 characters") }
                if !ObjectValidation.isSubdomain(String(name.prefix(253))) { errors.invalid("\(path).name", .string(name), ObjectValidation.subdomainMessage) }
            }
            if !apiGroup.isEmpty { errors.notSupported("\(path).apiGroup", apiGroup, [""]) }
            if !namespaced, (subject["namespace"].stringValue ?? "").isEmpty { errors.required("\(path).namespace") }
        case "User", "Group":
            if apiGroup != group { errors.notSupported("\(path).apiGroup", apiGroup, [group]) }
        case let other:
            errors.notSupported("\(path).kind", other, ["ServiceAccount", "User", "Group"])
        }
    }

    /// `IsValidPathSegmentName`.
    static func pathSegmentErrors(_ name: String) -> [String] {
        if name == "." { return ["may not be '.'"] }
        if name == ".." { return ["may not be '..'"] }
        var errors: [String] = []
        if name.contains("/") { errors.append("may not contain '/'") }
        if name.contains("%") { errors.append("may not contain '%'") }
        return errors
    }
}
