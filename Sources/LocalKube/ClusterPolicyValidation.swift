import KubernetesModel

/// PodDisruptionBudgets, StorageClasses, CSIDrivers, Ingresses, NetworkPolicies and webhook configurations
/// as the server's policy, storage, networking and admissionregistration validation checks them.
enum ClusterPolicyValidation {
    static let percentMessage = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"

    static func errors(_ object: JSONValue, type: ResourceType) -> FieldErrors? {
        switch (type.group, type.kind) {
        case ("policy", "PodDisruptionBudget"): return disruptionBudget(object["spec"])
        case ("storage.k8s.io", "StorageClass"): return storageClass(object)
        case ("storage.k8s.io", "CSIDriver"): return csiDriver(object["spec"])
        case ("networking.k8s.io", "Ingress"): return ingress(object["spec"])
        case ("networking.k8s.io", "NetworkPolicy"): return NetworkPolicyValidation.errors(object["spec"])
        case ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"), ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"):
            return webhooks(object["webhooks"].arrayValue ?? [])
        default: return nil
        }
    }

    /// Fields a StorageClass keeps once created.
    static func storageClassChange(old: JSONValue, new: JSONValue) -> FieldErrors {
        var errors = FieldErrors()
        if old["parameters"] != new["parameters"] { errors.forbidden("parameters", "updates to parameters are forbidden.") }
        if old["provisioner"] != new["provisioner"] { errors.forbidden("provisioner", "updates to provisioner are forbidden.") }
        if old["reclaimPolicy"] != new["reclaimPolicy"] { errors.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden.") }
        if old["volumeBindingMode"] != new["volumeBindingMode"] {
            errors.invalid("volumeBindingMode", .string(new["volumeBindingMode"].stringValue ?? ""), "field is immutable")
        }
        return errors
    }

    // MARK: policy

    private static func disruptionBudget(_ spec: JSONValue) -> FieldErrors {
        var errors = FieldErrors()
        if !spec["minAvailable"].isNull && !spec["maxUnavailable"].isNull {
            // The server prints the spec struct, with its pointers as addresses.
            func pointer(_ value: JSONValue, _ type: String, _ address: String) -> String { value.isNull ? "(*\(type))(nil)" : "(*\(type))(\(address))" }
            let text = "policy.PodDisruptionBudgetSpec{MinAvailable:\(pointer(spec["minAvailable"], "intstr.IntOrString", "0xc000a10000")), "
                + "Selector:\(pointer(spec["selector"], "v1.LabelSelector", "0xc000a10010")), MaxUnavailable:\(pointer(spec["maxUnavailable"], "intstr.IntOrString", "0xc000a10020"))}"
            errors.invalid("spec", .go(text), "minAvailable and maxUnavailable cannot be both set")
        }
        for field in ["minAvailable", "maxUnavailable"] {
            switch spec[field] {
            case .string(let text):
                let value = "intstr.IntOrString{Type:1, IntVal:0, StrVal:\(GoSyntax.quote(text))}"
                let digits = text.dropLast()
                let isPercent = text.hasSuffix("%") && !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
                if !isPercent {
                    errors.invalid("spec.\(field)", .go(value), percentMessage)
                } else if let percent = Int(digits), percent > 100 {
                    errors.invalid("spec.\(field)", .go(value), "must not be greater than 100%")
                }
            case .int(let number) where number < 0:
                errors.invalid("spec.\(field)", .int(number), "must be greater than or equal to 0")
            default:
                break
            }
        }
        errors.append(contentsOf: LabelSelectorValidation.errors(spec["selector"], path: "spec.selector"))
        return errors
    }

    // MARK: storage

    /// A CSIDriver's fsGroupPolicy and volume lifecycle modes (the boolean fields are defaulted,
    /// so their Required rules cannot be met).
    private static func csiDriver(_ spec: JSONValue) -> FieldErrors {
        var errors = FieldErrors()
        if let policy = spec["fsGroupPolicy"].stringValue, !["File", "None", "ReadWriteOnceWithFSType"].contains(policy) {
            errors.notSupported("spec.fsGroupPolicy", policy, ["File", "None", "ReadWriteOnceWithFSType"])
        }
        for mode in (spec["volumeLifecycleModes"].arrayValue ?? []).map({ $0.stringValue ?? "" }) where mode != "Persistent" && mode != "Ephemeral" {
            errors.notSupported("spec.volumeLifecycleModes", mode, ["Persistent", "Ephemeral"])
        }
        return errors
    }

    private static func storageClass(_ object: JSONValue) -> FieldErrors {
        var errors = FieldErrors()
        let provisioner = object["provisioner"].stringValue ?? ""
        if provisioner.isEmpty {
            errors.required("provisioner")
        } else {
            for message in LabelValidation.qualifiedNameErrors(provisioner.lowercased()) {
                errors.invalid("provisioner", .string(provisioner.lowercased()), message)
            }
        }
        if let policy = object["reclaimPolicy"].stringValue, !policy.isEmpty, !["Delete", "Retain"].contains(policy) {
            errors.notSupported("reclaimPolicy", policy, ["Delete", "Retain"])
        }
        if let mode = object["volumeBindingMode"].stringValue, !["Immediate", "WaitForFirstConsumer"].contains(mode) {
            errors.notSupported("volumeBindingMode", mode, ["Immediate", "WaitForFirstConsumer"])
        }
        return errors
    }

    // MARK: networking

    static let wildcardSubdomainMessage = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

    private static func ingress(_ spec: JSONValue) -> FieldErrors {
        var errors = FieldErrors()
        if (spec["rules"].arrayValue ?? []).isEmpty, spec["defaultBackend"].isNull {
            let rules = spec["rules"].isNull ? "[]networking.IngressRule(nil)" : "[]networking.IngressRule{}"
            errors.invalid("spec", .go(rules), "either `defaultBackend` or `rules` must be specified")
        }
        if !spec["defaultBackend"].isNull { backend(spec["defaultBackend"], path: "spec.defaultBackend", errors: &errors) }
        for (i, rule) in (spec["rules"].arrayValue ?? []).enumerated() {
            if let host = rule["host"].stringValue, !host.isEmpty {
                let field = "spec.rules[\(i)].host"
                if host.split(separator: ".").count == 4, host.split(separator: ".").allSatisfy({ UInt8($0) != nil }) {
                    errors.invalid(field, .string(host), "must be a DNS name, not an IP address")
                } else {
                    let name = host.hasPrefix("*.") ? String(host.dropFirst(2)) : host
                    if !ObjectValidation.isSubdomain(name) {
                        errors.invalid(field, .string(host), host.contains("*") ? wildcardSubdomainMessage : ObjectValidation.subdomainMessage)
                    }
                }
            }
            for (j, path) in (rule["http"]["paths"].arrayValue ?? []).enumerated() {
                httpPath(path, at: "spec.rules[\(i)].http.paths[\(j)]", errors: &errors)
            }
        }
        for (i, tls) in (spec["tls"].arrayValue ?? []).enumerated() {
            for (j, host) in (tls["hosts"].arrayValue ?? []).map({ $0.stringValue ?? "" }).enumerated() {
                let field = "spec.tls[\(i)].hosts[\(j)]"
                if host.contains("*") {
                    if host.utf8.count > 253 { errors.invalid(field, .string(host), "must be no more than 253 characters") }
                    if !host.hasPrefix("*.") || !ObjectValidation.isSubdomain(String(host.dropFirst(2))) {
                        errors.invalid(field, .string(host), wildcardSubdomainMessage)
                    }
                } else {
                    ObjectValidation.subdomain(host, field, &errors)
                }
            }
            if let secret = tls["secretName"].stringValue, !secret.isEmpty { ObjectValidation.subdomain(secret, "spec.tls[\(i)].secretName", &errors) }
        }
        if let className = spec["ingressClassName"].stringValue { ObjectValidation.subdomain(className, "spec.ingressClassName", &errors) }
        return errors
    }

    private static func httpPath(_ path: JSONValue, at: String, errors: inout FieldErrors) {
        guard let pathType = path["pathType"].stringValue else {
            errors.required("\(at).pathType", "pathType must be specified")
            return
        }
        let text = path["path"].stringValue ?? ""
        switch pathType {
        case "Exact", "Prefix":
            if !text.hasPrefix("/") { errors.invalid("\(at).path", .string(text), "must be an absolute path") }
            for sequence in ["//", "/./", "/../", "%2f", "%2F"] where text.contains(sequence) {
                errors.invalid("\(at).path", .string(text), "must not contain '\(sequence)'")
            }
            for suffix in ["/..", "/."] where text.hasSuffix(suffix) {
                errors.invalid("\(at).path", .string(text), "cannot end with '\(suffix)'")
            }
        case "ImplementationSpecific":
            if !text.isEmpty, !text.hasPrefix("/") { errors.invalid("\(at).path", .string(text), "must be an absolute path") }
        default:
            errors.notSupported("\(at).pathType", pathType, ["Exact", "ImplementationSpecific", "Prefix"])
        }
        backend(path["backend"], path: "\(at).backend", errors: &errors)
    }

    private static func backend(_ backend: JSONValue, path: String, errors: inout FieldErrors) {
        let hasResource = !backend["resource"].isNull, hasService = !backend["service"].isNull
        if hasResource && hasService {
            errors.invalid(path, .string(""), "cannot set both resource and service backends")
            return
        }
        if hasResource { return }
        guard hasService else {
            errors.invalid(path, .string(""), "resource or service backend is required")
            return
        }
        let service = backend["service"]
        let name = service["name"].stringValue ?? ""
        if name.isEmpty {
            errors.required("\(path).service.name")
        } else if !ObjectValidation.isDNS1035Label(name) {
            errors.invalid("\(path).service.name", .string(name), ObjectValidation.dns1035Message)
        }
        let portName = service["port"]["name"].stringValue ?? ""
        let portNumber = service["port"]["number"].intValue ?? 0
        if !portName.isEmpty && portNumber != 0 {
            errors.invalid(path, .string(""), "cannot set both port name & port number")
        } else if !portName.isEmpty {
            for message in PortValidation.nameErrors(portName) { errors.invalid("\(path).service.port.name", .string(portName), message) }
        } else if portNumber != 0 {
            if let message = PortValidation.numberError(portNumber) { errors.invalid("\(path).service.port.number", .int(portNumber), message) }
        } else {
            errors.required(path, "port name or number is required")
        }
    }

    // MARK: admissionregistration

    private static func webhooks(_ hooks: [JSONValue]) -> FieldErrors {
        var errors = FieldErrors()
        var names = Set<String>()
        for (i, hook) in hooks.enumerated() {
            let at = "webhooks[\(i)]"
            let name = hook["name"].stringValue ?? ""
            if name.isEmpty {
                errors.required("\(at).name")
            } else if !ObjectValidation.isSubdomain(name) {
                errors.invalid("\(at).name", .string(name), ObjectValidation.subdomainMessage)
            } else if name.split(separator: ".", omittingEmptySubsequences: false).count < 3 {
                errors.invalid("\(at).name", .string(name), "should be a domain with at least three segments separated by dots")
            }
            for (j, rule) in (hook["rules"].arrayValue ?? []).enumerated() { webhookRule(rule, path: "\(at).rules[\(j)]", errors: &errors) }
            if let policy = hook["failurePolicy"].stringValue, !["Fail", "Ignore"].contains(policy) {
                errors.notSupported("\(at).failurePolicy", policy, ["Fail", "Ignore"])
            }
            if let policy = hook["matchPolicy"].stringValue, !["Equivalent", "Exact"].contains(policy) {
                errors.notSupported("\(at).matchPolicy", policy, ["Equivalent", "Exact"])
            }
            if let sideEffects = hook["sideEffects"].stringValue {
                if !["None", "NoneOnDryRun"].contains(sideEffects) { errors.notSupported("\(at).sideEffects", sideEffects, ["None", "NoneOnDryRun"]) }
            } else {
                errors.required("\(at).sideEffects", "must specify one of None, NoneOnDryRun")
            }
            if let timeout = hook["timeoutSeconds"].intValue, timeout < 1 || timeout > 30 {
                errors.invalid("\(at).timeoutSeconds", .int(timeout), "the timeout value must be between 1 and 30 seconds")
            }
            errors.append(contentsOf: LabelSelectorValidation.errors(hook["namespaceSelector"], path: "\(at).namespaceSelector"))
            errors.append(contentsOf: LabelSelectorValidation.errors(hook["objectSelector"], path: "\(at).objectSelector"))
            errors.append(contentsOf: WebhookClientConfigValidation.errors(hook["clientConfig"], at: "\(at).clientConfig"))
            if (hook["admissionReviewVersions"].arrayValue ?? []).isEmpty {
                errors.required("\(at).admissionReviewVersions", "must specify one of v1, v1beta1")
            }
            if !name.isEmpty, !names.insert(name).inserted { errors.duplicate("\(at).name", .string(name)) }
        }
        return errors
    }

    /// `validateRuleWithOperations`: operations, API groups and versions, resources (with
    /// subresources), scope.
    private static func webhookRule(_ rule: JSONValue, path: String, errors: inout FieldErrors) {
        func strings(_ key: String) -> [String] { (rule[key].arrayValue ?? []).map { $0.stringValue ?? "" } }
        func slice(_ type: String, _ values: [String]) -> FieldErrors.Value {
            .go("[]\(type){" + values.map(GoSyntax.quote).joined(separator: ", ") + "}")
        }
        let operations = strings("operations")
        if operations.isEmpty { errors.required("\(path).operations") }
        if operations.count > 1, operations.contains("*") {
            errors.invalid("\(path).operations", slice("admissionregistration.OperationType", operations), "if '*' is present, must not specify other operations")
        }
        let supported = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"]
        for (i, operation) in operations.enumerated() where !supported.contains(operation) {
            errors.notSupported("\(path).operations[\(i)]", operation, supported)
        }
        for (key, noun) in [("apiGroups", "API groups"), ("apiVersions", "API versions")] {
            let values = strings(key)
            if values.isEmpty { errors.required("\(path).\(key)") }
            if values.count > 1, values.contains("*") {
                errors.invalid("\(path).\(key)", slice("string", values), "if '*' is present, must not specify other \(noun)")
            }
            if key == "apiVersions" {
                for (i, version) in values.enumerated() where version.isEmpty { errors.required("\(path).apiVersions[\(i)]") }
            }
        }
        let resources = strings("resources")
        if resources.isEmpty { errors.required("\(path).resources") }
        var wildcardSubresources = Set<String>(), wildcardResources = Set<String>()
        for (i, resource) in resources.enumerated() {
            if resource.isEmpty {
                errors.required("\(path).resources[\(i)]")
                continue
            }
            let parts = resource.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { continue }
            if wildcardSubresources.contains(parts[0]) {
                errors.invalid("\(path).resources[\(i)]", .string(resource), "if '\(parts[0])/*' is present, must not specify \(resource)")
            }
            if wildcardResources.contains(parts[1]) {
                errors.invalid("\(path).resources[\(i)]", .string(resource), "if '*/\(parts[1])' is present, must not specify \(resource)")
            }
            if parts[1] == "*" { wildcardSubresources.insert(parts[0]) }
            if parts[0] == "*" { wildcardResources.insert(parts[1]) }
        }
        if resources.count > 1, resources.contains("*/*") {
            errors.invalid("\(path).resources", slice("string", resources), "if '*/*' is present, must not specify other resources")
        }
        // As upstream: the last resource without a subresource decides whether one "is present" besides `*`.
        if resources.contains("*"), let last = resources.last(where: { !$0.isEmpty && !$0.contains("/") }), last != "*" {
            errors.invalid("\(path).resources", slice("string", resources), "if '*' is present, must not specify other resources without subresources")
        }
        if let scope = rule["scope"].stringValue, !["*", "Cluster", "Namespaced"].contains(scope) {
            errors.notSupported("\(path).scope", scope, ["*", "Cluster", "Namespaced"])
        }
    }
}
