import AddonCatalog
import AddonController
import ArgumentParser
import DevFleet
import Foundation
import KubernetesModel
import LocalKube
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

/// `addon-manager dev`: the whole system on one machine. LocalKube serves the management plane
/// and N simulated workload clusters, the repository's catalog is loaded, Clusters are created,
/// and the controllers run; kubeconfigs are printed so kubectl and addonctl can look.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run the embedded default: LocalKube with a management plane, simulated clusters and the controllers."
    )

    @Option(help: "How many simulated workload clusters.")
    var clusters: Int = 3

    @Option(help: "The port LocalKube listens on (0 = any free port).")
    var port: Int = 0

    @Option(help: "The port of the manager's own endpoints (/metrics, /healthz, /debug/clusters, /api/v1/status).")
    var httpPort: Int = 8080

    @Option(help: "The catalog directory (with addons/ and catalog/).")
    var catalog: String = FileManager.default.currentDirectoryPath

    @Option(help: "Where to write the kubeconfigs.")
    var kubeconfigDir: String = FileManager.default.temporaryDirectory.appendingPathComponent("addon-manager-dev").path

    @Option(help: "Seconds a simulated workload takes to become ready.")
    var readinessDelay: Double = 1

    @Option(help: "Log level (trace, debug, info, notice, warning, error).")
    var logLevel: String = "notice"

    @Flag(help: "Exit once every cluster's addons are Healthy (for scripts and benchmarks).")
    var exitWhenHealthy = false

    func validate() throws {
        guard clusters >= 1 else { throw ValidationError("--clusters must be at least 1") }
    }

    func run() async throws {
        let start = ContinuousClock.now
        let started = try ManagerStartup.start(logLevel: logLevel, defaultLevel: .notice, catalogDirectory: catalog)
        let (logger, registry, loaded) = (started.logger, started.registry, started.catalog)
        let fleet = try await DevFleet.start(catalog: loaded, port: port, kubeconfigDirectory: kubeconfigDir,
                                             workloadSettings: ClusterSettings(initialNodes: 3, readinessDelay: .milliseconds(Int(readinessDelay * 1000)),
                                                                               bookmarkInterval: .seconds(60)),
                                             logger: logger)
        let starter = ControllerStarter(management: fleet.management, catalog: LoadedCatalog(catalog: loaded), logger: logger)
        let names = (1...clusters).map { String(format: "dev-%03d", $0) }
        print("addon-manager dev: LocalKube at \(fleet.server.baseURL), catalog \(catalog) (\(loaded.addonNames.count) addons)")
        print("  management kubeconfig: \(fleet.managementKubeconfigPath)")
        print("  workload kubeconfigs:  \(kubeconfigDir)/dev-NNN.kubeconfig")
        print("  endpoints:             http://127.0.0.1:\(httpPort)/metrics  /debug/clusters  /api/v1/status")
        print("Look inside:")
        print("  kubectl --kubeconfig \(fleet.managementKubeconfigPath) get clusters,clusteraddons -A")
        print("  swift run addonctl status -A --kubeconfig \(fleet.managementKubeconfigPath)")

        let endpoints = ManagerEndpoints.application(port: httpPort, host: "127.0.0.1", registry: registry, starter: starter, management: fleet.management, logger: logger) { true }
        let fleetService = FleetService(fleet: fleet, starter: starter, clusterNames: names, start: start, exitWhenHealthy: exitWhenHealthy, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: fleetService, successTerminationBehavior: .gracefullyShutdownGroup), .init(service: endpoints)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await fleet.shutdown()
    }
}

/// Creates the clusters, runs the controllers, and reports progress until shutdown.
private struct FleetService: Service {
    let fleet: DevFleet
    let starter: ControllerStarter
    let clusterNames: [String]
    let start: ContinuousClock.Instant
    let exitWhenHealthy: Bool
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await starter.run() }
                // Clusters are created concurrently, a few at a time.
                try await withThrowingTaskGroup(of: Void.self) { creators in
                    var pending = clusterNames.enumerated()[...]
                    for _ in 0..<min(16, pending.count) {
                        let (i, name) = pending.removeFirst()
                        creators.addTask { try await fleet.addCluster(fleet.request(named: name, example: i)) }
                    }
                    while try await creators.next() != nil {
                        if let (i, name) = pending.popFirst() { creators.addTask { try await fleet.addCluster(fleet.request(named: name, example: i)) } }
                    }
                }
                print("\(clusterNames.count) cluster(s) created after \(elapsed())")
                group.addTask { try await reportProgress() }
                if exitWhenHealthy {
                    try await group.next()
                    group.cancelAll()
                } else {
                    try await group.waitForAll()
                }
            }
        }
    }

    private func elapsed() -> String {
        let d = start.duration(to: .now)
        return String(format: "%.1f s", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }

    /// Prints the first cluster with every addon Healthy, then the whole fleet.
    private func reportProgress() async throws {
        var firstHealthyReported = false
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(250))
            let clusters = (try? await fleet.management.list(ManagementKinds.cluster, namespace: nil, options: .init()))?.items ?? []
            // A cluster counts once its AddonsHealthy condition is True (every addon it gets is Healthy).
            let healthy = clusters.filter { cluster in
                (cluster.status["conditions"].arrayValue ?? []).contains { $0["type"] == "AddonsHealthy" && $0["status"] == "True" }
            }.map(\.name)
            if !firstHealthyReported, let first = healthy.sorted().first {
                print("first cluster Healthy: \(first), after \(elapsed())")
                firstHealthyReported = true
            }
            if healthy.count == clusterNames.count {
                let addons = (try? await fleet.management.list(ManagementKinds.clusterAddon, namespace: nil, options: .init()))?.items.count ?? 0
                print("all \(clusterNames.count) clusters Healthy (\(addons) addons) after \(elapsed())")
                if exitWhenHealthy { return }
                break
            }
        }
        if !exitWhenHealthy { try await gracefulShutdown() }
    }
}
