import KubernetesModel

/// A channel as published to the management plane: an `AddonChannel` object
/// (`addon-manager.io/v1alpha1`, cluster-scoped, named for the channel) whose spec is the
/// channel file's content plus the default and opt-in sets and the rollout waves:
///
///     spec:
///       description: Tested versions for production clusters.
///       addons: {cinder-csi: {version: "1.30.1", values: {}}, ...}
///       defaultAddons: [cinder-csi, ...]
///       optInAddons: [cluster-monitoring, ...]
///       waves: [{name: canary, selector: "tier=dev", concurrency: 5, soak: 600s}, ...]
///
/// The status is left to the rollout (part 3 of the publishing issue).
extension Channel {
    public static let objectKind = "AddonChannel"

    /// The `AddonChannel` object, with the catalog's sets and waves where the channel has none.
    public func object(in catalog: Catalog) -> KubeObject {
        var object = KubeObject(apiVersion: "addon-manager.io/v1alpha1", kind: Self.objectKind, name: name)
        var addons: [String: JSONValue] = [:]
        for (addon, entry) in self.addons {
            addons[addon] = ["version": .string(entry.version.description), "values": entry.values]
        }
        var spec: JSONValue = [
            "addons": .object(addons),
            "defaultAddons": .array((defaultAddons ?? catalog.defaultAddons).map(JSONValue.string)),
            "optInAddons": .array((optInAddons ?? catalog.optInAddons).map(JSONValue.string)),
            "waves": .array((rolloutWaves ?? catalog.rolloutWaves).map(\.json)),
        ]
        if !description.isEmpty { spec["description"] = .string(description) }
        object["spec"] = spec
        return object
    }

    /// Reads an `AddonChannel` object with the same checks as a channel file; messages name the
    /// object and the field (`AddonChannel/stable: addons.x.version: ...`).
    public init(object: KubeObject) throws(CatalogErrors) {
        var spec = object.spec
        if spec.objectValue == nil { spec = .emptyObject }
        spec["name"] = .string(object.name)
        var diagnostics = Diagnostics()
        // JSON is YAML: the channel reader checks it field by field.
        let read = Channel.read(text: spec.prettyJSONString(indent: 2), file: "AddonChannel/\(object.name)", diagnostics: &diagnostics)
        guard let read, diagnostics.isEmpty else { throw CatalogErrors(diagnostics.errors) }
        self = read
    }
}
