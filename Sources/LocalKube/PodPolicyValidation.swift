import KubernetesModel

/// The pod-level policies of a pod spec as the server's core validation checks them: the DNS
/// policy, node selector labels, the pod's and each container's security context (user and
/// group ids in range, seccomp profile type, fsGroupChangePolicy) and tolerations. The server
/// does not check capability names, so neither does LocalKube.
enum PodPolicyValidation {
    static let dnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
    static let idRangeMessage = "must be between 0 and 2147483647, inclusive"
    static let seccompTypes = ["Localhost", "RuntimeDefault", "Unconfined"]
    static let taintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"]

    static func dnsPolicy(_ spec: JSONValue, path: String, errors: inout FieldErrors) {
        guard let policy = spec["dnsPolicy"].stringValue else { return }
        if policy.isEmpty {
            errors.required("\(path).dnsPolicy")
        } else if !dnsPolicies.contains(policy) {
            errors.notSupported("\(path).dnsPolicy", policy, dnsPolicies)
        }
    }

    /// `validateReadinessGates`: each condition type a qualified name.
    static func readinessGates(_ gates: [JSONValue], path: String, errors: inout FieldErrors) {
        for (i, gate) in gates.enumerated() {
            let type = gate["conditionType"].stringValue ?? ""
            for message in LabelValidation.qualifiedNameErrors(type) { errors.invalid("\(path)[\(i)].conditionType", .string(type), message) }
        }
    }

    /// `ValidateLabels` on the node selector: keys as qualified names, values as label values.
    static func nodeSelector(_ spec: JSONValue, path: String, errors: inout FieldErrors) {
        let field = "\(path).nodeSelector"
        for (key, value) in (spec["nodeSelector"].objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            for message in LabelValidation.qualifiedNameErrors(key) { errors.invalid(field, .string(key), message) }
            let text = value.stringValue ?? ""
            for message in LabelValidation.labelValueErrors(text) { errors.invalid(field, .string(text), message) }
        }
    }

    /// `ValidatePodSecurityContext`.
    static func podSecurityContext(_ context: JSONValue, path: String, errors: inout FieldErrors) {
        guard case .object = context else { return }
        for field in ["fsGroup", "runAsUser", "runAsGroup"] { idRange(context[field], "\(path).\(field)", &errors) }
        for (i, group) in (context["supplementalGroups"].arrayValue ?? []).enumerated() {
            idRange(group, "\(path).supplementalGroups[\(i)]", &errors)
        }
        if let policy = context["fsGroupChangePolicy"].stringValue, !["Always", "OnRootMismatch"].contains(policy) {
            errors.notSupported("\(path).fsGroupChangePolicy", policy, ["Always", "OnRootMismatch"])
        }
        seccompProfile(context["seccompProfile"], path: "\(path).seccompProfile", errors: &errors)
    }

    /// `ValidateSecurityContext` of a container (privileged is left to the cluster's policy, which
    /// allows it on kubeadm clusters; procMount is behind a feature gate that is off in v1.24, so
    /// the server drops it): ids, seccomp, then `allowPrivilegeEscalation: false` against
    /// `privileged: true` and an added `CAP_SYS_ADMIN`, each reported at the context with the
    /// internal `core.SecurityContext` as Go's `%#v` prints it. Windows options are not checked.
    static func containerSecurityContext(_ context: JSONValue, path: String, errors: inout FieldErrors) {
        guard case .object = context else { return }
        for field in ["runAsUser", "runAsGroup"] { idRange(context[field], "\(path).\(field)", &errors) }
        seccompProfile(context["seccompProfile"], path: "\(path).seccompProfile", errors: &errors)
        guard context["allowPrivilegeEscalation"].boolValue == false else { return }
        if context["privileged"].boolValue == true {
            errors.invalid(path, .go(goSecurityContext(context)), "cannot set `allowPrivilegeEscalation` to false and `privileged` to true")
        }
        for capability in context["capabilities"]["add"].arrayValue ?? [] where capability == "CAP_SYS_ADMIN" {
            errors.invalid(path, .go(goSecurityContext(context)), "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN")
        }
    }

    /// The internal `core.SecurityContext` as `%#v` prints it: every field a pointer, set ones with
    /// stand-in addresses. `ProcMount` is always nil: the gate is off in v1.24 and the strategy
    /// drops it before validation.
    static func goSecurityContext(_ context: JSONValue) -> String {
        let fields: [(String, String, String)] = [
            ("Capabilities", "capabilities", "core.Capabilities"), ("Privileged", "privileged", "bool"),
            ("SELinuxOptions", "seLinuxOptions", "core.SELinuxOptions"), ("WindowsOptions", "windowsOptions", "core.WindowsSecurityContextOptions"),
            ("RunAsUser", "runAsUser", "int64"), ("RunAsGroup", "runAsGroup", "int64"), ("RunAsNonRoot", "runAsNonRoot", "bool"),
            ("ReadOnlyRootFilesystem", "readOnlyRootFilesystem", "bool"), ("AllowPrivilegeEscalation", "allowPrivilegeEscalation", "bool"),
            ("ProcMount", "", "core.ProcMountType"), ("SeccompProfile", "seccompProfile", "core.SeccompProfile"),
        ]
        var pointers = GoSyntax.Pointers(from: 0xc000c30000)
        return "core.SecurityContext{" + fields.map { name, key, type in
            "\(name):" + pointers.pointer(type, set: !key.isEmpty && !context[key].isNull)
        }.joined(separator: ", ") + "}"
    }

    private static func idRange(_ value: JSONValue, _ field: String, _ errors: inout FieldErrors) {
        if let id = value.intValue, id < 0 || id > Int64(Int32.max) { errors.invalid(field, .int(id), idRangeMessage) }
    }

    private static func seccompProfile(_ profile: JSONValue, path: String, errors: inout FieldErrors) {
        guard case .object = profile else { return }
        let type = profile["type"].stringValue ?? ""
        if type.isEmpty {
            errors.required("\(path).type", "type is required when seccompProfile is set")
        } else if !seccompTypes.contains(type) {
            errors.notSupported("\(path).type", type, seccompTypes)
        }
        if type == "Localhost" {
            if let local = profile["localhostProfile"].stringValue {
                PodVolumeValidation.localDescendingPath(local, "\(path).localhostProfile", &errors)
            } else {
                errors.required("\(path).localhostProfile", "must be set when seccomp type is Localhost")
            }
        }
    }

    /// `ValidateTolerations`.
    static func tolerations(_ tolerations: [JSONValue], path: String, errors: inout FieldErrors) {
        for (i, toleration) in tolerations.enumerated() {
            let at = "\(path)[\(i)]"
            let key = toleration["key"].stringValue ?? ""
            let op = toleration["operator"].stringValue ?? ""
            let value = toleration["value"].stringValue ?? ""
            let effect = toleration["effect"].stringValue ?? ""
            if !key.isEmpty {
                for message in LabelValidation.qualifiedNameErrors(key) { errors.invalid("\(at).key", .string(key), message) }
            }
            if key.isEmpty, op != "Exists" {
                errors.invalid("\(at).operator", .string(op), "operator must be Exists when `key` is empty, which means \"match all values and all keys\"")
            }
            if !toleration["tolerationSeconds"].isNull, effect != "NoExecute" {
                errors.invalid("\(at).effect", .string(effect), "effect must be 'NoExecute' when `tolerationSeconds` is set")
            }
            switch op {
            case "Equal", "":
                let messages = LabelValidation.labelValueErrors(value)
                if !messages.isEmpty { errors.invalid("\(at).operator", .string(value), messages.joined(separator: ";")) }
            case "Exists":
                if !value.isEmpty { errors.invalid("\(at).operator", .go(goToleration(toleration)), "value must be empty when `operator` is 'Exists'") }
            default:
                errors.notSupported("\(at).operator", op, ["Equal", "Exists"])
            }
            if !effect.isEmpty, !taintEffects.contains(effect) {
                errors.notSupported("\(at).effect", effect, taintEffects)
            }
        }
    }

    /// The toleration as the server prints it (`%#v` of `core.Toleration`); a set
    /// tolerationSeconds is a pointer, printed with a stand-in address.
    private static func goToleration(_ t: JSONValue) -> String {
        let seconds = t["tolerationSeconds"].isNull ? "(*int64)(nil)" : "(*int64)(0xc000a10040)"
        return "core.Toleration{Key:\(GoSyntax.quote(t["key"].stringValue ?? "")), Operator:\(GoSyntax.quote(t["operator"].stringValue ?? "")), "
            + "Value:\(GoSyntax.quote(t["value"].stringValue ?? "")), Effect:\(GoSyntax.quote(t["effect"].stringValue ?? "")), TolerationSeconds:\(seconds)}"
    }
}
