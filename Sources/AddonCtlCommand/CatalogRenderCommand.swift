import AddonCatalog
import ArgumentParser
import Foundation
import KubernetesModel

/// `addonctl catalog render NAME[@VERSION] --cluster FILE`: the objects an addon version
/// renders to for a cluster, as YAML. Secret material is redacted unless `--show-secrets`.
struct CatalogRenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render an addon version for a cluster description and print the objects as YAML."
    )

    @OptionGroup var catalog: CatalogDirectoryOption
    @Argument(help: "NAME or NAME@VERSION (default version: the one the cluster's channel publishes, else the latest).")
    var addon: String
    @Option(name: .long, help: "A cluster description (as in catalog/clusters/).")
    var cluster: String
    @Option(name: .long, help: "A YAML file of values for this addon, over the cluster's own overrides.")
    var values: String?
    @Flag(name: .long, help: "Print secret material instead of redacting it.")
    var showSecrets = false

    func run() async throws {
        let loaded = try catalog.load()
        let parts = addon.split(separator: "@", maxSplits: 1).map(String.init)
        let name = parts[0]
        guard !loaded.versions(of: name).isEmpty else {
            CatalogOutput.printError("addon \(name) is not in the catalog (addons: \(loaded.addonNames.joined(separator: ", ")))")
            throw ExitCode.failure
        }
        let description: ExampleCluster
        do {
            description = try ExampleCluster.load(text: try readFile(cluster), file: cluster)
        } catch let error as CatalogErrors {
            CatalogOutput.printErrors(error.errors)
            throw ExitCode.failure
        }
        let channel = loaded.channel(named: description.channel)
        var version: SemanticVersion
        if parts.count == 2 {
            guard let v = SemanticVersion(parts[1]) else {
                CatalogOutput.printError("\"\(parts[1])\" is not a version")
                throw ExitCode.failure
            }
            version = v
        } else if let pinned = channel?.version(of: name) {
            version = pinned
        } else {
            version = loaded.latestVersion(of: name)!
        }
        guard let definition = loaded.definition(name: name, version: version) else {
            CatalogOutput.printError("\(name) has no version \(version) (versions: \(loaded.versions(of: name).map(\.description).joined(separator: ", ")))")
            throw ExitCode.failure
        }
        let channelValues = channel?.version(of: name) == version ? (channel?.addons[name]?.values ?? .emptyObject) : .emptyObject
        var clusterValues = description.values[name] ?? .emptyObject
        if let values {
            do {
                clusterValues = Values.merge(clusterValues, try YAML.parse(try readFile(values), file: values))
            } catch let error as YAMLParseError {
                CatalogOutput.printError(error.description)
                throw ExitCode.failure
            }
        }
        do {
            let rendered = try await Renderer.render(definition: definition, facts: description.facts, channelValues: channelValues,
                                                     clusterValues: clusterValues, secrets: description.secrets)
            print("# \(rendered.addon)@\(rendered.version) for cluster \(description.facts.name): \(rendered.objects.count) objects")
            if !showSecrets && !rendered.secretObjects.isEmpty {
                print("# secret material redacted in: \(rendered.secretObjects.sorted().map(\.description).joined(separator: ", ")) (--show-secrets to print it)")
            }
            print("---")
            print(rendered.yaml(showSecrets: showSecrets), terminator: "")
        } catch {
            // Values problems come from the overrides: point at the file that holds them.
            let valuesFile = values ?? (description.values[name] != nil ? cluster : nil)
            CatalogOutput.printErrors(error.errors.map { problem in
                var problem = problem
                if problem.kind == .schemaViolation, let valuesFile { problem.file = valuesFile }
                return problem
            })
            throw ExitCode.failure
        }
    }

    private func readFile(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            CatalogOutput.printError("\(path): cannot read the file")
            throw ExitCode.failure
        }
        return text
    }
}
