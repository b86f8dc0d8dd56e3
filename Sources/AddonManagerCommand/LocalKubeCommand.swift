import ArgumentParser
import Foundation
import LocalKube
import Logging
import ServiceLifecycle
import UnixSignals

/// `addon-manager localkube`: serve LocalKube clusters until SIGINT/SIGTERM, with a kubeconfig per cluster.
struct LocalKubeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "localkube",
        abstract: "Run LocalKube, the in-process Kubernetes API server, with a number of empty clusters."
    )

    @Option(help: "How many clusters to serve (named localkube-1, localkube-2, ...).")
    var clusters: Int = 1

    @Option(help: "The port to listen on (0 = any free port).")
    var port: Int = 0

    @Option(help: "Where to write one kubeconfig per cluster.")
    var kubeconfigDir: String = FileManager.default.temporaryDirectory.appendingPathComponent("localkube").path

    @Option(help: "Ready nodes each cluster starts with.")
    var nodes: Int = 3

    @Option(help: "Seconds a workload takes to become ready after a change.")
    var readinessDelay: Double = 1

    @Flag(help: "Serve plain HTTP instead of HTTPS (debugging only).")
    var plainHTTP = false

    @Option(help: "Log level (trace, debug, info, notice, warning, error).")
    var logLevel: String = "info"

    func validate() throws {
        guard clusters >= 1 else { throw ValidationError("--clusters must be at least 1") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() async throws {
        var logger = Logger(label: "localkube")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let settings = ClusterSettings(initialNodes: nodes, readinessDelay: .milliseconds(Int(readinessDelay * 1000)))
        let server = try await LocalKubeServer.start(port: port, settings: settings, plainHTTP: plainHTTP, logger: logger)
        var paths: [String] = []
        for i in 1...clusters {
            let name = "localkube-\(i)"
            try await server.addCluster(name: name)
            let path = URL(fileURLWithPath: kubeconfigDir).appendingPathComponent("\(name).kubeconfig").path
            try server.writeKubeconfig(for: name, to: path)
            paths.append(path)
        }
        say("LocalKube is serving \(clusters) cluster(s) at \(server.baseURL)/clusters/NAME")
        for path in paths.prefix(10) { say("  kubeconfig: \(path)") }
        if paths.count > 10 { say("  ... and \(paths.count - 10) more in \(kubeconfigDir)") }
        say("Try: kubectl --kubeconfig \(paths[0]) get ns")
        say("Stop with Ctrl-C.")
        let group = ManagerStartup.serviceGroup([.init(service: LocalKubeService(server: server))], logger: logger)
        try await group.run()
    }
}

/// Keeps LocalKube up until the service group shuts down, then stops it.
private struct LocalKubeService: Service {
    let server: LocalKubeServer

    func run() async throws {
        try? await gracefulShutdown()
        await server.shutdown()
    }
}
