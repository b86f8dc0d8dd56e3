import Foundation
import KubernetesModel

/// The columns `kubectl get` shows per kind (the server's table convertors), and a CRD's
/// additionalPrinterColumns. Name is always first; for built-in kinds Age is added by the caller unless a column replaces it.
enum TableColumns {
    struct Column: Sendable {
        var name: String
        var type: String
        var format: String = ""
        var description: String = ""
        var priority: Int = 0
        var value: @Sendable (JSONValue) -> JSONValue
    }

    /// The columns after Name; for a custom resource all of them (see `customResourceColumns`).
    static func columns(for type: ResourceType, crd: JSONValue?) -> [Column] {
        if let crd { return customResourceColumns(version: type.version, crd: crd) }
        @Sendable func count(_ v: JSONValue) -> Int64 { v.intValue ?? 0 }
        switch (type.group, type.kind) {
        case ("", "Namespace"):
            return [Column(name: "Status", type: "string") { $0["status"]["phase"] }]
        case ("", "Node"):
            return [
                Column(name: "Status", type: "string") { node in
                    let ready = (node["status"]["conditions"].arrayValue ?? []).first { $0["type"] == "Ready" }
                    return .string(ready?["status"] == "True" ? "Ready" : "NotReady")
                },
                Column(name: "Roles", type: "string") { node in
                    let roles = (node["metadata"]["labels"].objectValue ?? [:]).keys.compactMap { key -> String? in
                        key.hasPrefix("node-role.kubernetes.io/") ? String(key.dropFirst("node-role.kubernetes.io/".count)) : nil
                    }.sorted()
                    return .string(roles.isEmpty ? "<none>" : roles.joined(separator: ","))
                },
                age,
                Column(name: "Version", type: "string") { $0["status"]["nodeInfo"]["kubeletVersion"] },
            ]
        case ("", "Pod"):
            return [
                Column(name: "Ready", type: "string") { pod in
                    let total = pod["spec"]["containers"].arrayValue?.count ?? 0
                    let ready = (pod["status"]["containerStatuses"].arrayValue ?? []).filter { $0["ready"] == true }.count
                    return .string("\(ready)/\(total)")
                },
                Column(name: "Status", type: "string") { $0["status"]["phase"].isNull ? "Pending" : $0["status"]["phase"] },
                Column(name: "Restarts", type: "string") { _ in "0" },
            ]
        case ("", "Service"):
            return [
                Column(name: "Type", type: "string") { $0["spec"]["type"] },
                Column(name: "Cluster-IP", type: "string") { $0["spec"]["clusterIP"] },
                Column(name: "External-IP", type: "string") { svc in
                    let ips = (svc["status"]["loadBalancer"]["ingress"].arrayValue ?? []).compactMap { $0["ip"].stringValue ?? $0["hostname"].stringValue }
                    if !ips.isEmpty { return .string(ips.joined(separator: ",")) }
                    return svc["spec"]["type"] == "LoadBalancer" ? "<pending>" : "<none>"
                },
                Column(name: "Port(s)", type: "string") { svc in
                    let ports = (svc["spec"]["ports"].arrayValue ?? []).map { p -> String in
                        let base = "\(p["port"].intValue ?? 0)"
                        let node = p["nodePort"].intValue.map { ":\($0)" } ?? ""
                        return "\(base)\(node)/\(p["protocol"].stringValue ?? "TCP")"
                    }
                    return .string(ports.isEmpty ? "<none>" : ports.joined(separator: ","))
                },
            ]
        case ("", "ConfigMap"):
            return [Column(name: "Data", type: "integer") { .int(Int64(($0["data"].objectValue?.count ?? 0) + ($0["binaryData"].objectValue?.count ?? 0))) }]
        case ("", "Secret"):
            return [Column(name: "Type", type: "string") { $0["type"] },
                    Column(name: "Data", type: "integer") { .int(Int64($0["data"].objectValue?.count ?? 0)) }]
        case ("", "PersistentVolumeClaim"):
            return [
                Column(name: "Status", type: "string") { $0["status"]["phase"] },
                Column(name: "Volume", type: "string") { $0["spec"]["volumeName"].isNull ? "" : $0["spec"]["volumeName"] },
                Column(name: "Capacity", type: "string") { $0["status"]["capacity"]["storage"].isNull ? "" : $0["status"]["capacity"]["storage"] },
                Column(name: "Storage Class", type: "string") { $0["spec"]["storageClassName"].isNull ? "" : $0["spec"]["storageClassName"] },
            ]
        case ("apps", "Deployment"):
            return [
                Column(name: "Ready", type: "string") { .string("\(count($0["status"]["readyReplicas"]))/\(count($0["spec"]["replicas"]))") },
                Column(name: "Up-to-date", type: "integer") { .int(count($0["status"]["updatedReplicas"])) },
                Column(name: "Available", type: "integer") { .int(count($0["status"]["availableReplicas"])) },
            ]
        case ("apps", "StatefulSet"):
            return [Column(name: "Ready", type: "string") { .string("\(count($0["status"]["readyReplicas"]))/\(count($0["spec"]["replicas"]))") }]
        case ("apps", "ReplicaSet"):
            return [
                Column(name: "Desired", type: "integer") { .int(count($0["spec"]["replicas"])) },
                Column(name: "Current", type: "integer") { .int(count($0["status"]["replicas"])) },
                Column(name: "Ready", type: "integer") { .int(count($0["status"]["readyReplicas"])) },
            ]
        case ("apps", "DaemonSet"):
            return [
                Column(name: "Desired", type: "integer") { .int(count($0["status"]["desiredNumberScheduled"])) },
                Column(name: "Current", type: "integer") { .int(count($0["status"]["currentNumberScheduled"])) },
                Column(name: "Ready", type: "integer") { .int(count($0["status"]["numberReady"])) },
                Column(name: "Up-to-date", type: "integer") { .int(count($0["status"]["updatedNumberScheduled"])) },
                Column(name: "Available", type: "integer") { .int(count($0["status"]["numberAvailable"])) },
            ]
        case ("batch", "Job"):
            return [Column(name: "Completions", type: "string") { .string("\(count($0["status"]["succeeded"]))/\(count($0["spec"]["completions"]))") }]
        case ("batch", "CronJob"):
            return [
                Column(name: "Schedule", type: "string") { $0["spec"]["schedule"] },
                Column(name: "Suspend", type: "boolean") { $0["spec"]["suspend"] },
                Column(name: "Active", type: "integer") { .int(Int64($0["status"]["active"].arrayValue?.count ?? 0)) },
                Column(name: "Last Schedule", type: "string") { $0["status"]["lastScheduleTime"].isNull ? "<none>" : $0["status"]["lastScheduleTime"] },
            ]
        case ("apiextensions.k8s.io", "CustomResourceDefinition"):
            return [Column(name: "Created At", type: "date", description: creationTimestampDescription) { $0["metadata"]["creationTimestamp"] }]
        default:
            return []
        }
    }

    /// Age where a kind shows it before other columns.
    static let age = Column(name: "Age", type: "string", description: creationTimestampDescription) { object in
        let now = Date()
        let created = object["metadata"]["creationTimestamp"].stringValue.flatMap(KubeTime.parse) ?? now
        return .string(HumanDuration.string(now.timeIntervalSince(created)))
    }
}
