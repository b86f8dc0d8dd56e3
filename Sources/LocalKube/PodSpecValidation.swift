import KubernetesModel
import StructuredMerge

/// A pod spec (of a Pod, or the template of a workload) checked as the server's core validation
/// checks it (`ValidatePodSpec`, in its order): volumes, containers (names, images, lifecycle
/// handlers, probes, termination message policy, ports, environment variable names, volume
/// mounts, image pull policy, resources, security context), the restart policy each owner
/// allows, the DNS policy, the node selector, the pod security context, affinity, the DNS
/// config, readiness gates, topology spread constraints, tolerations and host aliases.
enum PodSpecValidation {
    static let protocols = ["SCTP", "TCP", "UDP"]
    static let pullPolicies = ["Always", "IfNotPresent", "Never"]
    static let envVarNameMessage = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"

    /// `spec` is the pod spec at `path` (`spec`, `spec.template.spec`); `restartPolicies` the
    /// values its owner accepts, in the order the server lists them.
    static func errors(_ spec: JSONValue, path: String, restartPolicies: [String]) -> FieldErrors {
        var errors = FieldErrors()
        let volumes = PodVolumeValidation.volumes(spec["volumes"].arrayValue ?? [], path: "\(path).volumes", errors: &errors)
        let containers = spec["containers"].arrayValue ?? []
        var names = Set<String>()
        if containers.isEmpty {
            errors.required("\(path).containers")
        } else {
            containerErrors(containers, volumes: volumes, path: "\(path).containers", names: &names, errors: &errors)
        }
        containerErrors(spec["initContainers"].arrayValue ?? [], volumes: volumes, path: "\(path).initContainers", names: &names, errors: &errors)
        if let policy = spec["restartPolicy"].stringValue, !restartPolicies.contains(policy) {
            errors.notSupported("\(path).restartPolicy", policy, restartPolicies)
        }
        PodPolicyValidation.dnsPolicy(spec, path: path, errors: &errors)
        PodPolicyValidation.nodeSelector(spec, path: path, errors: &errors)
        PodPolicyValidation.podSecurityContext(spec["securityContext"], path: "\(path).securityContext", errors: &errors)
        PodSchedulingValidation.affinity(spec["affinity"], path: "\(path).affinity", errors: &errors)
        PodDNSValidation.dnsConfig(spec, path: "\(path).dnsConfig", errors: &errors)
        PodPolicyValidation.readinessGates(spec["readinessGates"].arrayValue ?? [], path: "\(path).readinessGates", errors: &errors)
        PodSchedulingValidation.topologySpreadConstraints(spec["topologySpreadConstraints"].arrayValue ?? [], path: "\(path).topologySpreadConstraints", errors: &errors)
        PodPolicyValidation.tolerations(spec["tolerations"].arrayValue ?? [], path: "\(path).tolerations", errors: &errors)
        PodDNSValidation.hostAliases(spec["hostAliases"].arrayValue ?? [], path: "\(path).hostAliases", errors: &errors)
        return errors
    }

    /// `validateContainers`, in the server's order of checks.
    private static func containerErrors(_ containers: [JSONValue], volumes: Set<String>, path: String, names: inout Set<String>, errors: inout FieldErrors) {
        for (i, container) in containers.enumerated() {
            let at = "\(path)[\(i)]"
            let name = container["name"].stringValue ?? ""
            if name.isEmpty {
                errors.required("\(at).name")
            } else {
                label(name, "\(at).name", &errors)
            }
            if !name.isEmpty, !names.insert(name).inserted { errors.duplicate("\(at).name", .string(name)) }
            if (container["image"].stringValue ?? "").isEmpty { errors.required("\(at).image") }
            let lifecycle = container["lifecycle"]
            for hook in ["postStart", "preStop"] where !lifecycle[hook].isNull {
                handlerErrors(lifecycle[hook], kinds: ["exec", "httpGet", "tcpSocket"], path: "\(at).lifecycle.\(hook)", errors: &errors)
            }
            probeErrors(container["livenessProbe"], path: "\(at).livenessProbe", errors: &errors)
            if let grace = container["readinessProbe"]["terminationGracePeriodSeconds"].intValue {
                errors.invalid("\(at).readinessProbe.terminationGracePeriodSeconds", .int(grace), "must not be set for readinessProbes")
            }
            probeErrors(container["startupProbe"], path: "\(at).startupProbe", errors: &errors)
            successThreshold(container["livenessProbe"], path: "\(at).livenessProbe", errors: &errors)
            // v1.24 checks the startup probe twice; its message names each error once.
            probeErrors(container["startupProbe"], path: "\(at).startupProbe", errors: &errors)
            successThreshold(container["startupProbe"], path: "\(at).startupProbe", errors: &errors)
            if let policy = container["terminationMessagePolicy"].stringValue {
                let message = "must be 'File' or 'FallbackToLogsOnError'"
                if policy.isEmpty {
                    errors.required("\(at).terminationMessagePolicy", message)
                } else if policy != "File", policy != "FallbackToLogsOnError" {
                    errors.invalid("\(at).terminationMessagePolicy", .string(policy), message)
                }
            }
            probeErrors(container["readinessProbe"], path: "\(at).readinessProbe", errors: &errors)
            portErrors(container["ports"].arrayValue ?? [], path: "\(at).ports", errors: &errors)
            envErrors(container["env"].arrayValue ?? [], path: "\(at).env", errors: &errors)
            let privileged = container["securityContext"]["privileged"].boolValue == true
            PodVolumeValidation.mounts(container["volumeMounts"].arrayValue ?? [], volumes: volumes, privileged: privileged, path: "\(at).volumeMounts", errors: &errors)
            if let policy = container["imagePullPolicy"].stringValue {
                if policy.isEmpty {
                    errors.required("\(at).imagePullPolicy")
                } else if !pullPolicies.contains(policy) {
                    errors.notSupported("\(at).imagePullPolicy", policy, pullPolicies)
                }
            }
            ResourceRequirementsValidation.errors(container["resources"], path: "\(at).resources", errors: &errors)
            PodPolicyValidation.containerSecurityContext(container["securityContext"], path: "\(at).securityContext", errors: &errors)
        }
    }

    private static func successThreshold(_ probe: JSONValue, path: String, errors: inout FieldErrors) {
        if let threshold = probe["successThreshold"].intValue, threshold != 1 {
            errors.invalid("\(path).successThreshold", .int(threshold), "must be 1")
        }
    }

    private static func portErrors(_ ports: [JSONValue], path: String, errors: inout FieldErrors) {
        var names = Set<String>()
        for (i, port) in ports.enumerated() {
            let at = "\(path)[\(i)]"
            if let name = port["name"].stringValue, !name.isEmpty {
                for message in PortValidation.nameErrors(name) { errors.invalid("\(at).name", .string(name), message) }
                if !names.insert(name).inserted { errors.duplicate("\(at).name", .string(name)) }
            }
            let containerPort = port["containerPort"].intValue ?? 0
            if containerPort == 0 {
                errors.required("\(at).containerPort")
            } else if let message = PortValidation.numberError(containerPort) {
                errors.invalid("\(at).containerPort", .int(containerPort), message)
            }
            if let hostPort = port["hostPort"].intValue, hostPort != 0, let message = PortValidation.numberError(hostPort) {
                errors.invalid("\(at).hostPort", .int(hostPort), message)
            }
            if let proto = port["protocol"].stringValue, !protocols.contains(proto) {
                errors.notSupported("\(at).protocol", proto, protocols)
            }
        }
    }

    private static func envErrors(_ env: [JSONValue], path: String, errors: inout FieldErrors) {
        for (i, variable) in env.enumerated() {
            let field = "\(path)[\(i)].name"
            let name = variable["name"].stringValue ?? ""
            if name.isEmpty {
                errors.required(field)
                continue
            }
            let bytes = Array(name.utf8)
            func allowed(_ c: UInt8, first: Bool) -> Bool {
                let letter = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c)
                let digit = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
                return letter || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".") || (!first && digit)
            }
            if !(allowed(bytes[0], first: true) && bytes.dropFirst().allSatisfy { allowed($0, first: false) }) {
                errors.invalid(field, .string(name), envVarNameMessage)
            }
            if name == "." { errors.invalid(field, .string(name), "must not be '.'") }
            else if name == ".." { errors.invalid(field, .string(name), "must not be '..'") }
            else if name.hasPrefix("..") { errors.invalid(field, .string(name), "must not start with '..'") }
        }
    }

    /// `validateProbe`: exactly one handler; thresholds and delays not negative.
    private static func probeErrors(_ probe: JSONValue, path: String, errors: inout FieldErrors) {
        guard !probe.isNull else { return }
        handlerErrors(probe, kinds: ["exec", "httpGet", "tcpSocket", "grpc"], path: path, errors: &errors)
        for field in ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"] {
            if let value = probe[field].intValue, value < 0 {
                errors.invalid("\(path).\(field)", .int(value), "must be greater than or equal to 0")
            }
        }
        if let grace = probe["terminationGracePeriodSeconds"].intValue, grace <= 0 {
            errors.invalid("\(path).terminationGracePeriodSeconds", .int(grace), "must be greater than 0")
        }
    }

    /// `validateHandler` of a probe or a lifecycle hook: exactly one of `kinds` (Required / Forbidden).
    private static func handlerErrors(_ handler: JSONValue, kinds: [String], path: String, errors: inout FieldErrors) {
        var handlers = 0
        for kind in kinds where !handler[kind].isNull {
            if handlers > 0 {
                errors.forbidden("\(path).\(kind)", "may not specify more than 1 handler type")
                continue
            }
            handlers += 1
            let at = "\(path).\(kind)"
            switch kind {
            case "exec":
                if (handler["exec"]["command"].arrayValue ?? []).isEmpty { errors.required("\(at).command") }
            case "httpGet":
                if (handler["httpGet"]["path"].stringValue ?? "").isEmpty { errors.required("\(at).path") }
                PortValidation.numberOrNameErrors(handler["httpGet"]["port"], path: "\(at).port", errors: &errors)
                if let scheme = handler["httpGet"]["scheme"].stringValue, !["HTTP", "HTTPS"].contains(scheme) {
                    errors.notSupported("\(at).scheme", scheme, ["HTTP", "HTTPS"])
                }
            case "tcpSocket":
                PortValidation.numberOrNameErrors(handler["tcpSocket"]["port"], path: "\(at).port", errors: &errors)
            default:
                let port = handler["grpc"]["port"].intValue ?? 0
                if let message = PortValidation.numberError(port) { errors.invalid("\(at).port", .int(port), message) }
            }
        }
        if handlers == 0 { errors.required(path, "must specify a handler type") }
    }

    /// `ValidateDNS1123Label`: length, then form.
    static func label(_ value: String, _ field: String, _ errors: inout FieldErrors) {
        if value.utf8.count > 63 { errors.invalid(field, .string(value), "must be no more than 63 characters") }
        if !ObjectValidation.hasLabelForm(value) {
            errors.invalid(field, .string(value), ObjectValidation.labelMessage)
        }
    }
}
