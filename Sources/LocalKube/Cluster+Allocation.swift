import KubernetesModel

/// The Service allocators of the server: one cluster IP per Service (10.96.x.y) and node ports
/// from 30000-32767, each held by one Service of the cluster at a time. As on the v1.24 server,
/// a value a Service asks for that another Service holds is refused before validation, alone
/// (`spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated`).
extension LocalKubeCluster {
    static let nodePortRange: ClosedRange<Int64> = 30000...32767

    /// Refuses a Service that asks for a node port or cluster IP another Service holds (on
    /// update, only the values it did not hold before are checked, as the allocator does).
    func checkAllocations(_ type: ResourceType, _ object: JSONValue, old: JSONValue?) throws(APIError) {
        guard type.key == BuiltinResourceTypes.service.key else { return }
        let name = object["metadata"]["name"].stringValue ?? ""
        let key = ObjectName(namespace: object["metadata"]["namespace"].stringValue ?? "", name: name)
        let held = heldAllocations(excluding: key)
        var errors = FieldErrors()
        let spec = object["spec"]
        let oldIPs = Set((old?["spec"]["clusterIPs"].arrayValue ?? []).compactMap(\.stringValue))
        let requestedIPs = spec["type"].stringValue == "ExternalName" ? [] : ServiceValidation.normalizedClusterIPs(spec, old: old?["spec"])
        for ip in requestedIPs where ip != "None" && !oldIPs.contains(ip) && held.addresses.contains(ip) {
            errors.invalid("spec.clusterIPs", .go(GoSyntax.stringSlice(.array(requestedIPs.map(JSONValue.string)))),
                           "failed to allocate IP \(ip): provided IP is already allocated")
            break
        }
        if errors.isEmpty, ServiceValidation.needsNodePorts(spec) {
            let oldPorts = Self.nodePorts(old?["spec"] ?? .null)
            for (i, port) in (spec["ports"].arrayValue ?? []).enumerated() {
                guard let nodePort = port["nodePort"].intValue, nodePort != 0, !oldPorts.contains(nodePort), held.nodePorts.contains(nodePort) else { continue }
                errors.invalid("spec.ports[\(i)].nodePort", .int(nodePort), "provided port is already allocated")
                break
            }
        }
        if !errors.isEmpty { throw APIError.invalid(kind: type.kind, group: type.group, name: name, causes: errors.causes) }
    }

    /// Give a new Service its cluster IP and node ports, as the allocators do.
    func allocate(_ type: ResourceType, _ object: inout JSONValue) {
        guard type.key == BuiltinResourceTypes.service.key else { return }
        let serviceType = object["spec"]["type"].stringValue ?? "ClusterIP"
        let key = ObjectName(namespace: object["metadata"]["namespace"].stringValue ?? "", name: object["metadata"]["name"].stringValue ?? "")
        var held = heldAllocations(excluding: key)
        if serviceType != "ExternalName" {
            if object["spec"]["clusterIP"].stringValue == nil || object["spec"]["clusterIP"].stringValue == "" {
                var ip: String
                repeat {
                    allocatedAddresses += 1
                    ip = "10.96.\((allocatedAddresses >> 8) & 0xff).\(allocatedAddresses & 0xff)"
                } while held.addresses.contains(ip)
                object.setValue(.string(ip), at: ["spec", "clusterIP"])
            }
            ObjectDefaults.setIfAbsent(&object, ["spec", "clusterIPs"], [object["spec"]["clusterIP"]])
            ObjectDefaults.setIfAbsent(&object, ["spec", "ipFamilies"], ["IPv4"])
            ObjectDefaults.setIfAbsent(&object, ["spec", "ipFamilyPolicy"], "SingleStack")
        }
        held.nodePorts.formUnion(Self.nodePorts(object["spec"]))
        if ServiceValidation.needsNodePorts(object["spec"]), case .array(var ports) = object["spec"]["ports"] {
            for i in ports.indices where ports[i]["nodePort"].intValue ?? 0 == 0 {
                ports[i]["nodePort"] = .int(nextNodePort(avoiding: &held.nodePorts))
            }
            object.setValue(.array(ports), at: ["spec", "ports"])
        }
        allocateHealthCheckPort(&object, avoiding: &held.nodePorts)
    }

    /// Keep allocated values an update left out (the server carries them over), and drop what
    /// the new type no longer has when the update left it as it was (`dropTypeDependentFields`).
    func carryAllocations(_ type: ResourceType, old: JSONValue, new: inout JSONValue) {
        guard type.key == BuiltinResourceTypes.service.key else { return }
        let (oldSpec, newType) = (old["spec"], new["spec"]["type"].stringValue ?? "ClusterIP")
        // An ExternalName Service has no cluster IPs (the strategy drops them when the type changes).
        if newType != "ExternalName" {
            for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] where new["spec"][field].isNull && !oldSpec[field].isNull {
                new.setValue(oldSpec[field], at: ["spec", field])
            }
        }
        if oldSpec["type"].stringValue == "LoadBalancer", newType != "LoadBalancer" {
            for field in ["allocateLoadBalancerNodePorts", "loadBalancerClass"] where !new["spec"][field].isNull && new["spec"][field] == oldSpec[field] {
                new.removeValue(at: ["spec", field])
            }
        }
        let externalTypes: Set<String> = ["NodePort", "LoadBalancer"]
        if externalTypes.contains(oldSpec["type"].stringValue ?? ""), !externalTypes.contains(newType),
           !new["spec"]["externalTrafficPolicy"].isNull, new["spec"]["externalTrafficPolicy"] == oldSpec["externalTrafficPolicy"] {
            new.removeValue(at: ["spec", "externalTrafficPolicy"])
        }
        if ServiceValidation.needsNodePorts(oldSpec), !ServiceValidation.needsNodePorts(new["spec"]),
           case .array(var ports) = new["spec"]["ports"], Self.nodePorts(new["spec"]).isSubset(of: Self.nodePorts(oldSpec)) {
            for i in ports.indices { ports[i]["nodePort"] = nil }
            new.setValue(.array(ports.map { .object(($0.objectValue ?? [:]).filter { !$0.value.isNull }) }), at: ["spec", "ports"])
        }
        let key = ObjectName(namespace: new["metadata"]["namespace"].stringValue ?? "", name: new["metadata"]["name"].stringValue ?? "")
        var held = heldAllocations(excluding: key)
        // The health check port: kept while one is needed, dropped when the old one is no longer
        // needed (and was left unchanged), allocated when one becomes needed.
        let oldHealthCheck = oldSpec["healthCheckNodePort"]
        if ServiceValidation.needsHealthCheck(new["spec"]) {
            if new["spec"]["healthCheckNodePort"].isNull, ServiceValidation.needsHealthCheck(oldSpec), !oldHealthCheck.isNull {
                new.setValue(oldHealthCheck, at: ["spec", "healthCheckNodePort"])
            }
        } else if ServiceValidation.needsHealthCheck(oldSpec), new["spec"]["healthCheckNodePort"] == oldHealthCheck {
            new.removeValue(at: ["spec", "healthCheckNodePort"])
        }
        // Node ports a port left out are patched in from the old port of the same name, unless
        // another port of the new Service already uses that value (`patchAllocatedValues`);
        // ports still without one get a new one.
        if ServiceValidation.needsNodePorts(new["spec"]), case .array(var ports) = new["spec"]["ports"] {
            if ServiceValidation.needsNodePorts(oldSpec) {
                let used = Self.nodePorts(oldSpec).intersection(Self.nodePorts(new["spec"]))
                let byName = Dictionary((oldSpec["ports"].arrayValue ?? []).map { ($0["name"].stringValue ?? "", $0["nodePort"]) }, uniquingKeysWith: { first, _ in first })
                for i in ports.indices where ports[i]["nodePort"].intValue ?? 0 == 0 {
                    if let previous = byName[ports[i]["name"].stringValue ?? ""], let value = previous.intValue, !used.contains(value) {
                        ports[i]["nodePort"] = previous
                    }
                }
            }
            held.nodePorts.formUnion(ports.compactMap { $0["nodePort"].intValue })
            held.nodePorts.formUnion(Self.nodePorts(new["spec"]))
            for i in ports.indices where ports[i]["nodePort"].intValue ?? 0 == 0 {
                ports[i]["nodePort"] = .int(nextNodePort(avoiding: &held.nodePorts))
            }
            new.setValue(.array(ports), at: ["spec", "ports"])
        }
        allocateHealthCheckPort(&new, avoiding: &held.nodePorts)
        if new["status"].isNull, !old["status"].isNull { new["status"] = old["status"] }
    }

    // MARK: Helpers

    /// What the other Services of the cluster hold.
    private func heldAllocations(excluding key: ObjectName) -> (addresses: Set<String>, nodePorts: Set<Int64>) {
        var addresses = Set<String>(), nodePorts = Set<Int64>()
        for (name, service) in store.list(BuiltinResourceTypes.service.key, namespace: nil) where name != key {
            addresses.formUnion((service["spec"]["clusterIPs"].arrayValue ?? [service["spec"]["clusterIP"]]).compactMap(\.stringValue).filter { $0 != "None" && !$0.isEmpty })
            nodePorts.formUnion(Self.nodePorts(service["spec"]))
        }
        return (addresses, nodePorts)
    }

    /// The node ports a Service spec holds (its ports' and its health check's).
    static func nodePorts(_ spec: JSONValue) -> Set<Int64> {
        var ports = Set((spec["ports"].arrayValue ?? []).compactMap { $0["nodePort"].intValue }.filter { $0 != 0 })
        if let healthCheck = spec["healthCheckNodePort"].intValue, healthCheck != 0 { ports.insert(healthCheck) }
        return ports
    }

    private func nextNodePort(avoiding held: inout Set<Int64>) -> Int64 {
        let size = Self.nodePortRange.count
        for _ in 0..<size {
            allocatedNodePorts += 1
            let candidate = Self.nodePortRange.lowerBound + Int64(allocatedNodePorts % size)
            if held.insert(candidate).inserted { return candidate }
        }
        // Every one of the 2768 ports held: not reached by tests or dev; the server would refuse
        // with "range is full", here the first port is given again.
        return Self.nodePortRange.lowerBound
    }

    /// A LoadBalancer with the Local traffic policy gets a health check node port from the node
    /// port range unless it names one.
    private func allocateHealthCheckPort(_ object: inout JSONValue, avoiding held: inout Set<Int64>) {
        guard ServiceValidation.needsHealthCheck(object["spec"]), object["spec"]["healthCheckNodePort"].intValue ?? 0 == 0 else { return }
        object.setValue(.int(nextNodePort(avoiding: &held)), at: ["spec", "healthCheckNodePort"])
    }
}
