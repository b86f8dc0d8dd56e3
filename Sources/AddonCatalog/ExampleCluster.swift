import KubernetesModel

/// A cluster description (`catalog/clusters/*.yaml`): facts, channel, opt-outs and opt-ins,
/// per-addon value overrides and stand-in secret material. Lint and `addonctl catalog render`
/// render against these.
public struct ExampleCluster: Sendable {
    public var facts: ClusterFacts
    public var channel: String
    public var optOut: [String]
    public var optIn: [String]
    /// Cluster-level value overrides per addon.
    public var values: [String: JSONValue]
    /// Stand-in management-plane Secrets, by name.
    public var secrets: InMemorySecretSource
    public var file: String

    /// Reads a cluster description file.
    public static func load(text: String, file: String) throws(CatalogErrors) -> ExampleCluster {
        var diagnostics = Diagnostics()
        let cluster = read(text: text, file: file, diagnostics: &diagnostics)
        guard let cluster, diagnostics.isEmpty else { throw CatalogErrors(diagnostics.errors) }
        return cluster
    }

    static func read(text: String, file: String, diagnostics: inout Diagnostics) -> ExampleCluster? {
        guard let root = YAMLNode.single(text: text, file: file, diagnostics: &diagnostics) else { return nil }
        guard var r = FieldReader(root, what: "cluster", diagnostics: &diagnostics) else { return nil }
        let before = diagnostics.errors.count
        let name = r.string("name", required: true, diagnostics: &diagnostics)
        let project = r.string("project", required: true, diagnostics: &diagnostics)
        let channel = r.string("channel", required: true, diagnostics: &diagnostics)
        let labels = r.stringMap("labels", diagnostics: &diagnostics) ?? [:]
        let region = r.string("region", required: true, diagnostics: &diagnostics)
        let zones = r.strings("availabilityZones", diagnostics: &diagnostics) ?? []
        if zones.isEmpty {
            diagnostics.add(.missingField, file: file, line: root.line, "cluster: availabilityZones must list at least one zone")
        }
        var version: SemanticVersion?
        if let versionText = r.string("kubernetesVersion", required: true, diagnostics: &diagnostics) {
            version = SemanticVersion(versionText)
            if version == nil {
                diagnostics.add(.invalidVersion, file: file, line: root.child("kubernetesVersion")?.line, "kubernetesVersion: \"\(versionText)\" is not a version (e.g. 1.30.4)")
            }
        }
        let apiEndpoint = r.string("apiEndpoint", required: true, diagnostics: &diagnostics)
        let podCIDR = r.string("podCIDR", required: true, diagnostics: &diagnostics)
        let serviceCIDR = r.string("serviceCIDR", required: true, diagnostics: &diagnostics)
        for (key, value) in [("podCIDR", podCIDR), ("serviceCIDR", serviceCIDR)] {
            if let value, let problem = ValuesSchema.check(format: "cidr", value) {
                diagnostics.add(.invalidField, file: file, line: root.child(key)?.line, "\(key): \"\(value)\" \(problem)")
            }
        }
        var storage: ClusterFacts.ObjectStorage?
        if let storageNode = r.optional("objectStorage"), var s = FieldReader(storageNode, what: "objectStorage", diagnostics: &diagnostics) {
            let endpoint = s.string("endpoint", required: true, diagnostics: &diagnostics)
            let bucket = s.string("bucket", required: true, diagnostics: &diagnostics)
            let storageRegion = s.string("region", required: false, diagnostics: &diagnostics)
            s.finish(diagnostics: &diagnostics)
            if let endpoint, let bucket { storage = .init(endpoint: endpoint, bucket: bucket, region: storageRegion) }
        }
        let secretNamespace = r.string("secretNamespace", required: false, diagnostics: &diagnostics)
        let extras = r.optional("extras")?.value ?? .emptyObject
        var optOut: [String] = []
        var optIn: [String] = []
        var values: [String: JSONValue] = [:]
        if let addonsNode = r.optional("addons"), var a = FieldReader(addonsNode, what: "cluster addons", diagnostics: &diagnostics) {
            optOut = a.strings("optOut", diagnostics: &diagnostics) ?? []
            optIn = a.strings("optIn", diagnostics: &diagnostics) ?? []
            if let valuesNode = a.optional("values") {
                for (addon, node) in valuesNode.members { values[addon] = node.value }
            }
            a.finish(diagnostics: &diagnostics)
        }
        var secrets = InMemorySecretSource()
        if let secretsNode = r.optional("secrets") {
            for (secretName, node) in secretsNode.members {
                guard case .object(let o) = node.value else {
                    diagnostics.add(.invalidField, file: file, line: node.line, "secrets.\(secretName): expected a mapping of strings")
                    continue
                }
                var data: [String: String] = [:]
                for (k, v) in o {
                    if let s = v.stringValue { data[k] = s } else {
                        diagnostics.add(.invalidField, file: file, line: node.child(k)?.line, "secrets.\(secretName).\(k): expected a string")
                    }
                }
                secrets.set(data, name: secretName, namespace: secretNamespace)
            }
        }
        r.finish(diagnostics: &diagnostics)
        guard diagnostics.errors.count == before, let name, let project, let channel, let region, let version,
              let apiEndpoint, let podCIDR, let serviceCIDR else { return nil }
        let facts = ClusterFacts(name: name, project: project, labels: labels, region: region, availabilityZones: zones,
                                 kubernetesVersion: version, apiEndpoint: apiEndpoint, podCIDR: podCIDR, serviceCIDR: serviceCIDR,
                                 objectStorage: storage, secretNamespace: secretNamespace, extras: extras)
        return ExampleCluster(facts: facts, channel: channel, optOut: optOut, optIn: optIn, values: values, secrets: secrets, file: file)
    }
}
