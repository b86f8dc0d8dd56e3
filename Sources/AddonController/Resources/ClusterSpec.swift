import AddonCatalog
import KubernetesModel

/// A `Cluster` object's spec as the addon controller reads it.
public struct ClusterSpec: Sendable, Equatable {
    public struct AddonOverride: Sendable, Equatable {
        public var name: String
        /// true opts in to an opt-in addon, false opts out of a default one, nil leaves it.
        public var enabled: Bool?
        /// A pinned version instead of the channel's.
        public var version: SemanticVersion?
        public var values: JSONValue
    }

    public struct KubeconfigReference: Sendable, Equatable {
        public var secretName: String
        public var key: String
    }

    public var name: String
    public var project: String
    public var labels: [String: String]
    public var kubernetesVersion: SemanticVersion
    public var channel: String
    public var paused: Bool
    public var kubeconfig: KubeconfigReference?
    public var facts: ClusterFacts
    public var addons: [String: AddonOverride]

    /// Reads a Cluster object; a spec that cannot be used is an error naming the field.
    ///
    /// A Cluster is written by its project, so what it says is not trusted: its addons read
    /// Secrets of its own namespace only, or of a namespace in `sharedSecretNamespaces` (those an
    /// operator shares with every project). Naming another project's namespace in
    /// `spec.facts.secretNamespace` is refused, so its Secrets never reach this cluster.
    public init(cluster: KubeObject, sharedSecretNamespaces: Set<String> = []) throws(ClusterSpecError) {
        let spec = cluster.spec
        let name = cluster.name
        let project = cluster.namespace ?? "default"
        self.name = name
        self.project = project
        labels = cluster.labels
        func fail(_ field: String, _ reason: String) -> ClusterSpecError {
            ClusterSpecError(cluster: "\(project)/\(name)", field: "spec.\(field)", reason: reason)
        }
        guard let versionText = spec["kubernetesVersion"].stringValue else { throw fail("kubernetesVersion", "required") }
        guard let version = SemanticVersion(versionText.hasPrefix("v") ? String(versionText.dropFirst()) : versionText) else {
            throw fail("kubernetesVersion", "\"\(versionText)\" is not a version like 1.30.2")
        }
        kubernetesVersion = version
        channel = spec["channel"].stringValue ?? "stable"
        paused = spec["paused"].boolValue ?? false
        if let ref = spec["kubeconfigSecretRef"]["name"].stringValue {
            kubeconfig = KubeconfigReference(secretName: ref, key: spec["kubeconfigSecretRef"]["key"].stringValue ?? "kubeconfig")
        }
        let f = spec["facts"]
        let secretNamespace = f["secretNamespace"].stringValue ?? project
        guard secretNamespace == project || sharedSecretNamespaces.contains(secretNamespace) else {
            throw fail("facts.secretNamespace", "\"\(secretNamespace)\" is not this Cluster's namespace \"\(project)\": a Cluster reads Secrets of its own namespace only"
                       + " (an operator may share namespaces with every project: addon-manager run --shared-secret-namespace)")
        }
        // Half of it (an endpoint without a bucket) is refused rather than read as none: the
        // addons that back up to it would otherwise render without it, silently.
        var objectStorage: ClusterFacts.ObjectStorage?
        let storage = f["objectStorage"]
        if !storage.isNull, storage.objectValue?.isEmpty != true {
            guard storage.objectValue != nil else { throw fail("facts.objectStorage", "must be an object with endpoint and bucket") }
            for field in ["endpoint", "bucket"] where (storage[field].stringValue ?? "").isEmpty {
                throw fail("facts.objectStorage.\(field)", "required when facts.objectStorage is set")
            }
            objectStorage = ClusterFacts.ObjectStorage(endpoint: storage["endpoint"].stringValue ?? "", bucket: storage["bucket"].stringValue ?? "",
                                                       region: storage["region"].stringValue)
        }
        facts = ClusterFacts(
            name: name, project: project, labels: cluster.labels,
            region: f["region"].stringValue ?? "",
            availabilityZones: f["availabilityZones"].arrayValue?.compactMap(\.stringValue) ?? [],
            kubernetesVersion: version,
            apiEndpoint: f["apiEndpoint"].stringValue ?? "",
            podCIDR: f["podCIDR"].stringValue ?? "",
            serviceCIDR: f["serviceCIDR"].stringValue ?? "",
            objectStorage: objectStorage,
            secretNamespace: secretNamespace,
            extras: f["extras"].isNull ? .emptyObject : f["extras"])
        var addons: [String: AddonOverride] = [:]
        for (i, entry) in (spec["addons"].arrayValue ?? []).enumerated() {
            guard let addon = entry["name"].stringValue else { throw fail("addons[\(i)].name", "required") }
            var pinned: SemanticVersion?
            if let text = entry["version"].stringValue {
                guard let v = SemanticVersion(text) else { throw fail("addons[\(i)].version", "\"\(text)\" is not a semantic version") }
                pinned = v
            }
            let values = entry["values"]
            if !values.isNull, values.objectValue == nil { throw fail("addons[\(i)].values", "must be an object") }
            addons[addon] = AddonOverride(name: addon, enabled: entry["enabled"].boolValue, version: pinned, values: values.isNull ? .emptyObject : values)
        }
        self.addons = addons
    }
}

/// A Cluster whose spec cannot be used.
public struct ClusterSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public var cluster: String
    public var field: String
    public var reason: String
    public var description: String { "cluster \(cluster): \(field): \(reason)" }
}
