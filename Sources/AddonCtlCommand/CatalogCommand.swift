import ArgumentParser

/// `addonctl catalog ...`: check, list and render the addon catalog.
struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Lint, list, render and diff the addon catalog.",
        subcommands: [CatalogLintCommand.self, CatalogListCommand.self, CatalogVersionsCommand.self, CatalogRenderCommand.self, CatalogDiffCommand.self]
    )
}
