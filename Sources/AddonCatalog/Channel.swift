import KubernetesModel

/// A release channel (`catalog/channels/NAME.yaml`, or an `AddonChannel` in the management
/// plane): which version of each addon clusters on the channel run, and channel-level values.
/// A published channel also carries the default and opt-in sets and the rollout waves (the
/// catalog's `addon-sets.yaml` and `rollout.yaml`, copied in when it is published); nil means
/// the catalog's own.
public struct Channel: Sendable {
    public struct Entry: Sendable {
        public var version: SemanticVersion
        /// Values for this addon on this channel (between the version's defaults and the cluster's).
        public var values: JSONValue
        var line: Int
    }

    public var name: String
    public var description: String
    public var addons: [String: Entry]
    public var file: String
    public var defaultAddons: [String]?
    public var optInAddons: [String]?
    public var rolloutWaves: [RolloutWave]?

    public func version(of addon: String) -> SemanticVersion? { addons[addon]?.version }

    static func read(text: String, file: String, diagnostics: inout Diagnostics) -> Channel? {
        guard let root = YAMLNode.single(text: text, file: file, diagnostics: &diagnostics) else { return nil }
        guard var reader = FieldReader(root, what: "channel", diagnostics: &diagnostics) else { return nil }
        let name = reader.string("name", required: true, diagnostics: &diagnostics)
        let description = reader.string("description", required: false, diagnostics: &diagnostics) ?? ""
        var entries: [String: Entry] = [:]
        if let addonsNode = reader.required("addons", diagnostics: &diagnostics) {
            for (addon, node) in addonsNode.members {
                guard var e = FieldReader(node, what: "channel entry \(addon)", diagnostics: &diagnostics) else { continue }
                var version: SemanticVersion?
                if let versionNode = e.required("version", diagnostics: &diagnostics) {
                    let text = versionNode.value.stringValue ?? versionNode.value.jsonString()
                    version = SemanticVersion(text)
                    if version == nil || versionNode.value.stringValue == nil {
                        diagnostics.add(.invalidVersion, file: file, line: versionNode.line, "addons.\(addon).version: \"\(text)\" is not a semantic version written as a string")
                        version = nil
                    }
                }
                let values = e.optional("values")?.value ?? .emptyObject
                if values.objectValue == nil {
                    diagnostics.add(.invalidField, file: file, line: node.child("values")?.line, "addons.\(addon).values: expected a mapping")
                }
                e.finish(diagnostics: &diagnostics)
                if let version { entries[addon] = Entry(version: version, values: values, line: node.line) }
            }
        }
        let defaultAddons = reader.strings("defaultAddons", diagnostics: &diagnostics)
        let optInAddons = reader.strings("optInAddons", diagnostics: &diagnostics)
        let waves = reader.optional("waves").map { RolloutWave.read(waves: $0, file: file, diagnostics: &diagnostics) }
        reader.finish(diagnostics: &diagnostics)
        guard let name else { return nil }
        return Channel(name: name, description: description, addons: entries, file: file,
                       defaultAddons: defaultAddons, optInAddons: optInAddons, rolloutWaves: waves)
    }
}

