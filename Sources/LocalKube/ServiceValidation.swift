import KubernetesModel

/// A Service's spec as the server's `ValidateService` checks it: the type and what each type
/// needs or forbids (ExternalName needs `externalName`, headless is not for NodePort or
/// LoadBalancer, node ports only where the type has them), each port (name, number,
/// protocol, targetPort as a number or a port name) and the session affinity.
enum ServiceValidation {
    static let types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]

    static func errors(_ service: JSONValue) -> FieldErrors {
        var errors = FieldErrors()
        let spec = service["spec"]
        let ports = spec["ports"].arrayValue ?? []
        let type = spec["type"].stringValue ?? "ClusterIP"
        let clusterIP = spec["clusterIP"].stringValue ?? ""
        if ports.isEmpty, type != "ExternalName", clusterIP != "None" {
            errors.required("spec.ports")
        }
        switch type {
        case "ExternalName":
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
            if clusterIP == "None" {
                errors.invalid("spec.clusterIP", .string(clusterIP), "may not be set to 'None' for \(type) services")
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
        return errors
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
