import ArgumentParser

/// `addonctl catalog ...`: check, list and render the addon catalog.
struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Lint, list and render the addon catalog.",
        subcommands: [CatalogLintCommand.self, CatalogListCommand.self, CatalogVersionsCommand.self, CatalogRenderCommand.self]
    )
}
