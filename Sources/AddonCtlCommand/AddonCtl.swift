import ArgumentParser

/// `addonctl`: the CLI of the platform team (catalog lint, render, publish, rollout status) and
/// of users (status of my clusters), plus generic Kubernetes verbs for operators.
@main
struct AddonCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "addonctl",
        abstract: "Inspect and publish the addon catalog, look at clusters and their addons.",
        subcommands: [StatusCommand.self, KubeCommand.self, CatalogCommand.self, PublishCommand.self, RolloutCommand.self]
    )
}
