import AddonCatalog
import ArgumentParser
import KubernetesModel

/// `addonctl catalog list`: the addons, their versions and what each channel publishes.
struct CatalogListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the catalog's addons.")

    @OptionGroup var catalog: CatalogDirectoryOption
    @Option(name: .shortAndLong, help: "Output format: table, json or yaml.")
    var output: OutputFormat = .table

    func run() async throws {
        let loaded = try catalog.load()
        let channelNames = loaded.channels.keys.sorted()
        func set(_ name: String) -> String {
            loaded.defaultAddons.contains(name) ? "default" : loaded.optInAddons.contains(name) ? "opt-in" : "-"
        }
        switch output {
        case .table:
            let rows = loaded.addonNames.map { name -> [String] in
                [name, loaded.versions(of: name).map(\.description).joined(separator: ","), set(name)]
                    + channelNames.map { loaded.channel(named: $0)?.version(of: name)?.description ?? "-" }
            }
            print(CatalogOutput.table(["NAME", "VERSIONS", "SET"] + channelNames.map { $0.uppercased() }, rows), terminator: "")
        case .json, .yaml:
            let items: [JSONValue] = loaded.addonNames.map { name in
                var channels: [String: JSONValue] = [:]
                for channel in channelNames {
                    if let v = loaded.channel(named: channel)?.version(of: name) { channels[channel] = .string(v.description) }
                }
                return [
                    "name": .string(name),
                    "versions": .array(loaded.versions(of: name).map { .string($0.description) }),
                    "set": .string(set(name)),
                    "channels": .object(channels),
                ]
            }
            print(CatalogOutput.emit(["addons": .array(items)], format: output), terminator: "")
        }
    }
}
