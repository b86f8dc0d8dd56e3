import AddonCatalog
import AddonController
import ArgumentParser
import ClusterLifecycle
import ControllerRuntime
import Foundation
import KubernetesClient
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import StatusAPI
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

    @Option(help: ArgumentHelp("Serve the catalog of this directory (with addons/ and catalog/) instead of the management plane's (development).",
                               discussion: "Without it the manager serves the AddonVersions and AddonChannels published in the management plane (`addonctl publish`), watched: a published version or a channel edit takes effect without a restart."))
    var catalog: String?

    @Flag(name: .customLong("install-crds"), help: "Install or upgrade the management CRDs (Cluster, ClusterAddon, AddonVersion, AddonChannel) at start.")
    var installCRDs = false

    @Option(help: "Only clusters in this namespace (project); default all.")
    var namespace: String?

    @Option(help: "The manager's namespace: the Leases replicas coordinate through, and the Secret with the key of applied-content hashes.")
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

    @Option(help: ArgumentHelp("How many reconciles may run at once across all clusters (0: no bound).",
                               discussion: "A reconcile holds what it renders, sends and reads back until it ends: a fleet converging at once held it all at the same time while the cores could only work on a few. Reconciles beyond the bound wait their turn, first come first served."))
    var maxReconciles: Int = ControllerStarter.Options.defaultReconcilesInFlight

    @Flag(help: ArgumentHelp("Let workload kubeconfig Secrets run exec credential plugins.",
                             discussion: "Projects write those Secrets: by default a plugin in one is refused (it would run a program inside the manager). Allow it only where a trusted provisioner writes every kubeconfig Secret."))
    var allowKubeconfigExec = false

    @Flag(help: ArgumentHelp("Let workload kubeconfig Secrets name files (tokenFile, certificate-authority, client-certificate, client-key).",
                             discussion: "By default refused: such a path would read the manager's own files, its service-account token among them."))
    var allowKubeconfigFiles = false

    @Option(name: .customLong("shared-secret-namespace"),
            help: ArgumentHelp("A namespace whose Secrets every Cluster may read besides its own (repeatable).",
                               discussion: "A Cluster's addons read Secrets of its own namespace; `spec.facts.secretNamespace` naming any other namespace is refused unless it is listed here."))
    var sharedSecretNamespaces: [String] = []

    @Option(help: ArgumentHelp("Serve the status API and page for users on this port (off when not given).",
                               discussion: "Users see their projects' clusters and addons with a token the management plane accepts; see README \"Status API and page\"."))
    var statusPort: Int?

    @Option(help: "Address the status API listens on.")
    var statusHost: String = "0.0.0.0"

    @Option(name: .customLong("status-tls-cert"), help: "PEM file of the status API's serving certificate (chain); required unless --status-host is a loopback address.")
    var statusTLSCert: String?

    @Option(name: .customLong("status-tls-key"), help: "PEM file of the status API's private key.")
    var statusTLSKey: String?

    @Flag(name: .customLong("node-pools"), help: ArgumentHelp(
        "Run the provisioning and healing loop: keep each Cluster's spec.nodePools at size on its spec.infrastructure (OpenStack), replace broken nodes.",
        discussion: "One replica runs it at a time (Lease addon-manager-node-pools). Credentials come from the Secret spec.infrastructure.credentialsSecretRef names, in the Cluster's namespace."))
    var nodePools = false

    @Option(help: ArgumentHelp("Poll owned objects that carry no status for drift every this many seconds instead of watching them (0, the default: watch).",
                               discussion: "RBAC objects, ConfigMaps, Secrets, ServiceAccounts, Namespaces, classes, network policies and webhook configurations an addon owns are then checked every interval (±10 %; an edit or deletion is undone at the next check) instead of each kind holding a watch open per cluster; workloads and kinds a health rule names stay watched. Measured at 1000 clusters with 300 s: about 50 MB less memory, more CPU (Benchmarks/README.md)."))
    var driftPollInterval: Int = 0

    @Option(help: ArgumentHelp("Reconcile every addon of every cluster every this many seconds (±10 %) even when nothing changed.",
                               discussion: "A backstop for Healthy addons: changes to Clusters, the catalog, rollouts, referenced Secrets and every owned object already start a reconcile, and health that depends on time asks for its own. Addons that are not Healthy are reconciled again every 5 minutes whatever this says (a refused apply is not retried otherwise). Measured at 1000 clusters, resyncs every 300 s were about a quarter of an idle manager's CPU (Benchmarks/README.md)."))
    var resyncPeriod: Int = Int(ClusterAddonController.Options().resyncPeriod.components.seconds)

    @Option(help: ArgumentHelp("Ask a workload cluster whether it answers (GET /version) once it has sent nothing for this many seconds.",
                               discussion: "Each open watch sends a bookmark about once a minute, so a cluster with open watches is not asked while they flow. Whatever this says, a cluster whose request or watch got no answer (refused, reset, timed out) is asked once it has been silent for 15 s, one that refused the manager's credentials (401) at the next 15 s tick, and one that answered no request for 5 minutes (open watches do not tell of credentials revoked since they opened). Lower finds a cluster cut off without a word (a network partition) sooner; values under 60 cost about one GET /version per cluster per minute (Benchmarks/README.md)."))
    var probeAfterSilence: Int = Int(ClusterAddonController.Options().probeAfterSilence.components.seconds)

    @Option(help: "Log level (trace, debug, info, notice, warning, error).")
    var logLevel: String = "info"

    func validate() throws {
        guard managementQPS > 0, workloadQPS > 0 else { throw ValidationError("--management-qps and --workload-qps must be above 0") }
        guard maxReconciles >= 0 else { throw ValidationError("--max-reconciles must be 0 (no bound) or more") }
        guard shards >= 1 else { throw ValidationError("--shards must be at least 1") }
        guard resyncPeriod >= 60 else { throw ValidationError("--resync-period must be at least 60 seconds") }
        guard probeAfterSilence >= 15 else { throw ValidationError("--probe-after-silence must be at least 15 seconds (the probe's interval)") }
        guard driftPollInterval >= 0 else { throw ValidationError("--drift-poll-interval must be 0 (watch every kind) or more seconds") }
        if statusPort != nil {
            do {
                try statusOptions.validate()
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    var statusOptions: StatusService.Options {
        StatusService.Options(host: statusHost, port: statusPort ?? 0, tlsCertificateFile: statusTLSCert, tlsKeyFile: statusTLSKey)
    }

    func run() async throws {
        let started = try ManagerStartup.start(logLevel: logLevel, defaultLevel: .info, catalogDirectory: catalog)
        let (logger, registry, loaded) = (started.logger, started.registry, started.catalog)
        var connection = try ClusterConnection.load(kubeconfig: kubeconfig, context: context)
        connection.rateLimit = RateLimit(qps: managementQPS, burst: Int(managementQPS * 2))
        connection.userAgent = ManagerStartup.userAgent(identity: identity, role: "management")
        connection.role = "management"
        // Leases go through a client of their own (own connection, own rate limit): a
        // management plane busy with a fleet's status writes must not delay a renewal, or
        // the replica would drop its shards and stop every cluster. No retries inside the
        // client and a short timeout: the coordinator retries every retry period until the
        // renew deadline, and bounds each attempt itself.
        var leaseConnection = connection
        leaseConnection.rateLimit = RateLimit(qps: 20, burst: 40)
        leaseConnection.retryPolicy = .never
        leaseConnection.requestTimeout = .seconds(2)
        leaseConnection.userAgent = ManagerStartup.userAgent(identity: identity, role: "leases")
        leaseConnection.role = "leases"
        let management = try KubernetesClient(connection: connection, logger: logger)
        // The Leases on a thread of their own, their connection included: at a thousand
        // clusters the shared threads are busy enough that renewals missed their deadline.
        let leaseExecutor = LeaseExecutor()
        let leaseClient: KubernetesClient
        do {
            leaseClient = try KubernetesClient(connection: leaseConnection, logger: logger, eventLoopGroup: leaseExecutor.eventLoopGroup)
        } catch {
            try? await management.shutdown()
            throw error
        }
        let clients = ManagerClients(clients: [management, leaseClient], logger: logger)
        do {
            if installCRDs { try await ManagementCRDs.install(client: management, logger: logger) }
            let coordinator = ShardCoordinator(client: leaseClient, namespace: leaseNamespace, identity: identity, shards: shards, executor: leaseExecutor, logger: logger)
            var options = ControllerStarter.Options()
            options.namespace = namespace
            options.workloadRateLimit = RateLimit(qps: workloadQPS, burst: Int(workloadQPS * 2))
            options.reconcilesInFlight = maxReconciles > 0 ? maxReconciles : nil
            options.kubeconfigPolicy = KubeconfigPolicy(allowsExecPlugins: allowKubeconfigExec, allowsFilePaths: allowKubeconfigFiles)
            options.cluster.sharedSecretNamespaces = Set(sharedSecretNamespaces)
            options.cluster.driftPollInterval = driftPollInterval > 0 ? .seconds(driftPollInterval) : nil
            options.cluster.resyncPeriod = .seconds(resyncPeriod)
            options.cluster.probeAfterSilence = .seconds(probeAfterSilence)
            options.contentHashKeyStore = ContentHashKeyStore(client: management, namespace: leaseNamespace)
            options.userAgent = ManagerStartup.userAgent(identity: identity, role: "workload")
            options.owns = { key in coordinator.owns(key.description) }
            options.ownedSince = { key in coordinator.ownedSince(key.description) }
            let published: ManagementPlaneCatalog?
            let source: any CatalogSource
            if let loaded {
                (published, source) = (nil, LoadedCatalog(catalog: loaded))
            } else {
                let watched = ManagementPlaneCatalog(client: management, logger: logger)
                (published, source) = (watched, watched)
            }
            // Every replica reads the rollouts; the one holding their Lease drives them.
            let book = RolloutBook(client: management, logger: logger)
            options.cluster.rollouts = book
            var driverOptions = RolloutDriver.Options()
            driverOptions.sharedSecretNamespaces = options.cluster.sharedSecretNamespaces
            let rollouts = RolloutsService(book: book, driver: RolloutDriver(management: management, catalog: source, book: book, options: driverOptions, logger: logger),
                                           elector: LeaderElector(client: leaseClient, namespace: leaseNamespace, name: RolloutsService.leaseName,
                                                                  identity: identity, executor: leaseExecutor, logger: logger))
            let starter = ControllerStarter(management: management, catalog: source, options: options, logger: logger)
            // A shard dropped or given back: its clusters stop (in-flight reconciles finish)
            // before another replica may take it, then the newly owned ones start.
            let grace = coordinator.handoverGrace
            coordinator.setOnChange {
                await starter.stopControllers(within: grace) { key in !coordinator.owns(key.description) }
                await starter.reevaluateOwnership()
            }
            // The provisioning and healing loop (--node-pools), on the replica holding its Lease.
            let nodePoolsService: NodePoolsService?
            if nodePools {
                let providers = InfrastructureProviders(management: management, logger: logger)
                let (namespace, userAgent) = (self.namespace, ManagerStartup.userAgent(identity: identity, role: "node-pools"))
                nodePoolsService = NodePoolsService(
                    makeLifecycle: {
                        ClusterLifecycle(management: management, namespace: namespace, provider: { try await providers.provider(for: $0) },
                                         workload: { cluster in
                                             var connection = try await starter.workloadConnection(for: cluster)
                                             connection.userAgent = userAgent
                                             connection.role = "node-pools"
                                             return try KubernetesClient(connection: connection, logger: logger)
                                         }, logger: logger)
                    },
                    providers: providers,
                    elector: LeaderElector(client: leaseClient, namespace: leaseNamespace, name: NodePoolsService.leaseName, identity: identity,
                                           executor: leaseExecutor, logger: logger))
            } else {
                nodePoolsService = nil
            }
            // Ready when the management plane answers, the catalog is known and this replica can
            // hold its shard Leases.
            let endpoints = ManagerEndpoints.application(port: httpPort, host: httpHost, registry: registry, starter: starter,
                                                         nodePoolSeries: { await nodePoolsService?.series() ?? "" }, logger: logger) {
                guard coordinator.problem == nil, starter.startProblem == nil, (try? await source.current()) != nil else { return false }
                return (try? await management.serverVersion()) != nil
            }
            logger.info("addon-manager running", metadata: ["identity": "\(identity)", "catalog": "\(catalog ?? "management plane")",
                                                            "shards": "\(shards)"])
            // A graceful shutdown ends the services in reverse order, each after the one before
            // it ended: the controllers stop taking work and finish what is in flight, then the
            // shard Leases are released, then the rollout driver stops (its Lease released), then
            // the watch on the published catalog and the endpoints stop. The clients close after
            // the group has ended, however it ended.
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: ListenerService(server: endpoints, flag: "--http-port", host: httpHost, port: httpPort))]
            if let published { services.append(.init(service: PublishedCatalogService(catalog: published))) }
            if statusPort != nil {
                let reviewer = ManagementAccessReviewer(client: management, logger: logger)
                let status = StatusService(management: management, reviewer: reviewer, catalog: { try? await source.current() },
                                           options: statusOptions, logger: logger)
                services.append(.init(service: ListenerService(server: status, flag: "--status-port", host: statusHost, port: statusPort ?? 0)))
            }
            services += [.init(service: rollouts), .init(service: ShardLeasesService(coordinator: coordinator)),
                         .init(service: ControllersService(starter: starter, drainLimit: .seconds(10), logger: logger))]
            if let nodePoolsService {
                services.append(.init(service: nodePoolsService))
            }
            // Cluster API clusters, once (and while) that kind is installed.
            var clusterAPIOptions = ClusterAPIClusters.Options()
            clusterAPIOptions.namespace = namespace
            services.append(.init(service: ClusterAPIService(
                clusters: ClusterAPIClusters(management: management, options: clusterAPIOptions, logger: logger),
                elector: LeaderElector(client: leaseClient, namespace: leaseNamespace, name: ClusterAPIService.leaseName, identity: identity,
                                       executor: leaseExecutor, logger: logger))))
            let group = ManagerStartup.serviceGroup(services, logger: logger)
            try await group.run()
            await clients.close()
            logger.notice("addon-manager stopped")
        } catch {
            await clients.close()
            throw error
        }
    }
}
