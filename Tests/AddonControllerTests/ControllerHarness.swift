import AddonCatalog
import AddonController
import ControllerRuntime
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging
import Testing
import TestSupport

/// A management plane and workload clusters on LocalKube, the fixture catalog, and the real
/// controller starter running against them over HTTPS.
final class ControllerHarness: Sendable {
    let fleet: DevFleet
    let starter: ControllerStarter
    let runner: Task<Void, Never>
    let directory: String
    private let clients = ClientList()
    /// The rollouts the controllers read (nil unless the harness drives rollouts).
    let rollouts: RolloutBook?
    private let rolloutDriver = DriverSlot()
    private let catalogSource: any CatalogSource

    /// The rollout driver's task, replaced when the test restarts it.
    private actor DriverSlot {
        var task: Task<Void, Never>?
        func replace(with next: Task<Void, Never>?) async {
            task?.cancel()
            await task?.value
            task = next
        }
    }

    /// Clients handed to the test, shut down with the harness.
    private actor ClientList {
        var clients: [KubernetesClient] = []
        func add(_ client: KubernetesClient) { clients.append(client) }
        func shutdownAll() async {
            for client in clients { try? await client.shutdown() }
            clients.removeAll()
        }
    }

    static var fixtureCatalog: String {
        Bundle.module.url(forResource: "Fixtures/catalog", withExtension: nil)!.path
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func logger() -> Logger {
        var logger = Logger(label: "e2e")
        logger.logLevel = ProcessInfo.processInfo.environment["E2E_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }

    /// - servePublished: the controllers serve the catalog DevFleet published into the
    ///   management plane (AddonVersions, AddonChannels; watched), as `run` does, instead of
    ///   the directory's.
    /// - managerLogger: the controllers' logger (the fleet logs to `ControllerHarness.logger()`).
    init(catalogDirectory: String = ControllerHarness.fixtureCatalog, options: ClusterAddonController.Options = ControllerHarness.fastOptions,
         restartBackoff: Duration = .seconds(1), kubeconfigPolicy: KubeconfigPolicy = .inlineOnly, servePublished: Bool = false,
         driveRollouts: Bool = false, managerLogger: Logger = ControllerHarness.logger()) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString)").path
        let catalog = try Catalog.load(directory: catalogDirectory)
        let logger = managerLogger
        fleet = try await DevFleet.start(catalog: catalog, kubeconfigDirectory: directory,
                                         workloadSettings: ClusterSettings(initialNodes: 2, readinessDelay: .milliseconds(100)), logger: Self.logger())
        var starterOptions = ControllerStarter.Options()
        starterOptions.cluster = options
        starterOptions.restartBackoff = restartBackoff
        starterOptions.kubeconfigPolicy = kubeconfigPolicy
        let published = servePublished ? ManagementPlaneCatalog(client: fleet.management, logger: logger) : nil
        catalogSource = published ?? LoadedCatalog(catalog: catalog) as any CatalogSource
        let book = driveRollouts ? RolloutBook(client: fleet.management, logger: logger) : nil
        rollouts = book
        starterOptions.cluster.rollouts = book
        starter = ControllerStarter(management: fleet.management, catalog: catalogSource, options: starterOptions, logger: logger)
        let starter = self.starter
        runner = Task {
            await withTaskGroup(of: Void.self) { group in
                if let published { group.addTask { await published.run() } }
                if let book { group.addTask { await book.run() } }
                group.addTask { await starter.run() }
            }
        }
        if driveRollouts { await restartRolloutDriver() }
    }

    /// Starts the rollout driver, or stops it and starts a new one with nothing in memory (as
    /// a manager restarted, or another replica taking the Lease over, would).
    func restartRolloutDriver(interval: Duration = .milliseconds(300)) async {
        var options = RolloutDriver.Options()
        options.interval = interval
        options.settle = .milliseconds(50)
        let book = RolloutBook(client: fleet.management, logger: Self.logger())
        let driver = RolloutDriver(management: fleet.management, catalog: catalogSource, book: book, options: options, logger: Self.logger())
        await rolloutDriver.replace(with: nil)
        await rolloutDriver.replace(with: Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await book.run() }
                group.addTask { await driver.run() }
            }
        })
    }

    static var fastOptions: ClusterAddonController.Options {
        var options = ClusterAddonController.Options()
        options.pollInterval = .milliseconds(200)
        options.unreachableGrace = .seconds(1)
        options.probeInterval = .milliseconds(300)
        options.probeAfterSilence = .milliseconds(300)
        options.clusterReportDelay = .milliseconds(50)
        options.resyncPeriod = .seconds(3600)
        // Every kind watched, the default. Polled kinds (`--drift-poll-interval`) have their own
        // tests (`DriftPollingTests`).
        return options
    }

    func shutdown() async {
        await rolloutDriver.replace(with: nil)
        await clients.shutdownAll()
        runner.cancel()
        await runner.value
        await fleet.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var management: KubernetesClient { fleet.management }

    /// A client for a workload cluster (as a person with its kubeconfig would have).
    func client(for cluster: String) async throws -> KubernetesClient {
        let connection = try Kubeconfig.parse(try fleet.server.kubeconfig(for: cluster), file: nil).connection()
        let client = try KubernetesClient(connection: connection, logger: Self.logger())
        await clients.add(client)
        return client
    }

    func clusterAddon(_ cluster: String, _ addon: String, project: String = "dev") async throws -> KubeObject? {
        do {
            return try await management.get(ManagementKinds.clusterAddon, name: ManagementKinds.clusterAddonName(cluster: cluster, addon: addon), namespace: project)
        } catch let error as KubernetesError where error.isNotFound {
            return nil
        }
    }

    func phase(_ cluster: String, _ addon: String, project: String = "dev") async -> String? {
        (try? await clusterAddon(cluster, addon, project: project))??.status["phase"].stringValue
    }

    /// Polls until `condition` holds; fails the test with `message` after `timeout`. The timeout
    /// only bounds a hung test: the assertion is about what happens, not how fast.
    /// TestSupport's `eventually`, recording the failure at the caller's line.
    func eventually(_ message: String, timeout: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation,
                    _ condition: () async throws -> Bool) async throws {
        do {
            try await TestSupport.eventually(message, timeout: timeout, every: .milliseconds(100), condition)
        } catch let timedOut as EventuallyTimeout {
            Issue.record("not reached: \(timedOut)", sourceLocation: sourceLocation)
            throw timedOut
        }
    }

    func waitForPhase(_ cluster: String, _ addon: String, _ phase: String, project: String = "dev", timeout: Duration = .seconds(60),
                      sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await eventually("\(cluster)/\(addon) \(phase) (is \(await self.phase(cluster, addon, project: project) ?? "absent"))", timeout: timeout, sourceLocation: sourceLocation) {
            await self.phase(cluster, addon, project: project) == phase
        }
    }

    func updateCluster(_ name: String, project: String = "dev", _ change: (inout JSONValue) -> Void) async throws {
        for _ in 0..<5 {
            var cluster = try await management.get(ManagementKinds.cluster, name: name, namespace: project)
            var spec = cluster.spec
            change(&spec)
            cluster["spec"] = spec
            do {
                _ = try await management.update(cluster, options: WriteOptions(fieldManager: "e2e-test"))
                return
            } catch let error as KubernetesError where error.isConflict {
                continue
            }
        }
    }
}

/// Runs `body` with a harness and always shuts it down.
func withHarness(catalogDirectory: String = ControllerHarness.fixtureCatalog, options: ClusterAddonController.Options = ControllerHarness.fastOptions,
                 restartBackoff: Duration = .seconds(1), kubeconfigPolicy: KubeconfigPolicy = .inlineOnly, servePublished: Bool = false,
                 driveRollouts: Bool = false, managerLogger: Logger = ControllerHarness.logger(), _ body: (ControllerHarness) async throws -> Void) async throws {
    let harness = try await ControllerHarness(catalogDirectory: catalogDirectory, options: options, restartBackoff: restartBackoff,
                                              kubeconfigPolicy: kubeconfigPolicy, servePublished: servePublished, driveRollouts: driveRollouts,
                                              managerLogger: managerLogger)
    do {
        try await body(harness)
    } catch {
        await harness.shutdown()
        throw error
    }
    await harness.shutdown()
}
