import KubernetesModel

extension LocalKubeCluster {
    /// Give a new Service its cluster IP (10.96.x.y) and node ports, as the allocators do.
    func allocate(_ type: ResourceType, _ object: inout JSONValue) {
        guard type.group.isEmpty, type.kind == "Service" else { return }
        let serviceType = object["spec"]["type"].stringValue ?? "ClusterIP"
        if serviceType != "ExternalName" {
            if object["spec"]["clusterIP"].stringValue == nil || object["spec"]["clusterIP"].stringValue == "" {
                allocatedAddresses += 1
                let ip = "10.96.\((allocatedAddresses >> 8) & 0xff).\(allocatedAddresses & 0xff)"
                object.setValue(.string(ip), at: ["spec", "clusterIP"])
            }
            ObjectDefaults.setIfAbsent(&object, ["spec", "clusterIPs"], [object["spec"]["clusterIP"]])
            ObjectDefaults.setIfAbsent(&object, ["spec", "ipFamilies"], ["IPv4"])
            ObjectDefaults.setIfAbsent(&object, ["spec", "ipFamilyPolicy"], "SingleStack")
        }
        if serviceType == "NodePort" || serviceType == "LoadBalancer", case .array(var ports) = object["spec"]["ports"] {
            for i in ports.indices where ports[i]["nodePort"].isNull {
                allocatedNodePorts += 1
                ports[i]["nodePort"] = .int(Int64(30000 + allocatedNodePorts % 2768))
            }
            object.setValue(.array(ports), at: ["spec", "ports"])
        }
        allocateHealthCheckPort(&object)
    }

    /// A LoadBalancer with the Local traffic policy gets a health check node port from the node
    /// port range unless it names one.
    private func allocateHealthCheckPort(_ object: inout JSONValue) {
        guard ServiceValidation.needsHealthCheck(object["spec"]), object["spec"]["healthCheckNodePort"].intValue ?? 0 == 0 else { return }
        allocatedNodePorts += 1
        object.setValue(.int(Int64(30000 + allocatedNodePorts % 2768)), at: ["spec", "healthCheckNodePort"])
    }

    /// Keep allocated values an update left out (the server carries them over).
    func carryAllocations(_ type: ResourceType, old: JSONValue, new: inout JSONValue) {
        guard type.group.isEmpty, type.kind == "Service" else { return }
        // An ExternalName Service has no cluster IPs (the strategy drops them when the type changes).
        if new["spec"]["type"].stringValue != "ExternalName" {
            for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] where new["spec"][field].isNull && !old["spec"][field].isNull {
                new.setValue(old["spec"][field], at: ["spec", field])
            }
        }
        // The health check port: kept while one is needed, dropped when the old one is no longer
        // needed (and was left unchanged), allocated when one becomes needed.
        let oldHealthCheck = old["spec"]["healthCheckNodePort"]
        if ServiceValidation.needsHealthCheck(new["spec"]) {
            if new["spec"]["healthCheckNodePort"].isNull, ServiceValidation.needsHealthCheck(old["spec"]), !oldHealthCheck.isNull {
                new.setValue(oldHealthCheck, at: ["spec", "healthCheckNodePort"])
            }
            allocateHealthCheckPort(&new)
        } else if ServiceValidation.needsHealthCheck(old["spec"]), new["spec"]["healthCheckNodePort"] == oldHealthCheck {
            new.removeValue(at: ["spec", "healthCheckNodePort"])
        }
        if case .array(var ports) = new["spec"]["ports"], let oldPorts = old["spec"]["ports"].arrayValue {
            for i in ports.indices where ports[i]["nodePort"].isNull {
                if let match = oldPorts.first(where: { $0["port"] == ports[i]["port"] && $0["protocol"] == ports[i]["protocol"] }), !match["nodePort"].isNull {
                    ports[i]["nodePort"] = match["nodePort"]
                }
            }
            new.setValue(.array(ports), at: ["spec", "ports"])
        }
        if new["status"].isNull, !old["status"].isNull { new["status"] = old["status"] }
    }
}
