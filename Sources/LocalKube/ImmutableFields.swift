import KubernetesModel

/// Fields that may not change once set, refused on update as the server words it: workload and
/// Job selectors, a Job's template, completions and completion mode, a Service's cluster IP, a
/// Secret's type, the contents of a ConfigMap or Secret marked `immutable`, a binding's roleRef
/// and a StorageClass's provisioner, parameters, reclaim policy and binding mode.
enum ImmutableFields {
    static func errors(old: JSONValue, new: JSONValue, type: ResourceType) -> FieldErrors {
        var errors = FieldErrors()
        switch (type.group, type.kind) {
        case ("apps", "Deployment"), ("apps", "DaemonSet"), ("apps", "StatefulSet"), ("apps", "ReplicaSet"):
            if old["spec"]["selector"] != new["spec"]["selector"] {
                errors.invalid("spec.selector", .go(GoSyntax.labelSelector(new["spec"]["selector"])), "field is immutable")
            }
        case ("batch", "Job"):
            if old["spec"]["completions"] != new["spec"]["completions"] {
                errors.invalid("spec.completions", new["spec"]["completions"].intValue.map { .int($0) } ?? .go("null"), "field is immutable")
            }
            if old["spec"]["selector"] != new["spec"]["selector"] {
                errors.invalid("spec.selector", .go(GoSyntax.labelSelector(new["spec"]["selector"])), "field is immutable")
            }
            if old["spec"]["template"] != new["spec"]["template"] {
                // The server prints the whole template as a Go struct (`core.PodTemplateSpec{…}`).
                errors.invalid("spec.template", .go(new["spec"]["template"].jsonString()), "field is immutable")
            }
            if old["spec"]["completionMode"] != new["spec"]["completionMode"] {
                errors.invalid("spec.completionMode", .string(new["spec"]["completionMode"].stringValue ?? ""), "field is immutable")
            }
        case ("rbac.authorization.k8s.io", "RoleBinding"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"):
            errors.append(contentsOf: RBACValidation.roleRefChange(old: old, new: new))
        case ("storage.k8s.io", "StorageClass"):
            errors.append(contentsOf: ClusterPolicyValidation.storageClassChange(old: old, new: new))
        case ("", "Service"):
            clusterIPErrors(old: old["spec"], new: new["spec"], errors: &errors)
            // `validateServiceExternalTrafficFieldsUpdate`: the health check port stays while one is needed.
            if ServiceValidation.needsHealthCheck(old["spec"]), ServiceValidation.needsHealthCheck(new["spec"]),
               old["spec"]["healthCheckNodePort"] != new["spec"]["healthCheckNodePort"] {
                errors.forbidden("spec.healthCheckNodePort", "field is immutable")
            }
        case ("", "Secret"), ("", "ConfigMap"):
            if type.kind == "Secret", old["type"] != new["type"] {
                errors.invalid("type", .string(new["type"].stringValue ?? ""), "field is immutable")
            }
            if old["immutable"].boolValue == true {
                let message = "field is immutable when `immutable` is set"
                if new["immutable"].boolValue != true { errors.forbidden("immutable", message) }
                if old["data"] != new["data"] { errors.forbidden("data", message) }
                if type.kind == "ConfigMap", old["binaryData"] != new["binaryData"] { errors.forbidden("binaryData", message) }
            }
        default:
            break
        }
        return errors
    }

    /// A cluster IP, once allocated, stays (unless the Service is or becomes ExternalName).
    private static func clusterIPErrors(old: JSONValue, new: JSONValue, errors: inout FieldErrors) {
        if old["type"] == "ExternalName" || new["type"] == "ExternalName" { return }
        let oldIP = old["clusterIP"].stringValue ?? "", newIP = new["clusterIP"].stringValue ?? ""
        if oldIP.isEmpty || (oldIP == "None" && newIP == "None") || oldIP == newIP { return }
        // The server keeps clusterIPs[0] in step with a changed clusterIP before it validates.
        var ips = new["clusterIPs"].arrayValue ?? []
        if new["clusterIPs"] == old["clusterIPs"] {
            if ips.isEmpty { ips = [.string(newIP)] } else { ips[0] = .string(newIP) }
        }
        if newIP.isEmpty && ips.isEmpty {
            errors.invalid("spec.clusterIPs[0]", .go("[]string(nil)"), "primary clusterIP can not be unset")
        } else {
            errors.invalid("spec.clusterIPs[0]", .go(GoSyntax.stringSlice(.array(ips))), "may not change once set")
        }
    }
}
