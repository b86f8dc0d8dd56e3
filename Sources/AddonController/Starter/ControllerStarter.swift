import AddonCatalog
import ControllerRuntime
import Foundation
import KubernetesClient
import KubernetesModel
import Logging
import Metrics
import Synchronization

/// Watches Clusters in the management plane and runs one `ClusterAddonController` per cluster
/// whose kubeconfig is available, each as its own task: it stops a cluster's controller when the
/// Cluster is deleted and restarts a failed one with backoff. One slow, failing or unreachable
/// cluster never delays another.
public final class ControllerStarter: Sendable {
    public struct Options: Sendable {
        public var cluster = ClusterAddonController.Options()
        /// Only clusters in these namespaces (projects); nil for all.
        public var namespace: String?
        /// Client settings for workload clusters (rate limit, timeouts).
        public var workloadRateLimit = RateLimit(qps: 50, burst: 100)
        /// The first wait before a failed cluster controller is started again; it doubles on
        /// each failure up to 5 minutes. A Secret event (its kubeconfig appearing) cuts it short.
        public var restartBackoff: Duration = .seconds(1)
        /// Decides which clusters this replica runs (sharding across replicas); nil runs all.
        /// When its answers change, call `reevaluateOwnership()`.
        public var owns: (@Sendable (ReconcileRequest) async -> Bool)?
        /// With `owns`: since when this replica has owned a cluster (the shard's take), nil when
        /// not known (then: from when its controller starts). What a replica before wrote of its
        /// ClusterAddons is in any read begun later (`ExistingClusterAddons`).
        public var ownedSince: (@Sendable (ReconcileRequest) -> ContinuousClock.Instant?)?
        /// What a Cluster's kubeconfig Secret may hold. Tenants write those Secrets, so by default
        /// inline data only: no exec plugins, no file paths (see `KubeconfigPolicy`).
        public var kubeconfigPolicy = KubeconfigPolicy.inlineOnly
        /// User-Agent of the workload clients, naming this replica to the workload clusters
        /// (their audit logs); nil keeps the default.
        public var userAgent: String?
        /// How many reconciles may be in flight across all clusters at once (nil: no bound).
        /// Each holds its renderings and the objects it sends and reads back until it ends: a
        /// fleet converging at once held them all, while the cores could work on a few.
        public var reconcilesInFlight: Int?
        /// The bound `run` and `dev` use: at 1000 clusters on 2 cores (release) it lowered the
        /// manager's peak from 1816 to 1234 MB and its CPU until all Healthy from 180 to 146 s;
        /// 8 saved little more memory (1092 MB) and converged slower (Benchmarks/README.md).
        public static let defaultReconcilesInFlight = 32
        /// Where the installation's key of applied-content hashes is kept. When set, `run()`
        /// reads it (or creates it) before any cluster's controller starts, and retries with
        /// backoff while it cannot, each failure logged (a missing namespace, no RBAC, an
        /// unreachable management plane, a malformed key); nil: `cluster.contentHashKey` as given.
        public var contentHashKeyStore: ContentHashKeyStore?
        public init() {}
    }

    /// What the starter knows of one cluster's controller, for metrics and the debug endpoint.
    public struct ControllerInfo: Sendable {
        public enum Phase: String, Sendable { case waitingForKubeconfig = "WaitingForKubeconfig", running = "Running", backingOff = "BackingOff", invalid = "Invalid" }
        public var phase: Phase
        public var restarts: Int
        public var lastError: String?
        public var summary: ClusterSummary?
        /// When the running controller started (a restart with new credentials changes it).
        public var runningSince: Date?
    }

    private let management: any KubeClient
    private let catalog: any CatalogSource
    private let options: Options
    private let logger: Logger
    private let registry = Registry()
    private let acceptance: ClusterAcceptance
    private let secrets: ProjectSecrets
    /// The fleet's ClusterAddons, read once for controllers that start together.
    private let existingAddons: ExistingClusterAddons?
    /// The key read from `Options.contentHashKeyStore`, once read; and why it is not, while not.
    private let hashKey = Mutex<(key: ContentHashKey?, problem: String?)>((nil, nil))
    /// Without `Options.owns` this replica runs every cluster from its start: no other writes
    /// their ClusterAddons since.
    private let createdAt = ContinuousClock.now

    public init(management: any KubeClient, catalog: any CatalogSource, options: Options = Options(), logger: Logger) {
        self.management = management
        self.catalog = catalog
        var options = options
        if let limit = options.reconcilesInFlight, options.cluster.admission == nil {
            options.cluster.admission = ReconcileAdmission(limit: limit)
        }
        if options.cluster.existingAddons == nil {
            options.cluster.existingAddons = ExistingClusterAddons(client: management, namespace: options.namespace, logger: logger)
        }
        existingAddons = options.cluster.existingAddons
        self.options = options
        self.logger = logger
        acceptance = ClusterAcceptance(client: management, logger: logger)
        secrets = ProjectSecrets(client: management, shared: options.cluster.sharedSecretNamespaces, logger: logger)
    }

    /// Runs until cancelled: a watch on Clusters, and watches on the Secrets they and their
    /// addons read (see `ProjectSecrets`), so that a kubeconfig that appears or changes, or a
    /// rotated credential, reaches the clusters at once rather than at the next resync.
    public func run() async {
        guard await loadContentHashKey() else { return }
        // Kept without managedFields (often most of a Cluster's text): nothing here reads them,
        // and the registry and each cluster's controller keep the object handed to them too.
        let clusters = Informer(kind: ManagementKinds.cluster, namespace: options.namespace, client: management, resyncPeriod: .seconds(600),
                                transform: ObjectCache.withoutManagedFields, logger: logger) { event in
            await self.handle(event)
        }
        await refreshCatalogSecretNames()
        await secrets.start { event in await self.handleSecret(event) }
        await registry.setSecretReader(CachedSecretReader(secrets: secrets, management: management))
        await withTaskCancellationHandler {
            // A published version or a channel edit: every cluster looks again.
            async let _ = self.followCatalog()
            async let _ = self.followRollouts()
            await clusters.run()
        } onCancel: {
            Task { await self.registry.stopAll() }
        }
        await existingAddons?.close()
        await secrets.stopAll()
        await registry.stopAll()
    }

    /// Why no cluster's controller runs yet, if something outside holds them all back (the key of
    /// applied-content hashes cannot be read or stored); nil otherwise. For readiness.
    public var startProblem: String? { hashKey.withLock { $0.problem } }

    /// Reads or creates the key of applied-content hashes (`Options.contentHashKeyStore`), trying
    /// again with backoff (1 s doubling to 30 s) until it succeeds; false when cancelled first.
    private func loadContentHashKey() async -> Bool {
        guard let store = options.contentHashKeyStore else { return true }
        var wait: Duration = .seconds(1)
        while !Task.isCancelled {
            do {
                let key = try await store.loadOrCreate(logger: logger)
                hashKey.withLock { $0 = (key, nil) }
                return true
            } catch is CancellationError {
                return false
            } catch {
                hashKey.withLock { $0.problem = "\(error)" }
                logger.error("no cluster's addons are reconciled until the key of applied-content hashes is read",
                             metadata: ["error": "\(error)", "retryIn": "\(wait)"])
                do { try await Task.sleep(for: wait) } catch { return false }
                wait = min(wait * 2, .seconds(30))
            }
        }
        return false
    }

    /// The Secrets the catalog's addons read are kept in every watched namespace.
    private func refreshCatalogSecretNames() async {
        do {
            secrets.setCatalogSecretNames(Self.secretNames(readBy: try await catalog.current()))
        } catch is ManagementPlaneCatalog.NotSynced {
            // Starting: the catalog's first read refreshes the names (`followCatalog`).
        } catch {
            logger.warning("cannot read the catalog for the Secrets its addons read", metadata: ["error": "\(error)"])
        }
    }

    /// A snapshot of every cluster's controller.
    public func controllers() async -> [ReconcileRequest: ControllerInfo] {
        var result: [ReconcileRequest: ControllerInfo] = [:]
        for (key, entry) in await registry.entries {
            var info = entry.info
            info.summary = await entry.controller?.state.summary
            result[key] = info
        }
        return result
    }

    /// What a cluster's running controller remembers (for tests and debugging).
    func clusterState(of key: ReconcileRequest) async -> ClusterState? { await registry.entries[key]?.controller?.state }

    /// The management-plane Secrets the starter holds, by namespace and name.
    func cachedSecretKeys() async -> [ReconcileRequest] { await secrets.cachedKeys() }

    // MARK: Events

    private func handle(_ event: InformerEvent) async {
        let key = event.request
        if case .deleted = event {
            await registry.forget(key)
            await acceptance.forget(key)
            await secrets.clusterGone(namespace: key.namespace, name: key.name)
        } else {
            await registry.remember(event.object)
            await secrets.clusterSeen(event.object)
        }
        if let owns = options.owns, await !owns(key) {
            await registry.stop(key)
            return
        }
        switch event {
        case .deleted:
            logger.info("cluster deleted, stopping its addon controller", metadata: ["cluster": "\(key)"])
            await registry.stop(key)
        case .added(let cluster), .updated(_, let cluster), .resync(let cluster):
            if cluster.deletionTimestamp != nil {
                await registry.stop(key)
            } else if let controller = await registry.controller(key) {
                if case .resync = event { return }
                await controller.update(cluster: cluster)
                await review(running: cluster)
            } else if await registry.isStarting(key) {
                // Its supervisor reads the newest Cluster (`known`) when the controller runs.
            } else {
                await start(cluster)
            }
        }
    }

    /// A Secret changed in the management plane. A cluster whose kubeconfig it is restarts its
    /// controller (at once when it was waiting for it or backing off; with the new credentials
    /// when it was running); clusters whose addons read Secrets from its namespace reconcile
    /// their addons. Changes to metadata alone are ignored.
    private func handleSecret(_ event: InformerEvent) async {
        let secret = event.object
        guard let namespace = secret.namespace else { return }
        if case .updated(let old, let new) = event, old["data"] == new["data"], old["stringData"] == new["stringData"], old["type"] == new["type"] { return }
        for cluster in await registry.knownClusters where cluster.namespace == namespace && cluster.spec["kubeconfigSecretRef"]["name"].stringValue == secret.name {
            let key = ReconcileRequest(namespace: cluster.namespace, name: cluster.name)
            guard await registry.isStarting(key), cluster.deletionTimestamp == nil else { continue }
            let running = await registry.controller(key) != nil
            // A running controller keeps the connection it has when its Secret is deleted; a
            // Secret created again (replaced by delete and create) brings new credentials.
            if case .deleted = event { continue }
            // The same kubeconfig as the controller connected with (the Secret's first event
            // arriving after its Cluster's, a change of its metadata only): nothing to restart.
            let reference = cluster.spec["kubeconfigSecretRef"]["key"].stringValue ?? "kubeconfig"
            if running, let connected = await registry.kubeconfigDigest(key), connected == Self.digest(ofKubeconfig: secret, key: reference) { continue }
            logger.info(running ? "kubeconfig changed, restarting the cluster's controller" : "kubeconfig available, starting the cluster's controller",
                        metadata: ["cluster": "\(key)", "secret": "\(namespace)/\(secret.name)"])
            await registry.stop(key)
            await start(await registry.known(key) ?? cluster)
        }
        // Credentials: only names the catalog's addons read (kept current by the catalog's updates).
        guard secrets.isCatalogSecret(name: secret.name) else { return }
        for controller in await registry.runningControllers where await controller.secretNamespace == namespace {
            await controller.secretsChanged()
        }
    }

    private func followCatalog() async {
        let updates = await catalog.updates()
        // A catalog first read before this subscription: its names too.
        await refreshCatalogSecretNames()
        for await _ in updates {
            await refreshCatalogSecretNames()
            for controller in await registry.runningControllers { await controller.catalogChanged() }
        }
    }

    /// A rollout moved: the clusters it concerns reconcile that addon.
    private func followRollouts() async {
        guard let rollouts = options.cluster.rollouts else { return }
        for await change in await rollouts.changes() {
            if change.clusters?.isEmpty == true { continue }  // a request for the driver
            for controller in await registry.runningControllers {
                if let clusters = change.clusters, !clusters.contains(controller.key.description) { continue }
                guard (await controller.state.cluster.spec["channel"].stringValue ?? "stable") == change.channel else { continue }
                await controller.rolloutChanged(addon: change.addon)
            }
        }
    }

    /// The names of the Secrets any version of any addon reads when it renders.
    static func secretNames(readBy catalog: Catalog) -> Set<String> {
        var names: Set<String> = []
        for addon in catalog.addonNames {
            for version in catalog.versions(of: addon) {
                for reference in catalog.definition(name: addon, version: version)?.secrets ?? [] { names.insert(reference.secretName) }
            }
        }
        return names
    }

    /// Starts the controllers of clusters this replica now owns and stops those it no longer
    /// owns (after a change of shards). Cancelled, it stops going through the clusters (the
    /// shards changed again: the next call goes through them all).
    public func reevaluateOwnership() async {
        guard let owns = options.owns else { return }
        // Clusters handed over start together: their ClusterAddons are worth one list.
        await existingAddons?.expectManyStarts()
        for cluster in await registry.knownClusters {
            if Task.isCancelled { return }
            let key = ReconcileRequest(namespace: cluster.namespace, name: cluster.name)
            let mine = await owns(key)
            let running = await registry.isStarting(key)
            if mine, !running, cluster.deletionTimestamp == nil {
                logger.info("cluster handed to this replica", metadata: ["cluster": "\(key)"])
                await start(cluster)
            } else if !mine, running {
                logger.info("cluster handed to another replica", metadata: ["cluster": "\(key)"])
                await registry.stop(key)
            }
        }
    }

    /// Stops the controllers of the clusters `shouldStop` picks — every one when nil, and then
    /// no controller starts any more (shutting down) — and waits until they ended (their
    /// reconciles in flight finish or are cut off, see `Controller.drainGrace`), at most
    /// `limit`, together with those an earlier call stopped that have not ended yet. Whether
    /// they all ended in time.
    ///
    /// With `shouldStop` (a change of shards) the wait ends early when the caller is cancelled:
    /// a newer drop cancels the call (`OwnershipChanges`) so that its own stops do not wait
    /// behind this wait; the next call waits for both. Shutting down, the wait is shielded from
    /// the caller's cancellation.
    @discardableResult
    public func stopControllers(within limit: Duration, where shouldStop: (@Sendable (ReconcileRequest) async -> Bool)? = nil) async -> Bool {
        let tasks: [Task<Void, Never>]
        let ended: Bool
        if let shouldStop {
            var stopping: [Task<Void, Never>] = []
            for key in await registry.entries.keys where await shouldStop(key) {
                if let task = await registry.remove(key) { stopping.append(task) }
            }
            for task in stopping { task.cancel() }
            await registry.drain(stopping)
            tasks = await registry.stillDraining
            guard !tasks.isEmpty else { return true }
            ended = await waitForEnd(of: tasks, atMost: limit)
            if Task.isCancelled { return ended }
            // Waited out in full: those still running (a reconcile ignoring cancellation) are
            // logged below and not waited for again by every later change.
            if !ended { await registry.forgetDraining() }
        } else {
            await existingAddons?.close()
            let stopping = await registry.close()
            for task in stopping { task.cancel() }
            tasks = stopping + (await registry.stillDraining)
            guard !tasks.isEmpty else { return true }
            ended = await Task { await waitForEnd(of: tasks, atMost: limit) }.value
        }
        if !ended { logger.warning("cluster controllers still running after the stop's time limit", metadata: ["limit": "\(limit)", "stopping": "\(tasks.count)"]) }
        return ended
    }

    private func start(_ cluster: KubeObject) async {
        let key = ReconcileRequest(namespace: cluster.namespace, name: cluster.name)
        let ownedSince = options.owns == nil ? createdAt : (options.ownedSince?(key) ?? .now)
        let task = Task { await self.supervise(key: key, cluster: cluster, ownedSince: ownedSince) }
        await registry.starting(key, task: task)
        // The shards may have changed since the caller asked: a `reevaluateOwnership` that went
        // by before this start was registered did not see it, so ask again now that it is.
        if let owns = options.owns, await !owns(key) {
            logger.info("cluster handed to another replica while starting", metadata: ["cluster": "\(key)"])
            await registry.stop(key)
        }
    }

    /// Keeps one cluster's controller running: waits for its kubeconfig, runs it, restarts it
    /// with backoff (`restartBackoff`, doubling to 5 min) when it fails.
    private func supervise(key: ReconcileRequest, cluster initial: KubeObject, ownedSince: ContinuousClock.Instant) async {
        var failures = 0
        var readAfterSecretsListed = false
        var logger = self.logger
        logger[metadataKey: "cluster"] = "\(key)"
        while !Task.isCancelled {
            let cluster = await registry.known(key) ?? initial
            do {
                let connection: (connection: ClusterConnection, kubeconfigDigest: String)
                do {
                    // In a child task, as the controller's own first requests are (see
                    // `ClusterAddonController.run`): this task lives as long as the cluster.
                    connection = try await inChildTask { try await self.connection(for: cluster) }
                } catch {
                    if let refusal = ClusterAcceptance.refusal(for: error) {
                        await inChildTask { await self.acceptance.refused(cluster, reason: refusal.reason, message: refusal.message) }
                    }
                    throw error
                }
                // In a child task too (as a refusal above): writing the condition is a deep
                // call, and its frames would stay with this task.
                await inChildTask { await self.acceptance.accepted(cluster) }
                var clusterOptions = options.cluster
                let loadedKey = hashKey.withLock { $0.key }
                assert(options.contentHashKeyStore == nil || loadedKey != nil, "a cluster controller started before the key of applied-content hashes was read")
                if let loadedKey { clusterOptions.contentHashKey = loadedKey }
                let controller = ClusterAddonController(cluster: cluster, connection: connection.connection, management: management,
                                                        secretReader: await registry.secretReader, catalog: catalog, options: clusterOptions,
                                                        ownedSince: ownedSince, logger: logger)
                await registry.running(key, controller: controller, kubeconfigDigest: connection.kubeconfigDigest)
                // A Cluster update that arrived while the controller was being set up: from now
                // on updates go to the controller itself; this one it gets here.
                if let newer = await registry.known(key), newer.resourceVersion != cluster.resourceVersion {
                    await controller.update(cluster: newer)
                    await review(running: newer)
                }
                await recordControllerStates()
                try await controller.run()
                return
            } catch is CancellationError {
                return
            } catch {
                // A kubeconfig Secret created after the read above but before the first list of
                // its namespace's Secret watch (started with this Cluster, or again with the
                // namespace's first Cluster) comes in that list, which is not announced: no event
                // would start the controller. Once the watch has listed, read once more.
                if error is MissingKubeconfig, !readAfterSecretsListed,
                   await secrets.waitForSync(namespace: key.namespace ?? "", timeout: .seconds(10)) {
                    readAfterSecretsListed = true
                    continue
                }
                failures += 1
                let delay = RetryRateLimiter<Int>.backoff(failures: failures - 1, base: options.restartBackoff, max: max(options.restartBackoff, .seconds(300)))
                // Missing: a Secret event starts it; refused or invalid inputs wait for a change of them.
                let phase: ControllerInfo.Phase = error is MissingKubeconfig ? .waitingForKubeconfig
                    : (ClusterAcceptance.refusal(for: error) != nil ? .invalid : .backingOff)
                await registry.failed(key, phase: phase, error: "\(error)")
                await recordControllerStates()
                Counter(label: "addon_manager_cluster_controller_restarts_total").increment()
                logger.warning("cluster controller stopped, restarting", metadata: ["phase": "\(phase.rawValue)", "retryIn": "\(delay)", "error": "\(error)"])
                try? await Task.sleep(for: delay)
            }
        }
    }

    /// `addon_manager_cluster_controllers{state}`: how many cluster controllers are in each state.
    private func recordControllerStates() async {
        for phase in [ControllerInfo.Phase.waitingForKubeconfig, .running, .backingOff, .invalid] {
            Gauge(label: "addon_manager_cluster_controllers", dimensions: [("state", phase.rawValue)]).record(await registry.count(phase))
        }
    }

    /// A running cluster's Cluster changed: its `Accepted` condition follows whether the new
    /// spec can be used (the controller's reconciles refuse an unusable one).
    private func review(running cluster: KubeObject) async {
        do {
            _ = try ClusterSpec(cluster: cluster, sharedSecretNamespaces: options.cluster.sharedSecretNamespaces)
            await acceptance.accepted(cluster)
        } catch {
            logger.warning("cluster spec cannot be used", metadata: ["cluster": "\(cluster.namespace ?? "")/\(cluster.name)", "error": "\(error)"])
            await acceptance.refused(cluster, reason: "InvalidSpec", message: "\(error)")
        }
    }

    /// A connection to the Cluster's workload cluster, from the kubeconfig Secret it references,
    /// as this manager's options allow it (the kubeconfig policy, rate limit, user agent): for
    /// other loops that talk to workload clusters (the node-pool loop watches their Nodes).
    public func workloadConnection(for cluster: KubeObject) async throws -> ClusterConnection {
        try await connection(for: cluster).connection
    }

    /// The workload cluster's connection from the kubeconfig Secret the Cluster references.
    private func connection(for cluster: KubeObject) async throws -> (connection: ClusterConnection, kubeconfigDigest: String) {
        let spec = try ClusterSpec(cluster: cluster, sharedSecretNamespaces: options.cluster.sharedSecretNamespaces)
        guard let reference = spec.kubeconfig else { throw MissingKubeconfig(description: "spec.kubeconfigSecretRef is not set") }
        let secret: KubeObject
        do {
            // From the namespace's Secret watch when it holds it (a fleet starting at once sent
            // a GET per cluster); a change of it restarts the controller (`handleSecret`).
            if let namespace = cluster.namespace,
               let cached = await secrets.cached(namespace: namespace, name: reference.secretName, waitingForSync: .seconds(10)) {
                secret = cached
            } else {
                secret = try await management.get(ManagementKinds.secret, name: reference.secretName, namespace: cluster.namespace)
            }
        } catch let error as KubernetesError where error.isNotFound {
            throw MissingKubeconfig(description: "secret \(cluster.namespace ?? "")/\(reference.secretName) not found")
        } catch let error as KubernetesError where error.kind == .forbidden {
            throw SecretsForbidden(namespace: cluster.namespace ?? "")
        }
        guard let encoded = secret["data"][reference.key].stringValue, let data = Data(base64Encoded: encoded) else {
            throw MissingKubeconfig(description: "secret \(cluster.namespace ?? "")/\(reference.secretName) has no key \(reference.key)")
        }
        let kubeconfig = try Kubeconfig.parse(String(decoding: data, as: UTF8.self), file: "secret \(cluster.namespace ?? "")/\(reference.secretName)")
        var connection = try kubeconfig.connection(policy: options.kubeconfigPolicy)
        connection.name = "\(cluster.namespace ?? "")/\(cluster.name)"
        connection.rateLimit = options.workloadRateLimit
        connection.role = "workload"
        if let userAgent = options.userAgent { connection.userAgent = userAgent }
        return (connection, Self.digest(ofKubeconfig: secret, key: reference.key))
    }

    /// What identifies the kubeconfig a Secret holds (its encoded value's digest).
    private static func digest(ofKubeconfig secret: KubeObject, key: String) -> String {
        ContentHash.sha256Hex(of: secret["data"][key])
    }

    // MARK: Registry

    private actor Registry {
        struct Entry {
            var task: Task<Void, Never>
            var controller: ClusterAddonController?
            var info: ControllerInfo
            /// The kubeconfig the running controller connected with.
            var kubeconfigDigest: String?
        }

        var entries: [ReconcileRequest: Entry] = [:]
        /// Every Cluster the informer has seen, owned by this replica or not.
        var known: [ReconcileRequest: KubeObject] = [:]

        var knownClusters: [KubeObject] { Array(known.values) }
        /// Management reads with Secrets from the starter's cache (set when the starter runs).
        private(set) var secretReader: (any ObjectReader)?

        func setSecretReader(_ reader: any ObjectReader) { secretReader = reader }

        func known(_ key: ReconcileRequest) -> KubeObject? { known[key] }

        var runningControllers: [ClusterAddonController] { entries.values.compactMap(\.controller) }

        func remember(_ cluster: KubeObject) { known[ReconcileRequest(namespace: cluster.namespace, name: cluster.name)] = cluster }

        func forget(_ key: ReconcileRequest) { known.removeValue(forKey: key) }

        func starting(_ key: ReconcileRequest, task: Task<Void, Never>) {
            // Two starts can race (a Cluster event while a Secret event restarts the cluster):
            // the later one wins, and the earlier supervisor must not run on untracked.
            if let earlier = entries[key]?.task {
                earlier.cancel()
                drain([earlier])
            }
            if closed {
                task.cancel()
                return
            }
            entries[key] = Entry(task: task, controller: nil, info: ControllerInfo(phase: .waitingForKubeconfig, restarts: 0))
        }

        func isStarting(_ key: ReconcileRequest) -> Bool { entries[key] != nil }

        func controller(_ key: ReconcileRequest) -> ClusterAddonController? { entries[key]?.controller }

        func kubeconfigDigest(_ key: ReconcileRequest) -> String? { entries[key]?.kubeconfigDigest }


        func running(_ key: ReconcileRequest, controller: ClusterAddonController, kubeconfigDigest: String) {
            entries[key]?.controller = controller
            entries[key]?.kubeconfigDigest = kubeconfigDigest
            entries[key]?.info.phase = .running
            entries[key]?.info.runningSince = Date()
        }

        func failed(_ key: ReconcileRequest, phase: ControllerInfo.Phase, error: String) {
            entries[key]?.controller = nil
            entries[key]?.info.phase = phase
            entries[key]?.info.restarts += 1
            entries[key]?.info.lastError = error
        }

        func count(_ phase: ControllerInfo.Phase) -> Int { entries.values.filter { $0.info.phase == phase }.count }

        /// Cancels the cluster's controller; `stopControllers` waits for it to end.
        func stop(_ key: ReconcileRequest) {
            guard let task = entries.removeValue(forKey: key)?.task else { return }
            task.cancel()
            drain([task])
        }

        /// No controller starts after this; the ones running are handed back (to stop).
        private var closed = false

        func close() -> [Task<Void, Never>] {
            closed = true
            defer { entries.removeAll() }
            return entries.values.map(\.task)
        }

        func remove(_ key: ReconcileRequest) -> Task<Void, Never>? { entries.removeValue(forKey: key)?.task }

        /// Controllers `stopControllers` stopped that may not have ended yet, by stop number.
        private var draining: [Int: Task<Void, Never>] = [:]
        private var stops = 0

        func drain(_ tasks: [Task<Void, Never>]) {
            for task in tasks {
                stops += 1
                let stop = stops
                draining[stop] = task
                Task {
                    await task.value
                    self.drained(stop)
                }
            }
        }

        private func drained(_ stop: Int) { draining[stop] = nil }

        func forgetDraining() { draining.removeAll() }

        var stillDraining: [Task<Void, Never>] { Array(draining.values) }

        func stopAll() {
            for (_, entry) in entries { entry.task.cancel() }
            entries.removeAll()
        }
    }
}
