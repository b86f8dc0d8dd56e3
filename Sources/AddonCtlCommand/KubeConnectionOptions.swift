import ArgumentParser
import KubernetesClient
import Logging

/// The options every `addonctl kube` verb shares: which cluster, which namespace.
struct KubeConnectionOptions: ParsableArguments {
    @Option(help: "Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then the pod's service account).")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context to use (default: current-context).")
    var context: String?

    @Option(name: [.customShort("n"), .long], help: "The namespace (default: the context's namespace, else \"default\").")
    var namespace: String?

    @Flag(name: .long, help: "Log requests and retries to standard error.")
    var verbose = false

    /// A logger for a command's own work: warnings, or everything with --verbose.
    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = verbose ? .debug : .warning
        return logger
    }

    /// A client for the chosen cluster; the caller shuts it down.
    func makeClient() throws -> KubernetesClient {
        var connection: ClusterConnection
        do {
            connection = try ClusterConnection.load(kubeconfig: kubeconfig, context: context)
        } catch {
            throw KubeCommandError(error.description)
        }
        if let namespace, !namespace.isEmpty { connection.namespace = namespace }
        // A command-line tool: generous rate limit, as kubectl's (it sets none on its own requests beyond the server's).
        connection.rateLimit = RateLimit(qps: 500, burst: 1000)
        connection.userAgent = "addonctl/0.1"
        return try KubernetesClient(connection: connection, logger: logger("addonctl.kube"))
    }
}

/// A failure of an `addonctl kube` verb: printed as `Error: <message>`, exit status 1.
struct KubeCommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` with a client and shuts the client down afterwards, whatever happened.
func withKubeClient<T>(_ options: KubeConnectionOptions, _ body: (KubernetesClient) async throws -> T) async throws -> T {
    let client = try options.makeClient()
    do {
        let result = try await body(client)
        try? await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

extension KubernetesError {
    /// kubectl's wording: `Error from server (NotFound): configmaps "x" not found`.
    var kubectlStyle: String {
        if let status {
            let reason = status.reason.isEmpty ? "\(kind)" : status.reason
            return "Error from server (\(reason)): \(status.message)"
        }
        return description
    }
}
