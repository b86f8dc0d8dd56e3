import AddonCatalog
import ArgumentParser

/// `addonctl catalog lint`: every check of the catalog, every addon version rendered for every
/// example cluster.
struct CatalogLintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check the catalog: format, versions, channels, dependencies, templates, and a rendering of every version for every example cluster."
    )

    @OptionGroup var catalog: CatalogDirectoryOption

    func run() async throws {
        let errors = await Catalog.lint(directory: catalog.dir)
        if !errors.isEmpty {
            CatalogOutput.printErrors(errors)
            CatalogOutput.printError("\(errors.count) problem\(errors.count == 1 ? "" : "s") found")
            throw ExitCode.failure
        }
        let loaded = try catalog.load()
        let versions = loaded.addonNames.map { loaded.versions(of: $0).count }.reduce(0, +)
        print("catalog OK: \(loaded.addonNames.count) addons, \(versions) versions, \(loaded.channels.count) channels, \(loaded.exampleClusters.count) example clusters")
    }
}
