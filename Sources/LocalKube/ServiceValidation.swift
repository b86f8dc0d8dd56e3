import Foundation
import KubernetesModel

/// A Service's spec as the v1.24 server's `ValidateService` checks it, in its order: what each
/// type needs or forbids (ExternalName needs `externalName` and no cluster IPs or families,
/// headless is not for NodePort or LoadBalancer, the kubelet's port not on a load balancer),
/// each port (name, number, protocol, targetPort as a number or a port name), the session
/// affinity, the external IPs, the type, node ports only where the type has them, the load
/// balancer source ranges, and the external traffic policy with its health check node port.
///
/// The cluster IP fields (`ValidateServiceClusterIPsRelatedFields`) are checked apart: the
/// server's IP allocator runs that check before validation and answers with its errors alone.
enum ServiceValidation {
    static let types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
    static let kubeletPort: Int64 = 10250

    static func errors(_ service: JSONValue, old: JSONValue? = nil) -> FieldErrors {
        var errors = FieldErrors()
        let spec = service["spec"]
        let ports = spec["ports"].arrayValue ?? []
        let type = spec["type"].stringValue ?? "ClusterIP"
        // `ValidateServiceUpdate` checks the class's change (and its format) before
        // `ValidateService` checks the format again: an update may report it twice.
        if let old { loadBalancerClass(spec, old: old["spec"], errors: &errors) }
        let clusterIPs = normalizedClusterIPs(spec, old: old?["spec"])
        let headless = clusterIPs == ["None"]
        if ports.isEmpty, type != "ExternalName", !headless {
            errors.required("spec.ports")
        }
        switch type {
        case "ExternalName":
            if !clusterIPs.isEmpty { errors.forbidden("spec.clusterIPs", "may not be set for ExternalName services") }
            if !(spec["ipFamilies"].arrayValue ?? []).isEmpty { errors.forbidden("spec.ipFamilies", "may not be set for ExternalName services") }
            if !spec["ipFamilyPolicy"].isNull { errors.forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services") }
            var cname = spec["externalName"].stringValue ?? ""
            if cname.hasSuffix(".") { cname.removeLast() }
            if cname.isEmpty {
                errors.required("spec.externalName")
            } else {
                if cname.utf8.count > 253 { errors.invalid("spec.externalName", .string(cname), "must be no more than 253 characters") }
                if !ObjectValidation.isSubdomain(String(cname.prefix(253))) {
                    errors.invalid("spec.externalName", .string(cname), ObjectValidation.subdomainMessage)
                }
            }
        case "NodePort", "LoadBalancer":
            if type == "LoadBalancer" {
                for (i, port) in ports.enumerated() where port["port"].intValue == kubeletPort {
                    errors.invalid("spec.ports[\(i)]", .int(kubeletPort), "may not expose port \(kubeletPort) externally since it is used by kubelet")
                }
            }
            if headless {
                errors.invalid("spec.clusterIPs[0]", .string("None"), "may not be set to 'None' for \(type) services")
            }
        default:
            break
        }
        var names = Set<String>()
        for (i, port) in ports.enumerated() {
            let field = "spec.ports[\(i)]"
            let name = port["name"].stringValue ?? ""
            if ports.count > 1, name.isEmpty {
                errors.required("\(field).name")
            } else if !name.isEmpty {
                PodSpecValidation.label(name, "\(field).name", &errors)
                if !names.insert(name).inserted { errors.duplicate("\(field).name", .string(name)) }
            }
            let number = port["port"].intValue ?? 0
            if let message = PortValidation.numberError(number) { errors.invalid("\(field).port", .int(number), message) }
            if let proto = port["protocol"].stringValue, !PodSpecValidation.protocols.contains(proto) {
                errors.notSupported("\(field).protocol", proto, PodSpecValidation.protocols)
            }
            PortValidation.numberOrNameErrors(port["targetPort"], path: "\(field).targetPort", errors: &errors)
        }
        sessionAffinity(spec, errors: &errors)
        externalIPs(spec, errors: &errors)
        if !types.contains(type) { errors.notSupported("spec.type", type, types) }
        var nodePorts = Set<String>()
        for (i, port) in ports.enumerated() {
            guard let nodePort = port["nodePort"].intValue, nodePort != 0 else { continue }
            let field = "spec.ports[\(i)].nodePort"
            if type != "NodePort" && type != "LoadBalancer" {
                errors.forbidden(field, "may not be used when `type` is 'ClusterIP'")
                continue
            }
            // The node port allocator's answer (it runs with the default range 30000-32767).
            if !(30000...32767).contains(nodePort) {
                errors.invalid(field, .int(nodePort), "provided port is not in the valid range. The range of valid ports is 30000-32767")
            }
            if !nodePorts.insert("\(port["protocol"].stringValue ?? "TCP")/\(nodePort)").inserted {
                errors.duplicate(field, .int(nodePort))
            }
        }
        // Duplicate (protocol, port) pairs, printed as the internal `core.ServicePort` key.
        var pairs = Set<String>()
        for (i, port) in ports.enumerated() {
            let proto = port["protocol"].stringValue ?? ""
            let number = port["port"].intValue ?? 0
            if !pairs.insert("\(proto)/\(number)").inserted {
                errors.duplicate("spec.ports[\(i)]", .go("core.ServicePort{Name:\"\", Protocol:\(GoSyntax.quote(proto)), AppProtocol:(*string)(nil), Port:\(number), "
                                                        + "TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}"))
            }
        }
        sourceRanges(spec, type: type, errors: &errors)
        if type != "LoadBalancer", !spec["allocateLoadBalancerNodePorts"].isNull {
            errors.forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'")
        }
        loadBalancerClass(spec, old: nil, errors: &errors)
        externalTraffic(spec, type: type, errors: &errors)
        return errors
    }

    /// `validateLoadBalancerClassField`: a qualified name, only for LoadBalancer, and (on update)
    /// not changed while the Service stays a LoadBalancer.
    private static func loadBalancerClass(_ spec: JSONValue, old: JSONValue?, errors: inout FieldErrors) {
        let isLoadBalancer = spec["type"].stringValue == "LoadBalancer"
        let value = spec["loadBalancerClass"]
        if let old, old["type"].stringValue == "LoadBalancer", isLoadBalancer, old["loadBalancerClass"] != value {
            errors.invalid("spec.loadBalancerClass", value.stringValue.map(FieldErrors.Value.string) ?? .go("null"), "may not change once set")
        }
        guard let text = value.stringValue else { return }
        if isLoadBalancer {
            for message in LabelValidation.qualifiedNameErrors(text) { errors.invalid("spec.loadBalancerClass", .string(text), message) }
        } else {
            errors.forbidden("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'")
        }
    }

    /// `needsNodePort`: NodePort, and LoadBalancer unless it turned node ports off.
    static func needsNodePorts(_ spec: JSONValue) -> Bool {
        switch spec["type"].stringValue {
        case "NodePort": true
        case "LoadBalancer": spec["allocateLoadBalancerNodePorts"] != .bool(false)
        default: false
        }
    }

    // MARK: Cluster IPs

    /// `clusterIPs` as the server's `NormalizeClusterIPs` leaves them before anything checks
    /// them: an old client's lone `clusterIP` becomes `[clusterIP]`, and on update a changed
    /// `clusterIP` with the old `clusterIPs` left as they were replaces them.
    static func normalizedClusterIPs(_ spec: JSONValue, old: JSONValue?) -> [String] {
        let clusterIP = spec["clusterIP"].stringValue ?? ""
        let ips = (spec["clusterIPs"].arrayValue ?? []).map { $0.stringValue ?? "" }
        if !clusterIP.isEmpty, ips.isEmpty { return [clusterIP] }
        if let old, (old["clusterIP"].stringValue ?? "") != clusterIP, old["clusterIPs"] == spec["clusterIPs"] {
            return clusterIP.isEmpty ? [] : [clusterIP]
        }
        return ips
    }

    /// `ValidateServiceClusterIPsRelatedFields`: `clusterIPs[0]` is `clusterIP`, the families
    /// and the policy are known values, each cluster IP a valid address (`None` first and
    /// alone), at most two and one of each family, each of the family `ipFamilies` names.
    /// Nothing for ExternalName (its own rules forbid the fields).
    static func clusterIPErrors(_ service: JSONValue, old: JSONValue? = nil) -> FieldErrors {
        var errors = FieldErrors()
        let spec = service["spec"]
        guard spec["type"].stringValue != "ExternalName" else { return errors }
        let clusterIP = spec["clusterIP"].stringValue ?? ""
        let ips = normalizedClusterIPs(spec, old: old?["spec"])
        let ipsValue = GoSyntax.stringSlice(.array(ips.map(JSONValue.string)))
        if !clusterIP.isEmpty {
            if ips.isEmpty {
                errors.required("spec.clusterIPs")
            } else if ips[0] != clusterIP {
                errors.invalid("spec.clusterIPs", .go(ipsValue), "first value must match `clusterIP`")
            }
        } else if !ips.isEmpty {
            errors.invalid("spec.clusterIPs", .go(ipsValue), "must be empty when `clusterIP` is not specified")
        }
        let families = (spec["ipFamilies"].arrayValue ?? []).map { $0.stringValue ?? "" }
        var seen = Set<String>()
        for (i, family) in families.enumerated() {
            if !["IPv4", "IPv6"].contains(family) { errors.notSupported("spec.ipFamilies[\(i)]", family, ["IPv4", "IPv6"]) }
            if !seen.insert(family).inserted { errors.duplicate("spec.ipFamilies[\(i)]", .string(family)) }
        }
        if let policy = spec["ipFamilyPolicy"].stringValue, !["PreferDualStack", "RequireDualStack", "SingleStack"].contains(policy) {
            errors.notSupported("spec.ipFamilyPolicy", policy, ["PreferDualStack", "RequireDualStack", "SingleStack"])
        }
        var hasInvalidIPs = false
        var addresses: [[UInt8]] = []
        for (i, ip) in ips.enumerated() {
            if i == 0, ip == "None" {
                if ips.count > 1 {
                    hasInvalidIPs = true
                    errors.invalid("spec.clusterIPs", .go(ipsValue), "'None' must be the first and only value")
                }
                continue
            }
            if let bytes = IPAddress.bytes(ip) {
                addresses.append(bytes)
            } else {
                hasInvalidIPs = true
                errors.invalid("spec.clusterIPs[\(i)]", .string(ip), invalidIPMessage)
            }
        }
        if ips.count > 2 { errors.invalid("spec.clusterIPs", .go(ipsValue), "may only hold up to 2 values") }
        if hasInvalidIPs { return errors }
        // Two or more addresses (so no `None`): one of each family (`IsDualStackIPStrings`).
        if ips.count > 1, !(addresses.count == 2 && addresses[0].count != addresses[1].count) {
            errors.invalid("spec.clusterIPs", .go(ipsValue), "may specify no more than one IP for each IP family")
        }
        if ips != ["None"], !families.isEmpty {
            for (i, bytes) in addresses.enumerated() where i < families.count {
                if families[i] == "IPv4", bytes.count == 16 {
                    errors.invalid("spec.clusterIPs[\(i)]", .string(ips[i]), "expected an IPv4 value as indicated by `ipFamilies[\(i)]`")
                }
                if families[i] == "IPv6", bytes.count == 4 {
                    errors.invalid("spec.clusterIPs[\(i)]", .string(ips[i]), "expected an IPv6 value as indicated by `ipFamilies[\(i)]`")
                }
            }
        }
        return errors
    }

    // MARK: Addresses and traffic

    static let invalidIPMessage = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"

    /// Each external IP a valid address (`IsValidIP`) and not a special one
    /// (`ValidateNonSpecialIP`: unspecified, loopback, link-local, link-local multicast).
    private static func externalIPs(_ spec: JSONValue, errors: inout FieldErrors) {
        for (i, value) in (spec["externalIPs"].arrayValue ?? []).enumerated() {
            let ip = value.stringValue ?? ""
            let field = "spec.externalIPs[\(i)]"
            guard let bytes = IPAddress.bytes(ip) else {
                errors.invalid(field, .string(ip), invalidIPMessage)
                continue
            }
            for message in IPAddress.specialRangeMessages(bytes, text: ip) { errors.invalid(field, .string(ip), message) }
        }
    }

    /// `loadBalancerSourceRanges` as v1.24 checks them: the whole list under the field's Go name
    /// (`spec.LoadBalancerSourceRanges`), only for LoadBalancer, and every entry (trimmed) a CIDR;
    /// a bad entry reports the list as `%v` prints it. (The annotation form is not checked.)
    private static func sourceRanges(_ spec: JSONValue, type: String, errors: inout FieldErrors) {
        let ranges = (spec["loadBalancerSourceRanges"].arrayValue ?? []).map { $0.stringValue ?? "" }
        guard !ranges.isEmpty else { return }
        let field = "spec.LoadBalancerSourceRanges"
        if type != "LoadBalancer" { errors.forbidden(field, "may only be used when `type` is 'LoadBalancer'") }
        if ranges.contains(where: { CIDR($0.trimmingCharacters(in: .whitespaces)) == nil }) {
            errors.invalid(field, .string("[" + ranges.joined(separator: " ") + "]"), "must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 ")
        }
    }

    /// A LoadBalancer with the Local policy gets a health check node port (`NeedsHealthCheck`).
    static func needsHealthCheck(_ spec: JSONValue) -> Bool {
        spec["type"].stringValue == "LoadBalancer" && spec["externalTrafficPolicy"].stringValue == "Local"
    }

    /// `validateServiceExternalTrafficPolicy`: the policy only for NodePort and LoadBalancer and
    /// then Cluster or Local; the health check node port only where one is needed, and then a
    /// port number. (A missing policy or port cannot be met: defaulting sets the policy and the
    /// allocator the port before validation.)
    private static func externalTraffic(_ spec: JSONValue, type: String, errors: inout FieldErrors) {
        let policy = spec["externalTrafficPolicy"].stringValue ?? ""
        if type != "LoadBalancer", type != "NodePort" {
            if !policy.isEmpty {
                errors.invalid("spec.externalTrafficPolicy", .string(policy), "may only be set when `type` is 'NodePort' or 'LoadBalancer'")
            }
        } else if !policy.isEmpty, policy != "Cluster", policy != "Local" {
            errors.notSupported("spec.externalTrafficPolicy", policy, ["Cluster", "Local"])
        }
        let healthCheckPort = spec["healthCheckNodePort"].intValue ?? 0
        if !needsHealthCheck(spec) {
            if healthCheckPort != 0 {
                errors.invalid("spec.healthCheckNodePort", .int(healthCheckPort), "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'")
            }
        } else if healthCheckPort != 0, let message = PortValidation.numberError(healthCheckPort) {
            errors.invalid("spec.healthCheckNodePort", .int(healthCheckPort), message)
        }
    }

    /// `sessionAffinity` ∈ ClientIP/None; a ClientIP timeout in (0, 86400] (defaulting fills in
    /// the ClientIP config and drops it for None, so only these two rules can be met).
    private static func sessionAffinity(_ spec: JSONValue, errors: inout FieldErrors) {
        guard let affinity = spec["sessionAffinity"].stringValue else { return }
        if !["ClientIP", "None"].contains(affinity) {
            errors.notSupported("spec.sessionAffinity", affinity, ["ClientIP", "None"])
        } else if affinity == "ClientIP", let timeout = spec["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"].intValue, timeout <= 0 || timeout > 86400 {
            errors.invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", .int(timeout), "must be greater than 0 and less than 86400")
        }
    }
}
