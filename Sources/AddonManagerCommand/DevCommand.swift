import AddonCatalog
import AddonController
import ArgumentParser
import ClusterLifecycle
import ControllerRuntime
import DevFleet
import Foundation
import Infrastructure
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import StatusAPI
import UnixSignals

/// `addon-manager dev`: the whole system on one machine. LocalKube serves the management plane
/// and N simulated workload clusters, the repository's catalog is published into it (as
/// `addonctl publish` does), Clusters are created, and the controllers run on the published
/// catalog, as in production; kubeconfigs are printed so kubectl and addonctl can look.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run the embedded default: LocalKube with a management plane, simulated clusters and the controllers."
    )

    @Option(help: "How many simulated workload clusters.")
    var clusters: Int = 3

    @Option(help: "The port LocalKube listens on (0 = any free port).")
    var port: Int = 0

    @Option(help: "The port of the manager's own endpoints (/metrics, /healthz, /debug/clusters).")
    var httpPort: Int = 8080

    @Option(help: ArgumentHelp("How many projects (management-plane namespaces) the clusters are spread over, each with a user who may see only it.",
                               discussion: "One project is named dev; several are team-a, team-b, ..."))
    var projects: Int = 2

    @Option(help: "The port of the status API and page, on 127.0.0.1 (0 = any free port).")
    var statusPort: Int = 8081

    @Option(help: ArgumentHelp("Nodes in each cluster's node pool (simulated VMs that join as Nodes; 0: no pool).",
                               discussion: "The provisioning loop keeps the pool at its size and replaces nodes that break."))
    var nodePoolSize: Int = 2

    @Option(help: "Node pools per cluster, each of --node-pool-size nodes.")
    var nodePools: Int = 1

    @Flag(help: "Break a random pooled node every 20 s (NotReady, or its VM in ERROR), so that healing is visible.")
    var chaos = false

    @Option(help: "The catalog directory (with addons/ and catalog/) published into the management plane at start.")
    var catalog: String = FileManager.default.currentDirectoryPath

    @Option(help: "Where to write the kubeconfigs.")
    var kubeconfigDir: String = FileManager.default.temporaryDirectory.appendingPathComponent("addon-manager-dev").path

    @Option(help: "Seconds a simulated workload takes to become ready.")
    var readinessDelay: Double = 1

    @Option(help: "Log level (trace, debug, info, notice, warning, error).")
    var logLevel: String = "notice"

    @Flag(help: "Exit once every cluster's addons are Healthy (for scripts and benchmarks).")
    var exitWhenHealthy = false

    @Flag(help: ArgumentHelp("Serve the management plane and the simulated clusters and create the Clusters, but run no controllers.",
                             discussion: "Run `addon-manager run --kubeconfig <the management kubeconfig it prints>` beside it: the manager then runs as in production, in its own process (the fleet benchmark measures it so)."))
    var fleetOnly = false

    @Option(help: ArgumentHelp("With --fleet-only: the management plane to create the Clusters in, served elsewhere (e.g. by `addon-manager localkube`), instead of one in this process.",
                               discussion: "The simulated clusters then do not share a process with it, as a real management plane does not (the fleet benchmark's --split)."))
    var managementKubeconfig: String?

    @Flag(help: "At exit, print how many requests of each verb and resource LocalKube served (management plane and workload clusters).")
    var printRequestCounts = false

    /// Requests LocalKube served, by plane, verb and resource, most first.
    private func printRequests(_ fleet: DevFleet) async {
        var total: [String: Int] = [:]
        for name in fleet.server.clusterNames {
            guard let cluster = fleet.server.cluster(named: name) else { continue }
            let plane = name == DevFleet.managementName ? "management" : "workload"
            for (request, count) in await cluster.requestCountsByVerbAndResource { total["\(plane) \(request)", default: 0] += count }
        }
        say("requests served, by plane, verb and resource:")
        for (request, count) in total.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) { say("  \(count)\t\(request)") }
    }

    func validate() throws {
        guard clusters >= 1 else { throw ValidationError("--clusters must be at least 1") }
        guard managementKubeconfig == nil || fleetOnly else { throw ValidationError("--management-kubeconfig needs --fleet-only") }
        guard (1...26).contains(projects) else { throw ValidationError("--projects must be between 1 and 26") }
        guard (0...50).contains(nodePoolSize) else { throw ValidationError("--node-pool-size must be between 0 and 50") }
        guard (1...10).contains(nodePools) else { throw ValidationError("--node-pools must be between 1 and 10") }
    }

    func run() async throws {
        let start = ContinuousClock.now
        let started = try ManagerStartup.start(logLevel: logLevel, defaultLevel: .notice, catalogDirectory: catalog)
        let (logger, registry) = (started.logger, started.registry)
        guard let loaded = started.catalog else { throw ExitCode.failure }
        let fleet = try await DevFleet.start(catalog: loaded, port: port, kubeconfigDirectory: kubeconfigDir,
                                             workloadSettings: ClusterSettings(initialNodes: 3, readinessDelay: .milliseconds(Int(readinessDelay * 1000)),
                                                                               bookmarkInterval: .seconds(60)),
                                             managementKubeconfig: managementKubeconfig, logger: logger)
        let published = ManagementPlaneCatalog(client: fleet.management, logger: logger)
        let book = RolloutBook(client: fleet.management, logger: logger)
        var options = ControllerStarter.Options()
        options.cluster.rollouts = book
        options.reconcilesInFlight = ControllerStarter.Options.defaultReconcilesInFlight
        options.contentHashKeyStore = ContentHashKeyStore(client: fleet.management, namespace: DevFleet.managerNamespace)
        let starter = ControllerStarter(management: fleet.management, catalog: published, options: options, logger: logger)
        let driver = RolloutDriver(management: fleet.management, catalog: published, book: book, logger: logger)
        let names = (1...clusters).map { String(format: "dev-%03d", $0) }
        let projectNames = projects == 1 ? ["dev"] : (0..<projects).map { "team-" + String(UnicodeScalar(UInt8(97 + $0))) }
        var users: [DevFleet.User] = []
        if managementKubeconfig == nil {
            for project in projectNames { users.append(try await fleet.addProjectUser("user-of-\(project)", project: project)) }
            users.append(try await fleet.addOperator("operator"))
        }
        let announcedUsers = users
        let status = StatusService(management: fleet.management, reviewer: ManagementAccessReviewer(client: fleet.management, logger: logger),
                                   catalog: { try? await published.current() }, options: .init(host: "127.0.0.1", port: statusPort),
                                   logger: logger) { port in
            say("status page: http://127.0.0.1:\(port)/ (API: http://127.0.0.1:\(port)/api/v1/openapi.json); sign in with a token:")
            for user in announcedUsers {
                say("  \(user.name) (\(user.project.map { "project \($0)" } ?? "every project, operator")): \(user.token)")
            }
        }
        say("addon-manager dev: LocalKube at \(fleet.server.baseURL), catalog \(catalog) (\(loaded.addonNames.count) addons) published into it")
        say("  management kubeconfig: \(fleet.managementKubeconfigPath)")
        say("  workload kubeconfigs:  \(kubeconfigDir)/dev-NNN.kubeconfig")
        say("  endpoints:             http://127.0.0.1:\(httpPort)/metrics  /debug/clusters")
        say("  projects:              \(projectNames.joined(separator: ", ")) (clusters spread over them)")
        say("Look inside:")
        say("  kubectl --kubeconfig \(fleet.managementKubeconfigPath) get clusters,clusteraddons -A")
        say("  swift run addonctl status -A --kubeconfig \(fleet.managementKubeconfigPath)")
        say("  swift run addonctl rollout status --kubeconfig \(fleet.managementKubeconfigPath)")
        if fleetOnly {
            say("No controllers run here (--fleet-only). Run the manager against this management plane:")
            // Its endpoints on a port this process does not hold.
            let port = [8082, 8083, 8084].first { $0 != httpPort && $0 != statusPort } ?? 0
            say("  swift run addon-manager run --kubeconfig \(fleet.managementKubeconfigPath) --http-port \(port)")
        }


        let infrastructure = SimulatedInfrastructure(bootDelay: .seconds(1), joinDelay: .seconds(1)) { [server = fleet.server] key in
            server.cluster(named: String(key.split(separator: "/").last ?? ""))
        }
        let lifecycle = nodePoolSize == 0 ? nil : ClusterLifecycle(
            management: fleet.management, provider: { _ in infrastructure },
            workload: { [server = fleet.server, logger] cluster in
                // Nodes are watched over HTTP, as `run` watches a real cluster's.
                try server.client(for: cluster.name, logger: logger)
            }, logger: logger)
        let endpoints = ManagerEndpoints.application(port: httpPort, host: "127.0.0.1", registry: registry, starter: starter,
                                                     nodePoolSeries: { await lifecycle?.exposition() ?? "" }, logger: logger) { true }
        let clusterProjects = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, projectNames[$0 % projectNames.count]) })
        let fleetService = FleetService(fleet: fleet, starter: starter, catalog: published, rollouts: RolloutsService(book: book, driver: driver, elector: nil), runControllers: !fleetOnly, clusterNames: names, clusterProjects: clusterProjects, lifecycle: lifecycle, nodePoolSize: nodePoolSize, nodePools: nodePools, chaos: chaos ? infrastructure : nil, start: start, exitWhenHealthy: exitWhenHealthy, logger: logger)
        let group = ManagerStartup.serviceGroup(
            [.init(service: fleetService, successTerminationBehavior: .gracefullyShutdownGroup), .init(service: ListenerService(server: endpoints, flag: "--http-port", host: "127.0.0.1", port: httpPort)),
             .init(service: ListenerService(server: status, flag: "--status-port", host: "127.0.0.1", port: statusPort))], logger: logger)
        try await group.run()
        if printRequestCounts { await printRequests(fleet) }
        await fleet.shutdown()
    }
}

/// Creates the clusters, runs the controllers, and reports progress until shutdown.
private struct FleetService: Service {
    let fleet: DevFleet
    let starter: ControllerStarter
    let catalog: ManagementPlaneCatalog
    let rollouts: RolloutsService
    let runControllers: Bool
    let clusterNames: [String]
    let clusterProjects: [String: String]
    let lifecycle: ClusterLifecycle?
    let nodePoolSize: Int
    let nodePools: Int
    /// Breaks pooled nodes now and then (`--chaos`).
    let chaos: SimulatedInfrastructure?
    let start: ContinuousClock.Instant
    let exitWhenHealthy: Bool
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    if runControllers {
                        group.addTask { await catalog.run() }
                        group.addTask { await starter.run() }
                        group.addTask { try await rollouts.run() }
                        if let lifecycle { group.addTask { await lifecycle.run() } }
                        if let chaos { group.addTask { try await breakNodes(chaos) } }
                    }
                    group.addTask { try await reportProgress() }
                    // Clusters are created concurrently, a few at a time.
                    try await withThrowingTaskGroup(of: Void.self) { creators in
                        var pending = clusterNames.enumerated()[...]
                        for _ in 0..<min(16, pending.count) {
                            let (i, name) = pending.removeFirst()
                            creators.addTask { try await fleet.addCluster(request(name, i)) }
                        }
                        while try await creators.next() != nil {
                            if let (i, name) = pending.popFirst() { creators.addTask { try await fleet.addCluster(request(name, i)) } }
                        }
                    }
                    say("\(clusterNames.count) cluster(s) created after \(elapsed())")
                    if exitWhenHealthy {
                        // The progress reporter returns once every cluster is Healthy.
                        _ = try await group.next()
                        group.cancelAll()
                    } else {
                        try await group.waitForAll()
                    }
                }
            }
        } catch is CancellationError {
            // Ctrl-C or SIGTERM: a normal end, not a failure.
        }
    }

    /// A cluster like the catalog's example `index`, in its project, with its node pool.
    private func request(_ name: String, _ index: Int) -> DevFleet.ClusterRequest {
        var request = fleet.request(named: name, example: index, project: clusterProjects[name] ?? "dev")
        if nodePoolSize > 0 {
            request.nodePools = .array((0..<nodePools).map { index in
                ["name": .string(index == 0 ? "workers" : "workers-\(index + 1)"), "replicas": .int(Int64(nodePoolSize)), "flavor": "m1.small", "image": "ubuntu-22.04",
                 "availabilityZones": ["dev-1a", "dev-1b"],
                 "health": ["unhealthyConditions": [["type": "Ready", "status": "False", "for": "20s"], ["type": "Ready", "status": "Unknown", "for": "20s"]],
                            "nodeStartupTimeout": "2m", "maxUnhealthy": "50%"]]
            })
        }
        return request
    }

    /// `--chaos`: every 20 s one pooled node of a random cluster goes NotReady or its VM to ERROR.
    private func breakNodes(_ infrastructure: SimulatedInfrastructure) async throws {
        while true {
            try await Task.sleep(for: .seconds(20))
            guard let name = clusterNames.randomElement(), let project = clusterProjects[name],
                  let server = try await infrastructure.servers(cluster: "\(project)/\(name)").randomElement(),
                  let workload = fleet.server.cluster(named: name) else { continue }
            if Bool.random() {
                try? await workload.setNodeCondition(node: server.name, type: "Ready", status: "False")
                say("chaos: node \(server.name) of \(project)/\(name) NotReady")
            } else {
                infrastructure.breakServer(id: server.id)
                say("chaos: the VM of node \(server.name) of \(project)/\(name) in ERROR")
            }
        }
    }

    private func elapsed() -> String {
        let d = start.duration(to: .now)
        return String(format: "%.1f s", d.seconds)
    }

    /// Prints the first cluster with every addon Healthy, then the whole fleet. Clusters are
    /// watched (one list, then events), not listed again and again: at a thousand clusters a
    /// list every quarter second would cost more than the controllers themselves.
    private func reportProgress() async throws {
        let progress = FleetProgress()
        let informer = Informer(kind: ManagementKinds.cluster, namespace: nil, client: fleet.management, resyncPeriod: nil, logger: logger) { event in
            await progress.observe(event)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await informer.run() }
            defer { group.cancelAll() }
            var firstHealthyReported = false
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(250))
                let healthy = await progress.healthy
                if !firstHealthyReported, let first = healthy.min() {
                    say("first cluster Healthy: \(first), after \(elapsed())")
                    firstHealthyReported = true
                }
                if healthy.count == clusterNames.count {
                    let addons = (try? await fleet.management.list(ManagementKinds.clusterAddon, namespace: nil, options: .init()))?.items.count ?? 0
                    say("all \(clusterNames.count) clusters Healthy (\(addons) addons) after \(elapsed())")
                    break
                }
            }
        }
        if !exitWhenHealthy { try await gracefulShutdown() }
    }
}

/// The clusters whose `AddonsHealthy` condition is True (every addon they get is Healthy), as
/// the watch on Clusters tells.
private actor FleetProgress {
    private(set) var healthy: Set<String> = []

    func observe(_ event: InformerEvent) {
        let name = event.object.name
        switch event {
        case .deleted:
            healthy.remove(name)
        case .added(let cluster), .updated(_, let cluster), .resync(let cluster):
            let isHealthy = (cluster.status["conditions"].arrayValue ?? []).contains { $0["type"] == "AddonsHealthy" && $0["status"] == "True" }
            if isHealthy { healthy.insert(name) } else { healthy.remove(name) }
        }
    }
}

