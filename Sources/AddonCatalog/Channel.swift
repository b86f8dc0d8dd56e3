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

/// A wave of a rollout (`catalog/rollout.yaml`): the clusters it covers, how many are upgraded
/// at once, and how long they must stay healthy before the next wave starts.
public struct RolloutWave: Sendable {
    public var name: String
    public var selector: LabelSelector
    public var concurrency: Int
    /// Seconds a wave must stay healthy before the next one starts.
    public var soakSeconds: Double

    static func readAll(text: String, file: String, diagnostics: inout Diagnostics) -> [RolloutWave] {
        guard let root = YAMLNode.single(text: text, file: file, diagnostics: &diagnostics) else { return [] }
        guard var reader = FieldReader(root, what: "rollout", diagnostics: &diagnostics) else { return [] }
        var waves: [RolloutWave] = []
        if let wavesNode = reader.required("waves", diagnostics: &diagnostics) {
            waves = read(waves: wavesNode, file: file, diagnostics: &diagnostics)
        }
        reader.finish(diagnostics: &diagnostics)
        return waves
    }

    /// The wave as written in a channel (`soak` in seconds).
    var json: JSONValue {
        let soak = soakSeconds.rounded() == soakSeconds ? "\(Int(soakSeconds))s" : "\(soakSeconds)s"
        return ["name": .string(name), "selector": .string(selector.description), "concurrency": .int(Int64(concurrency)), "soak": .string(soak)]
    }

    static func read(waves wavesNode: YAMLNode, file: String, diagnostics: inout Diagnostics) -> [RolloutWave] {
        var waves: [RolloutWave] = []
        for element in wavesNode.elements {
            guard var w = FieldReader(element, what: "wave", diagnostics: &diagnostics) else { continue }
            let name = w.string("name", required: true, diagnostics: &diagnostics)
            let selectorText = w.string("selector", required: true, diagnostics: &diagnostics)
            let concurrency = w.int("concurrency", diagnostics: &diagnostics) ?? 1
            let soakText = w.string("soak", required: false, diagnostics: &diagnostics) ?? "0s"
            w.finish(diagnostics: &diagnostics)
            var selector: LabelSelector?
            if let selectorText {
                do {
                    selector = try LabelSelector(parsing: selectorText)
                } catch {
                    diagnostics.add(.invalidField, file: file, line: element.child("selector")?.line, "wave \(name ?? "?"): \(error)")
                }
            }
            let soak = GoDuration.seconds(soakText)
            if soak == nil {
                diagnostics.add(.invalidField, file: file, line: element.child("soak")?.line, "wave \(name ?? "?"): soak \"\(soakText)\" is not a duration (e.g. 30m)")
            }
            if concurrency < 1 {
                diagnostics.add(.invalidField, file: file, line: element.child("concurrency")?.line, "wave \(name ?? "?"): concurrency must be at least 1")
            }
            if let name, let selector, let soak {
                if waves.contains(where: { $0.name == name }) {
                    diagnostics.add(.invalidField, file: file, line: element.line, "wave \"\(name)\" is declared twice")
                }
                waves.append(RolloutWave(name: name, selector: selector, concurrency: concurrency, soakSeconds: soak))
            }
        }
        return waves
    }
}
