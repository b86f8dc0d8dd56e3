import ArgumentParser

/// `addon-manager`: the controllers and the API. `run` against real clusters, `dev` for the
/// embedded mode, `localkube` to serve LocalKube alone.
@main
struct AddonManager: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "addon-manager",
        abstract: "The addon manager of the managed Kubernetes service.",
        subcommands: [RunCommand.self, DevCommand.self, LocalKubeCommand.self, ChaosCommand.self, ProviderBenchCommand.self]
    )
}
