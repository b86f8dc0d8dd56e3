import KubernetesModel

/// The review kinds (`authentication.k8s.io/v1` TokenReview, `authorization.k8s.io/v1`
/// SubjectAccessReview, SelfSubjectAccessReview, LocalSubjectAccessReview): create only, never
/// stored. The body may be JSON, YAML or (as client-go's typed clients send it) protobuf. The
/// answer, always JSON, is the object sent (as the server decodes and encodes it: unknown and empty
/// fields dropped, `creationTimestamp: null`, the create's managedFields entry) with its status filled.
extension LocalKubeCluster {
    /// What a kube-apiserver set up by kubeadm takes as its own audience (`--api-audiences`
    /// defaults to the service account issuer).
    static let apiAudiences = ["https://kubernetes.default.svc.cluster.local"]

    func review(_ type: ResourceType, namespace: String?, request: APIRequest) throws(APIError) -> APIResponse {
        let options = WriteOptions(request)
        let body: JSONValue
        if MediaTypes.base(request.contentType ?? "") == "application/vnd.kubernetes.protobuf" {
            do { body = try ReviewProtobuf.decode(request.body, kind: type.kind) } catch { throw APIError.badRequest(error.reason) }
        } else {
            body = try parseObjectBody(request, custom: false)
        }
        try checkTypeMatches(body, type)
        var metadata = body["metadata"].objectValue ?? [:]
        // As the create handler: the request's namespace wins over an empty one; a cluster-scoped kind has none.
        let sent = metadata["namespace"]?.stringValue ?? ""
        let requested = namespace ?? ""
        if sent != requested {
            if sent.isEmpty {
                metadata["namespace"] = .string(requested)
            } else if requested.isEmpty {
                metadata["namespace"] = nil
            } else {
                throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
        }
        metadata["managedFields"] = nil
        if metadata["creationTimestamp"] == nil { metadata["creationTimestamp"] = .null }
        var object: JSONValue = ["kind": .string(type.kind), "apiVersion": .string(type.apiVersion), "metadata": .object(metadata)]
        switch type.kind {
        case "TokenReview": object["spec"] = Self.compact(body["spec"], strings: ["token"], lists: ["audiences"])
        case "SelfSubjectAccessReview": object["spec"] = Self.accessSpec(body["spec"], withSubject: false)
        default: object["spec"] = Self.accessSpec(body["spec"], withSubject: true)
        }
        object = try FieldManagement.update(old: nil, new: object, manager: options.manager, type: type, subresource: nil, schemas: schemas)

        switch type.kind {
        case "TokenReview":
            if (object["spec"]["token"].stringValue ?? "").isEmpty {
                throw APIError.badRequest("token is required for TokenReview in authentication")
            }
            object["status"] = tokenReviewStatus(object["spec"])
        case "SubjectAccessReview", "SelfSubjectAccessReview", "LocalSubjectAccessReview":
            let errors = Self.accessReviewErrors(object, kind: type.kind)
            if !errors.isEmpty { throw APIError.invalid(kind: type.kind, group: type.group, name: "", causes: errors.causes) }
            if type.kind == "LocalSubjectAccessReview", requested.isEmpty {
                throw APIError.badRequest("namespace is required on this type: ")
            }
            let spec = object["spec"]
            let user = type.kind == "SelfSubjectAccessReview"
                ? request.user
                : UserInfo(name: spec["user"].stringValue ?? "", uid: spec["uid"].stringValue ?? "", groups: (spec["groups"].arrayValue ?? []).compactMap(\.stringValue))
            let decision = rbacAuthorizer().authorize(Self.attributes(of: spec, user: user))
            var status: JSONValue = ["allowed": .bool(decision.allowed)]
            if !decision.reason.isEmpty { status["reason"] = .string(decision.reason) }
            object["status"] = status
        default:
            throw APIError.methodNotAllowed()
        }
        return .json(object, status: 201)
    }

    /// The TokenReview authenticator: this cluster's admin and user tokens, valid for the server's
    /// own audience. An unknown token (or one asked for other audiences) is just not authenticated.
    private func tokenReviewStatus(_ spec: JSONValue) -> JSONValue {
        let asked = (spec["audiences"].arrayValue ?? []).compactMap(\.stringValue)
        let audiences = Self.apiAudiences.filter { asked.isEmpty || asked.contains($0) }
        guard !audiences.isEmpty, let user = authenticate(token: spec["token"].stringValue ?? "") else { return ["user": .emptyObject] }
        var info: JSONValue = ["username": .string(user.name)]
        if !user.uid.isEmpty { info["uid"] = .string(user.uid) }
        if !user.groups.isEmpty { info["groups"] = .array(user.groups.map(JSONValue.string)) }
        return ["authenticated": true, "user": info, "audiences": .array(audiences.map(JSONValue.string))]
    }

    /// What a review's spec asks about, for the authorizer.
    static func attributes(of spec: JSONValue, user: UserInfo) -> AuthorizationAttributes {
        if case .object = spec["resourceAttributes"] {
            let r = spec["resourceAttributes"]
            var attributes = AuthorizationAttributes.resource(
                user, verb: r["verb"].stringValue ?? "", group: r["group"].stringValue ?? "", resource: r["resource"].stringValue ?? "",
                subresource: r["subresource"].stringValue ?? "", namespace: r["namespace"].stringValue ?? "", name: r["name"].stringValue ?? "")
            attributes.version = r["version"].stringValue ?? ""
            return attributes
        }
        let n = spec["nonResourceAttributes"]
        return .nonResource(user, verb: n["verb"].stringValue ?? "", path: n["path"].stringValue ?? "")
    }

    /// The server's validation of the access reviews.
    static func accessReviewErrors(_ review: JSONValue, kind: String) -> FieldErrors {
        var errors = FieldErrors()
        let spec = review["spec"]
        let hasResource = !spec["resourceAttributes"].isNull
        let hasNonResource = !spec["nonResourceAttributes"].isNull
        if hasResource, hasNonResource {
            errors.invalid("spec.nonResourceAttributes", .go(nonResourceGoSyntax(spec["nonResourceAttributes"])), "cannot be specified in combination with resourceAttributes")
        }
        if !hasResource, !hasNonResource {
            errors.invalid("spec.resourceAttributes", .string("null"), "exactly one of nonResourceAttributes or resourceAttributes must be specified")
        }
        if kind != "SelfSubjectAccessReview", (spec["user"].stringValue ?? "").isEmpty, (spec["groups"].arrayValue ?? []).isEmpty {
            errors.invalid("spec.user", .string(""), "at least one of user or group must be specified")
        }
        var metadata = review["metadata"]
        metadata.removeValue(forKey: "managedFields")
        if kind == "LocalSubjectAccessReview" { metadata.removeValue(forKey: "namespace") }
        if !isEmptyObjectMeta(metadata) {
            errors.invalid("metadata", .go(objectMetaGoSyntax(review["metadata"])), kind == "LocalSubjectAccessReview" ? "must be empty except for namespace" : "must be empty")
        }
        if kind == "LocalSubjectAccessReview" {
            let namespace = review["metadata"]["namespace"].stringValue ?? ""
            if hasResource, (spec["resourceAttributes"]["namespace"].stringValue ?? "") != namespace {
                errors.invalid("spec.resourceAttributes.namespace", .string(spec["resourceAttributes"]["namespace"].stringValue ?? ""), "must match metadata.namespace")
            }
            if hasNonResource {
                errors.invalid("spec.nonResourceAttributes", .go(nonResourceGoSyntax(spec["nonResourceAttributes"])), "disallowed on this kind of request")
            }
        }
        return errors
    }

    /// An ObjectMeta equal to the empty one (nil and empty collections alike).
    private static func isEmptyObjectMeta(_ metadata: JSONValue) -> Bool {
        for (_, value) in metadata.objectValue ?? [:] {
            switch value {
            case .null: continue
            case .string(let s) where s.isEmpty: continue
            case .int(0): continue
            case .array(let a) where a.isEmpty: continue
            case .object(let o) where o.isEmpty: continue
            default: return false
            }
        }
        return true
    }

    /// `authorization.NonResourceAttributes{Path:"/x", Verb:"get"}` (Go's `%#v` of the server's type).
    private static func nonResourceGoSyntax(_ value: JSONValue) -> String {
        "authorization.NonResourceAttributes{Path:\(GoSyntax.quote(value["path"].stringValue ?? "")), Verb:\(GoSyntax.quote(value["verb"].stringValue ?? ""))}"
    }

    /// `v1.ObjectMeta{Name:"x", ...}` as Go's `%#v` prints it (owner references and managed fields summarised).
    private static func objectMetaGoSyntax(_ m: JSONValue) -> String {
        func s(_ key: String) -> String { GoSyntax.quote(m[key].stringValue ?? "") }
        let creation = m["creationTimestamp"].stringValue.map { "v1.Time{\(GoSyntax.quote($0))}" } ?? "time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)"
        let grace = m["deletionGracePeriodSeconds"].intValue.map { "(*int64)(\($0))" } ?? "(*int64)(nil)"
        let owners = (m["ownerReferences"].arrayValue ?? []).isEmpty ? "[]v1.OwnerReference(nil)" : "[]v1.OwnerReference{...}"
        let managed = (m["managedFields"].arrayValue ?? []).isEmpty ? "[]v1.ManagedFieldsEntry(nil)" : "[]v1.ManagedFieldsEntry{...}"
        return "v1.ObjectMeta{Name:\(s("name")), GenerateName:\(s("generateName")), Namespace:\(s("namespace")), SelfLink:\(s("selfLink")), "
            + "UID:\(s("uid")), ResourceVersion:\(s("resourceVersion")), Generation:\(m["generation"].intValue ?? 0), CreationTimestamp:\(creation), "
            + "DeletionTimestamp:<nil>, DeletionGracePeriodSeconds:\(grace), Labels:\(GoSyntax.stringMap(m["labels"])), "
            + "Annotations:\(GoSyntax.stringMap(m["annotations"])), OwnerReferences:\(owners), Finalizers:\(GoSyntax.stringSlice(m["finalizers"])), "
            + "ZZZ_DeprecatedClusterName:\(s("clusterName")), ManagedFields:\(managed)}"
    }

    /// A SubjectAccessReviewSpec (or the self one, without the subject) as the server re-encodes it.
    private static func accessSpec(_ spec: JSONValue, withSubject: Bool) -> JSONValue {
        var result: JSONValue = .emptyObject
        if case .object = spec["resourceAttributes"] {
            result["resourceAttributes"] = compact(spec["resourceAttributes"], strings: ["namespace", "verb", "group", "version", "resource", "subresource", "name"], lists: [])
        }
        if case .object = spec["nonResourceAttributes"] {
            result["nonResourceAttributes"] = compact(spec["nonResourceAttributes"], strings: ["path", "verb"], lists: [])
        }
        guard withSubject else { return result }
        let subject = compact(spec, strings: ["user", "uid"], lists: ["groups"])
        for (key, value) in subject.objectValue ?? [:] { result[key] = value }
        if case .object(let extra) = spec["extra"], !extra.isEmpty { result["extra"] = .object(extra) }
        return result
    }

    /// The named string and string-list fields of an object, empty ones left out (`omitempty`).
    private static func compact(_ value: JSONValue, strings: [String], lists: [String]) -> JSONValue {
        var result: JSONValue = .emptyObject
        for key in strings {
            if let s = value[key].stringValue, !s.isEmpty { result[key] = .string(s) }
        }
        for key in lists {
            if let a = value[key].arrayValue, !a.isEmpty { result[key] = .array(a) }
        }
        return result
    }
}
