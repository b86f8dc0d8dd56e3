import ArgumentParser

/// `addonctl kube ...`: generic verbs on any Kubernetes API server reachable by kubeconfig.
struct KubeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kube",
        abstract: "Apply, get and delete Kubernetes objects with addon-manager's own client.",
        subcommands: [KubeApplyCommand.self, KubeGetCommand.self, KubeDeleteCommand.self]
    )
}
