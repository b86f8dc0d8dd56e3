import AddonCatalog
import ArgumentParser
import KubernetesModel

/// `addonctl catalog versions NAME`: one addon's versions with what they support and need.
struct CatalogVersionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "versions", abstract: "List the versions of one addon.")

    @OptionGroup var catalog: CatalogDirectoryOption
    @Argument(help: "The addon's name.")
    var name: String
    @Option(name: .shortAndLong, help: "Output format: table, json or yaml.")
    var output: OutputFormat = .table

    func run() async throws {
        let loaded = try catalog.load()
        let versions = loaded.versions(of: name)
        guard !versions.isEmpty else {
            CatalogOutput.printError("addon \(name) is not in the catalog (addons: \(loaded.addonNames.joined(separator: ", ")))")
            throw ExitCode.failure
        }
        let channelNames = loaded.channels.keys.sorted()
        func channels(_ version: SemanticVersion) -> [String] {
            channelNames.filter { loaded.channel(named: $0)?.version(of: name) == version }
        }
        let definitions = versions.compactMap { loaded.definition(name: name, version: $0) }
        switch output {
        case .table:
            let rows = definitions.map { d -> [String] in
                [d.version.description, d.supportedKubernetesVersions.description,
                 d.dependencies.map { "\($0.name) \($0.versions)" }.joined(separator: ", ").ifEmpty("-"),
                 channels(d.version).joined(separator: ",").ifEmpty("-"), d.description]
            }
            print(CatalogOutput.table(["VERSION", "KUBERNETES", "DEPENDENCIES", "CHANNELS", "DESCRIPTION"], rows), terminator: "")
        case .json, .yaml:
            let items: [JSONValue] = definitions.map { d in
                [
                    "version": .string(d.version.description),
                    "kubernetesVersions": .string(d.supportedKubernetesVersions.description),
                    "dependencies": .array(d.dependencies.map { ["name": .string($0.name), "versions": .string($0.versions.description)] }),
                    "channels": .array(channels(d.version).map { .string($0) }),
                    "namespace": .string(d.namespace),
                    "owner": .string(d.owner),
                    "description": .string(d.description),
                    "conflictPolicy": .string(d.conflictPolicy.rawValue),
                ]
            }
            print(CatalogOutput.emit(["name": .string(name), "versions": .array(items)], format: output), terminator: "")
        }
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
