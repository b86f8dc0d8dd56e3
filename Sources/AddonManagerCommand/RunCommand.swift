import AddonCatalog
import AddonController
import ArgumentParser
import ControllerRuntime
import Foundation
import KubernetesClient
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

/// `addon-manager run`: the controllers against a real management cluster (kubeconfig or the
/// pod's service account). Replicas split the clusters between them through Leases.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the addon controllers against a management cluster."
    )

    @Option(help: "Kubeconfig of the management cluster (default: $KUBECONFIG, ~/.kube/config, or in-cluster).")
    var kubeconfig: String?

    @Option(help: "Context in the kubeconfig.")
    var context: String?

    @Option(help: "The catalog directory (with addons/ and catalog/).")
    var catalog: String = FileManager.default.currentDirectoryPath

    @Flag(help: "Install or upgrade the management CRDs (Cluster, ClusterAddon) at start.")
    var installCRDs = false

    @Option(help: "Only clusters in this namespace (project); default all.")
    var namespace: String?

    @Option(help: "Namespace of the Leases replicas coordinate through.")
    var leaseNamespace: String = "addon-manager"

    @Option(help: "This replica's identity in the Leases (default: the host name).")
    var identity: String = ProcessInfo.processInfo.hostName

    @Option(help: "How many shards the clusters are split into between replicas.")
    var shards: Int = 8

    @Option(help: "Port of /metrics, /healthz, /readyz, /debug/clusters.")
    var httpPort: Int = 8080

    @Option(help: "Address the endpoints listen on.")
    var httpHost: String = "0.0.0.0"

    @Option(help: ArgumentHelp("Requests per second to the management plane (burst: twice as many).",
                               discussion: "Every ClusterAddon's status, every Event and every Cluster's condition goes through this one client: a fleet of a thousand clusters needs hundreds per second while it converges (and none when idle)."))
    var managementQPS: Double = 300

    @Option(help: "Requests per second to each workload cluster (burst: twice as many).")
    var workloadQPS: Double = 50

    @Option(help: "Log level (trace, debug, info, notice, warning, error).")
    var logLevel: String = "info"

    func validate() throws {
        guard managementQPS > 0, workloadQPS > 0 else { throw ValidationError("--management-qps and --workload-qps must be above 0") }
        guard shards >= 1 else { throw ValidationError("--shards must be at least 1") }
    }

    func run() async throws {
        let started = try ManagerStartup.start(logLevel: logLevel, defaultLevel: .info, catalogDirectory: catalog)
        let (logger, registry, loaded) = (started.logger, started.registry, started.catalog)
        var connection = try ClusterConnection.load(kubeconfig: kubeconfig, context: context)
        connection.rateLimit = RateLimit(qps: managementQPS, burst: Int(managementQPS * 2))
        let management = try KubernetesClient(connection: connection, logger: logger)
        do {
            if installCRDs { try await ManagementCRDs.install(client: management, logger: logger) }
            // Leases go through a client of their own (own connection, own rate limit): a
            // management plane busy with a fleet's status writes must not delay a renewal, or
            // the replica would drop its shards and stop every cluster.
            var leaseConnection = connection
            leaseConnection.rateLimit = RateLimit(qps: 20, burst: 40)
            let leaseClient = try KubernetesClient(connection: leaseConnection, logger: logger)
            defer { Task { try? await leaseClient.shutdown() } }
            let coordinator = ShardCoordinator(client: leaseClient, namespace: leaseNamespace, identity: identity, shards: shards, logger: logger)
            var options = ControllerStarter.Options()
            options.namespace = namespace
            options.workloadRateLimit = RateLimit(qps: workloadQPS, burst: Int(workloadQPS * 2))
            options.owns = { key in await coordinator.owns(key.description) }
            let starter = ControllerStarter(management: management, catalog: LoadedCatalog(catalog: loaded), options: options, logger: logger)
            await coordinator.setOnChange { await starter.reevaluateOwnership() }
            // Ready when the management plane answers and this replica can hold its shard Leases.
            let endpoints = ManagerEndpoints.application(port: httpPort, host: httpHost, registry: registry, starter: starter, logger: logger) {
                guard await coordinator.problem == nil else { return false }
                return (try? await management.serverVersion()) != nil
            }
            logger.info("addon-manager running", metadata: ["identity": "\(identity)", "catalog": "\(catalog)", "addons": "\(loaded.addonNames.count)", "shards": "\(shards)"])
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: Controllers(starter: starter, coordinator: coordinator)), .init(service: endpoints)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        } catch {
            try? await management.shutdown()
            throw error
        }
        try? await management.shutdown()
    }
}

/// The shard coordinator and the controller starter, stopped together on SIGTERM (the shards
/// are released so another replica takes them over at once).
private struct Controllers: Service {
    let starter: ControllerStarter
    let coordinator: ShardCoordinator

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await coordinator.run() }
                group.addTask { await starter.run() }
                await group.waitForAll()
            }
        }
    }
}
