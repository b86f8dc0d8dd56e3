import AddonCatalog
import KubernetesModel

/// How a Cluster API `Cluster` (`cluster.x-k8s.io/v1beta1`) becomes one of our Clusters, so that
/// a platform provisioning with Cluster API gets its addons without our provisioning loop. A
/// pure function of the Cluster API object (table-tested); `ClusterAPIClusters` applies it.
///
/// - Addons wait for the control plane: nothing is made until the condition
///   `ControlPlaneInitialized` is True (or `status.controlPlaneReady` is true).
/// - Kubeconfig: the Secret Cluster API writes, `<name>-kubeconfig`, key `value`.
/// - Kubernetes version: the annotation `addon-manager.io/kubernetes-version`, else
///   `spec.topology.version` (a ClusterClass cluster).
/// - Channel: the label `addon-manager.io/channel` (default: the Cluster's default, stable).
/// - Addons: the annotation `addon-manager.io/addons`, comma-separated: `name` opts in, `-name`
///   opts out, `name@1.2.3` pins a version.
/// - Facts: annotations `facts.addon-manager.io/region`, `.../availability-zones` (comma-separated),
///   `.../api-endpoint`, `.../pod-cidr`, `.../service-cidr`; the last three default to the Cluster
///   API spec (`controlPlaneEndpoint`, `clusterNetwork.pods` / `.services`).
/// - Labels are copied (but `cluster.x-k8s.io/*`), so rollout waves select these clusters too;
///   `spec.paused` is copied.
public enum ClusterAPIMapping {
    public static let kind = GroupVersionKind(group: "cluster.x-k8s.io", version: "v1beta1", kind: "Cluster")
    public static let sourceLabel = "addon-manager.io/source"
    public static let sourceValue = "cluster-api"
    public static let versionAnnotation = "addon-manager.io/kubernetes-version"
    public static let addonsAnnotation = "addon-manager.io/addons"
    public static let channelLabel = "addon-manager.io/channel"
    public static let factsPrefix = "facts.addon-manager.io/"

    public enum Outcome: Equatable, Sendable {
        /// Our Cluster as it should be (apply it).
        case cluster(KubeObject)
        /// The control plane is not initialized yet: nothing to do until it is.
        case waiting(String)
        /// What the Cluster API object says cannot be used (an Event says why).
        case invalid(String)
    }

    public static func outcome(of source: KubeObject) -> Outcome {
        guard controlPlaneInitialized(source) else { return .waiting("the control plane is not initialized yet") }
        let annotations = source.annotations
        let version = annotations[versionAnnotation] ?? source.spec["topology"]["version"].stringValue
        guard let version, !version.isEmpty else {
            return .invalid("no Kubernetes version: set spec.topology.version or the annotation \(versionAnnotation)")
        }
        var spec: JSONValue = [
            "kubernetesVersion": .string(version),
            "kubeconfigSecretRef": ["name": .string("\(source.name)-kubeconfig"), "key": "value"],
        ]
        if let channel = source.labels[channelLabel] { spec["channel"] = .string(channel) }
        if source.spec["paused"].boolValue == true { spec["paused"] = true }
        switch addons(annotations[addonsAnnotation] ?? "") {
        case .success(let list): if !list.isEmpty { spec["addons"] = .array(list) }
        case .failure(let problem): return .invalid(problem.message)
        }
        let facts = facts(source)
        if facts != .emptyObject { spec["facts"] = facts }

        var cluster = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "Cluster", name: source.name, namespace: source.namespace)
        var labels = source.labels.filter { !$0.key.hasPrefix("cluster.x-k8s.io/") }
        labels[sourceLabel] = sourceValue
        cluster.labels = labels
        if let uid = source.uid {
            // Owned by the Cluster API object: the garbage collector removes it with that one.
            cluster.body.setValue([OwnerReference(apiVersion: "\(kind.group)/\(kind.version)", kind: kind.kind, name: source.name, uid: uid,
                                                  controller: true, blockOwnerDeletion: false).json], at: ["metadata", "ownerReferences"])
        }
        cluster["spec"] = spec
        return .cluster(cluster)
    }

    static func controlPlaneInitialized(_ source: KubeObject) -> Bool {
        let conditions = source.status["conditions"].arrayValue ?? []
        if conditions.contains(where: { $0["type"] == "ControlPlaneInitialized" && $0["status"] == "True" }) { return true }
        return source.status["controlPlaneReady"].boolValue == true
    }

    struct Problem: Error { var message: String }

    /// `name`, `-name`, `name@1.2.3`, comma-separated.
    static func addons(_ text: String) -> Result<[JSONValue], Problem> {
        var entries: [JSONValue] = []
        var seen = Set<String>()
        for raw in text.split(separator: ",") {
            let item = raw.trimmingCharacters(in: .whitespaces)
            guard !item.isEmpty else { continue }
            var entry: JSONValue
            var name: String
            if item.hasPrefix("-") {
                name = String(item.dropFirst())
                entry = ["name": .string(name), "enabled": false]
            } else if let at = item.firstIndex(of: "@") {
                name = String(item[..<at])
                let version = String(item[item.index(after: at)...])
                guard SemanticVersion(version) != nil else {
                    return .failure(Problem(message: "annotation \(addonsAnnotation): \"\(item)\": \"\(version)\" is not a version like 1.2.3"))
                }
                entry = ["name": .string(name), "version": .string(version)]
            } else {
                name = item
                entry = ["name": .string(name), "enabled": true]
            }
            guard isName(name) else {
                return .failure(Problem(message: "annotation \(addonsAnnotation): \"\(item)\" is not an addon (name, -name or name@version)"))
            }
            guard seen.insert(name).inserted else { return .failure(Problem(message: "annotation \(addonsAnnotation): \(name) is named twice")) }
            entries.append(entry)
        }
        return .success(entries)
    }

    static func facts(_ source: KubeObject) -> JSONValue {
        let annotations = source.annotations
        func fact(_ key: String) -> String? { annotations[factsPrefix + key].flatMap { $0.isEmpty ? nil : $0 } }
        var facts: JSONValue = .emptyObject
        if let region = fact("region") { facts["region"] = .string(region) }
        if let zones = fact("availability-zones") {
            facts["availabilityZones"] = .array(zones.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
        }
        let endpoint = source.spec["controlPlaneEndpoint"]
        let derivedEndpoint = endpoint["host"].stringValue.map { host in "https://\(host)\(endpoint["port"].intValue.map { ":\($0)" } ?? "")" }
        if let api = fact("api-endpoint") ?? derivedEndpoint, !api.isEmpty { facts["apiEndpoint"] = .string(api) }
        let network = source.spec["clusterNetwork"]
        if let pods = fact("pod-cidr") ?? network["pods"]["cidrBlocks"][0].stringValue { facts["podCIDR"] = .string(pods) }
        if let services = fact("service-cidr") ?? network["services"]["cidrBlocks"][0].stringValue { facts["serviceCIDR"] = .string(services) }
        return facts
    }

    static func isName(_ s: String) -> Bool {
        guard (1...63).contains(s.utf8.count), let first = s.utf8.first, let last = s.utf8.last else { return false }
        let alnum: (UInt8) -> Bool = { (97...122).contains($0) || (48...57).contains($0) }
        return alnum(first) && alnum(last) && s.utf8.allSatisfy { alnum($0) || $0 == 45 }
    }
}
