import Foundation
import KubernetesModel

/// The addon catalog: every addon version (`addons/NAME/VERSION/`), the channels, the default
/// and opt-in sets, the rollout waves and the example clusters (`catalog/`).
///
/// Layout under the catalog directory:
/// - `addons/NAME/VERSION/addon.yaml` and `addons/NAME/VERSION/manifests/*.yaml`
/// - `catalog/channels/*.yaml` (one channel each)
/// - `catalog/addon-sets.yaml` (`default:` and `optIn:` lists of addon names)
/// - `catalog/rollout.yaml` (`waves:`)
/// - `catalog/clusters/*.yaml` (example clusters)
public struct Catalog: Sendable {
    /// The directory the catalog was loaded from.
    public var directory: String
    private var definitions: [String: [SemanticVersion: AddonDefinition]]
    public var channels: [String: Channel]
    /// Addons every cluster gets unless it opts out.
    public var defaultAddons: [String]
    /// Addons a cluster gets only when it opts in.
    public var optInAddons: [String]
    public var rolloutWaves: [RolloutWave]
    public var exampleClusters: [ExampleCluster]
    /// Versions published but not served, with the reason (a management-plane catalog: content
    /// changed after it was accepted, a digest that does not match, a malformed definition).
    public var refusedVersions: [String: [SemanticVersion: String]] = [:]

    /// A catalog made of published parts (the management plane's AddonVersions and
    /// AddonChannels): channels carry their own default and opt-in sets and waves. Nothing is
    /// cross-checked here: a channel naming a missing version blocks the clusters that get it.
    public init(published definitions: [AddonDefinition], channels: [Channel], refusedVersions: [String: [SemanticVersion: String]] = [:], source: String) {
        var byName: [String: [SemanticVersion: AddonDefinition]] = [:]
        for definition in definitions { byName[definition.name, default: [:]][definition.version] = definition }
        self.init(directory: source, definitions: byName, channels: Dictionary(channels.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }),
                  defaultAddons: [], optInAddons: [], rolloutWaves: [], exampleClusters: [])
        self.refusedVersions = refusedVersions
    }

    private init(directory: String, definitions: [String: [SemanticVersion: AddonDefinition]], channels: [String: Channel], defaultAddons: [String],
                 optInAddons: [String], rolloutWaves: [RolloutWave], exampleClusters: [ExampleCluster]) {
        self.directory = directory
        self.definitions = definitions
        self.channels = channels
        self.defaultAddons = defaultAddons
        self.optInAddons = optInAddons
        self.rolloutWaves = rolloutWaves
        self.exampleClusters = exampleClusters
    }

    /// Addons clusters on the channel get unless they opt out (the channel's set, else the catalog's).
    public func defaultAddons(onChannel name: String) -> [String] { channels[name]?.defaultAddons ?? defaultAddons }

    /// Addons clusters on the channel may opt in to.
    public func optInAddons(onChannel name: String) -> [String] { channels[name]?.optInAddons ?? optInAddons }

    /// The rollout waves of the channel.
    public func rolloutWaves(onChannel name: String) -> [RolloutWave] { channels[name]?.rolloutWaves ?? rolloutWaves }

    /// Every version as published content, oldest first per addon.
    public var publishedVersions: [PublishedAddonVersion] {
        addonNames.flatMap { name in versions(of: name).compactMap { definition(name: name, version: $0).map(PublishedAddonVersion.init(definition:)) } }
    }

    /// Addon names, sorted.
    public var addonNames: [String] { definitions.keys.sorted() }

    public func channel(named name: String) -> Channel? { channels[name] }

    /// An addon's versions, oldest first.
    public func versions(of addon: String) -> [SemanticVersion] { (definitions[addon] ?? [:]).keys.sorted() }

    public func definition(name: String, version: SemanticVersion) -> AddonDefinition? { definitions[name]?[version] }

    /// The newest version that is not a pre-release (or the newest one).
    public func latestVersion(of addon: String) -> SemanticVersion? {
        let all = versions(of: addon)
        return all.last(where: { !$0.isPrerelease }) ?? all.last
    }

    /// The addons a cluster on `channel` receives: the default set minus its opt-outs plus its
    /// opt-ins, restricted to the addons the channel publishes; with their versions.
    public func addons(forChannel channelName: String, optOut: [String] = [], optIn: [String] = []) -> [(name: String, version: SemanticVersion)] {
        guard let channel = channels[channelName] else { return [] }
        let optInAddons = optInAddons(onChannel: channelName)
        let wanted = Set(defaultAddons(onChannel: channelName)).subtracting(optOut).union(optIn.filter { optInAddons.contains($0) })
        return wanted.sorted().compactMap { name in channel.version(of: name).map { (name, $0) } }
    }

    /// The addons in the order they must be applied: every addon after the addons it depends on
    /// (among those given), depth-first in name order. Dependencies on addons not in the list are ignored
    /// here (lint reports them); cycles, which loading rejects, fall back to name order.
    public func inDependencyOrder(_ addons: [(name: String, version: SemanticVersion)]) -> [(name: String, version: SemanticVersion)] {
        let byName = Dictionary(addons.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var result: [(name: String, version: SemanticVersion)] = []
        var placed: Set<String> = []
        var visiting: Set<String> = []
        func place(_ name: String) {
            guard !placed.contains(name), !visiting.contains(name), let entry = byName[name] else { return }
            visiting.insert(name)
            let needs = definition(name: name, version: entry.version)?.dependencies.map(\.name) ?? []
            for dependency in needs.sorted() { place(dependency) }
            visiting.remove(name)
            placed.insert(name)
            result.append(entry)
        }
        for name in byName.keys.sorted() { place(name) }
        return result
    }

    // MARK: - Loading

    /// Loads and checks the catalog; every problem is reported, each with file and line.
    public static func load(directory: String) throws(CatalogErrors) -> Catalog {
        var diagnostics = Diagnostics()
        let catalog = read(directory: directory, diagnostics: &diagnostics)
        guard diagnostics.isEmpty else { throw CatalogErrors(diagnostics.errors) }
        return catalog
    }

    private static func files(in directory: String, relativeTo root: String, suffix: String) -> [String] {
        let path = root + "/" + directory
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
        return names.filter { $0.hasSuffix(suffix) && !$0.hasPrefix(".") }.sorted().map { directory + "/" + $0 }
    }

    private static func subdirectories(_ directory: String, relativeTo root: String) -> [String] {
        let path = root + "/" + directory
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
        return names.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted()
    }

    private static func readText(_ relative: String, root: String, diagnostics: inout Diagnostics) -> String? {
        guard let data = FileManager.default.contents(atPath: root + "/" + relative) else {
            diagnostics.add(.unreadable, file: relative, line: nil, "cannot read the file")
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            diagnostics.add(.unreadable, file: relative, line: nil, "not UTF-8 text")
            return nil
        }
        return text
    }

    static func read(directory root: String, diagnostics: inout Diagnostics) -> Catalog {
        var definitions: [String: [SemanticVersion: AddonDefinition]] = [:]
        // Addons with a version that failed to load: no follow-up "unknown addon" noise for them.
        var broken: Set<String> = []
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: root + "/addons", isDirectory: &isDirectory) || !isDirectory.boolValue {
            diagnostics.add(.unreadable, file: "addons", line: nil, "no addons/ directory under \(root)")
        }
        for addonDirectory in subdirectories("addons", relativeTo: root) {
            for versionDirectory in subdirectories("addons/\(addonDirectory)", relativeTo: root) {
                let base = "addons/\(addonDirectory)/\(versionDirectory)"
                let file = base + "/addon.yaml"
                guard FileManager.default.fileExists(atPath: root + "/" + file) else {
                    diagnostics.add(.missingField, file: base, line: nil, "an addon version directory needs an addon.yaml")
                    continue
                }
                guard let text = readText(file, root: root, diagnostics: &diagnostics) else { continue }
                var manifests: [AddonDefinition.ManifestTemplate] = []
                let manifestFiles = files(in: base + "/manifests", relativeTo: root, suffix: ".yaml") + files(in: base + "/manifests", relativeTo: root, suffix: ".yml")
                if manifestFiles.isEmpty {
                    diagnostics.add(.missingField, file: base + "/manifests", line: nil, "an addon version needs at least one manifest template (manifests/*.yaml)")
                }
                for manifestFile in manifestFiles.sorted() {
                    if let text = readText(manifestFile, root: root, diagnostics: &diagnostics) {
                        manifests.append(.init(file: manifestFile, text: text))
                    }
                }
                let compiled = CompiledTemplates(manifests)
                for case .failure(let errors) in compiled.results { diagnostics.add(contentsOf: errors.errors) }
                guard let definition = AddonDefinition.read(text: text, file: file, manifests: manifests, compiled: compiled, diagnostics: &diagnostics) else {
                    broken.insert(addonDirectory)
                    continue
                }
                if definition.name != addonDirectory {
                    diagnostics.add(.invalidField, file: file, line: 1, "name \"\(definition.name)\" differs from its directory addons/\(addonDirectory)")
                }
                if SemanticVersion(versionDirectory) != definition.version {
                    diagnostics.add(.invalidVersion, file: file, line: nil, "version \(definition.version) differs from its directory \(versionDirectory)")
                }
                if let existing = definitions[definition.name]?[definition.version] {
                    diagnostics.add(.duplicateVersion, file: file, line: nil, "\(definition.name) \(definition.version) is already defined by \(existing.file)")
                    continue
                }
                definitions[definition.name, default: [:]][definition.version] = definition
            }
        }

        // Dependencies: known addons, a satisfying version, no cycles.
        for (name, versions) in definitions {
            for (_, definition) in versions {
                for dependency in definition.dependencies {
                    guard let available = definitions[dependency.name] else {
                        diagnostics.add(.unknownDependency, file: definition.file, line: dependency.line, "\(name) depends on \(dependency.name), which is not in the catalog")
                        continue
                    }
                    if !available.keys.contains(where: { dependency.versions.contains($0) }) {
                        diagnostics.add(.unknownDependency, file: definition.file, line: dependency.line,
                                        "\(name) depends on \(dependency.name) \(dependency.versions), but the catalog has only \(available.keys.sorted().map(\.description).joined(separator: ", "))")
                    }
                }
            }
        }
        for cycle in dependencyCycles(definitions) {
            let first = definitions[cycle[0]]!.values.sorted { $0.version < $1.version }.first!
            let line = first.dependencies.first(where: { $0.name == cycle[1] })?.line
            diagnostics.add(.dependencyCycle, file: first.file, line: line, "dependency cycle: \(cycle.joined(separator: " -> "))")
        }

        // Channels.
        var channels: [String: Channel] = [:]
        for file in files(in: "catalog/channels", relativeTo: root, suffix: ".yaml") {
            guard let text = readText(file, root: root, diagnostics: &diagnostics),
                  let channel = Channel.read(text: text, file: file, diagnostics: &diagnostics) else { continue }
            if let existing = channels[channel.name] {
                diagnostics.add(.invalidField, file: file, line: 1, "channel \(channel.name) is already defined by \(existing.file)")
                continue
            }
            for (addon, entry) in channel.addons.sorted(by: { $0.key < $1.key }) {
                if broken.contains(addon) { continue }
                guard let versions = definitions[addon] else {
                    diagnostics.add(.unknownAddon, file: file, line: entry.line, "channel \(channel.name) names addon \(addon), which is not in the catalog")
                    continue
                }
                guard let definition = versions[entry.version] else {
                    diagnostics.add(.unknownVersion, file: file, line: entry.line,
                                    "channel \(channel.name) names \(addon) \(entry.version), which does not exist (versions: \(versions.keys.sorted().map(\.description).joined(separator: ", ")))")
                    continue
                }
                for dependency in definition.dependencies {
                    guard let pinned = channel.version(of: dependency.name) else {
                        diagnostics.add(.unknownDependency, file: file, line: entry.line, "channel \(channel.name): \(addon) \(entry.version) needs \(dependency.name), which the channel does not publish")
                        continue
                    }
                    if !dependency.versions.contains(pinned) {
                        diagnostics.add(.unknownDependency, file: file, line: entry.line, "channel \(channel.name): \(addon) \(entry.version) needs \(dependency.name) \(dependency.versions), the channel has \(pinned)")
                    }
                }
                // Channel values must fit the version's schema on their own terms (types, enums).
                for problem in definition.valuesSchema.validate(Values.resolve(schema: definition.valuesSchema, channel: entry.values, cluster: .emptyObject).values, path: "values")
                where !problem.hasSuffix(": required") {
                    diagnostics.add(.schemaViolation, file: file, line: entry.line, "channel \(channel.name), \(addon): \(problem)")
                }
            }
            channels[channel.name] = channel
        }
        if channels.isEmpty {
            diagnostics.add(.missingField, file: "catalog/channels", line: nil, "the catalog needs at least one channel (catalog/channels/NAME.yaml)")
        }

        // Default and opt-in sets.
        var defaultAddons: [String] = []
        var optInAddons: [String] = []
        let setsFile = "catalog/addon-sets.yaml"
        if let text = readText(setsFile, root: root, diagnostics: &diagnostics),
           let rootNode = YAMLNode.single(text: text, file: setsFile, diagnostics: &diagnostics),
           var reader = FieldReader(rootNode, what: "addon sets", diagnostics: &diagnostics) {
            defaultAddons = reader.strings("default", diagnostics: &diagnostics) ?? []
            optInAddons = reader.strings("optIn", diagnostics: &diagnostics) ?? []
            reader.finish(diagnostics: &diagnostics)
            for (list, key) in [(defaultAddons, "default"), (optInAddons, "optIn")] {
                for name in list where definitions[name] == nil && !broken.contains(name) {
                    diagnostics.add(.unknownAddon, file: setsFile, line: rootNode.child(key)?.line, "\(key): unknown addon \(name)")
                }
            }
            for name in Set(defaultAddons).intersection(optInAddons).sorted() {
                diagnostics.add(.invalidField, file: setsFile, line: rootNode.child("optIn")?.line, "\(name) is both a default and an opt-in addon")
            }
        }

        // Rollout waves.
        var waves: [RolloutWave] = []
        let rolloutFile = "catalog/rollout.yaml"
        if FileManager.default.fileExists(atPath: root + "/" + rolloutFile), let text = readText(rolloutFile, root: root, diagnostics: &diagnostics) {
            waves = RolloutWave.readAll(text: text, file: rolloutFile, diagnostics: &diagnostics)
        }

        // Example clusters.
        var clusters: [ExampleCluster] = []
        for file in files(in: "catalog/clusters", relativeTo: root, suffix: ".yaml") {
            guard let text = readText(file, root: root, diagnostics: &diagnostics),
                  let cluster = ExampleCluster.read(text: text, file: file, diagnostics: &diagnostics) else { continue }
            if channels[cluster.channel] == nil {
                diagnostics.add(.invalidField, file: file, line: nil, "cluster \(cluster.facts.name): unknown channel \(cluster.channel)")
            }
            for name in cluster.optOut + cluster.optIn + Array(cluster.values.keys) where definitions[name] == nil && !broken.contains(name) {
                diagnostics.add(.unknownAddon, file: file, line: nil, "cluster \(cluster.facts.name): unknown addon \(name)")
            }
            for name in cluster.optIn where definitions[name] != nil && !optInAddons.contains(name) {
                diagnostics.add(.invalidField, file: file, line: nil, "cluster \(cluster.facts.name): \(name) is not an opt-in addon")
            }
            clusters.append(cluster)
        }

        return Catalog(directory: root, definitions: definitions, channels: channels, defaultAddons: defaultAddons,
                       optInAddons: optInAddons, rolloutWaves: waves, exampleClusters: clusters)
    }

    /// Cycles among addons (by name, any version's dependencies), each listed once.
    private static func dependencyCycles(_ definitions: [String: [SemanticVersion: AddonDefinition]]) -> [[String]] {
        var edges: [String: [String]] = [:]
        for (name, versions) in definitions {
            edges[name] = Array(Set(versions.values.flatMap { $0.dependencies.map(\.name) }.filter { definitions[$0] != nil })).sorted()
        }
        var cycles: [[String]] = []
        var seenCycles: Set<[String]> = []
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var stack: [String] = []
        func visit(_ node: String) {
            state[node] = 1
            stack.append(node)
            for next in edges[node] ?? [] {
                if state[next] == 1, let start = stack.firstIndex(of: next) {
                    var cycle = Array(stack[start...])
                    // Rotate so the smallest name comes first: report each cycle once.
                    let minIndex = cycle.indices.min { cycle[$0] < cycle[$1] }!
                    cycle = Array(cycle[minIndex...] + cycle[..<minIndex])
                    if seenCycles.insert(cycle).inserted { cycles.append(cycle + [cycle[0]]) }
                } else if state[next] == nil {
                    visit(next)
                }
            }
            stack.removeLast()
            state[node] = 2
        }
        for node in edges.keys.sorted() where state[node] == nil { visit(node) }
        return cycles
    }

    // MARK: - Lint

    /// Renders every addon version for every example cluster whose Kubernetes version it supports:
    /// the version the cluster's channel publishes with the channel's values and the cluster's
    /// overrides; other versions with the cluster's overrides when they fit that version's schema,
    /// else with its defaults. A cluster whose channel gives it a version that does not support
    /// its Kubernetes version is an error. Returns every problem.
    public func lint() async -> [CatalogError] {
        var diagnostics = Diagnostics()
        for cluster in exampleClusters {
            let channel = channels[cluster.channel]
            let received = Set(addons(forChannel: cluster.channel, optOut: cluster.optOut, optIn: cluster.optIn).map(\.name))
            for name in addonNames {
                for version in versions(of: name) {
                    guard let definition = definition(name: name, version: version) else { continue }
                    let pinned = channel?.version(of: name) == version
                    if !definition.supportedKubernetesVersions.contains(cluster.facts.kubernetesVersion) {
                        if pinned && received.contains(name) {
                            diagnostics.add(.unsupportedKubernetesVersion, file: cluster.file, line: nil,
                                            "cluster \(cluster.facts.name) runs Kubernetes \(cluster.facts.kubernetesVersion), but its channel \(cluster.channel) gives it \(name) \(version), which supports \(definition.supportedKubernetesVersions)")
                        }
                        continue
                    }
                    do {
                        _ = try await render(addon: name, version: version, for: cluster)
                    } catch {
                        for var problem in error.errors {
                            // Channel values were checked when loading: what is left comes from the cluster.
                            if problem.kind == .schemaViolation, cluster.values[name] != nil { problem.file = cluster.file }
                            diagnostics.add(problem)
                        }
                    }
                }
            }
        }
        return CatalogErrors(diagnostics.errors).errors
    }

    /// Renders an addon version for an example cluster as lint does: the version the cluster's
    /// channel publishes (default) with the channel's values and the cluster's overrides; another
    /// version with the cluster's overrides when they fit its schema, else with its defaults.
    public func render(addon name: String, version: SemanticVersion? = nil, for cluster: ExampleCluster) async throws(CatalogErrors) -> RenderedAddon {
        let channel = channels[cluster.channel]
        guard let version = version ?? channel?.version(of: name) ?? latestVersion(of: name),
              let definition = definition(name: name, version: version) else {
            throw CatalogErrors([CatalogError(.unknownVersion, file: cluster.file, line: nil, "no version \(version.map(\.description) ?? "") of addon \(name) in the catalog")])
        }
        let pinned = channel?.version(of: name) == version
        let channelValues = pinned ? (channel?.addons[name]?.values ?? .emptyObject) : .emptyObject
        // The cluster's overrides are written for the version it runs.
        var clusterValues = cluster.values[name] ?? .emptyObject
        if !pinned, !Values.resolve(schema: definition.valuesSchema, channel: .emptyObject, cluster: clusterValues).problems.isEmpty {
            clusterValues = .emptyObject
        }
        return try await Renderer.render(definition: definition, facts: cluster.facts, channelValues: channelValues,
                                         clusterValues: clusterValues, secrets: cluster.secrets)
    }

    /// Loads the catalog and lints it: all problems of both steps.
    public static func lint(directory: String) async -> [CatalogError] {
        var diagnostics = Diagnostics()
        let catalog = read(directory: directory, diagnostics: &diagnostics)
        diagnostics.add(contentsOf: await catalog.lint())
        return CatalogErrors(diagnostics.errors).errors
    }
}
