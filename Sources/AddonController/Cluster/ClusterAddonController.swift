import AddonCatalog
import ControllerRuntime
import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// The addon controller of one workload cluster: its own work queue (one item per addon), its
/// own connection to the cluster, informers on the objects it owns there, and a periodic resync
/// with jitter as the backstop. It runs as an isolated task: nothing it does waits on another
/// cluster.
public final class ClusterAddonController: Sendable {
    public struct Options: Sendable {
        public var workers: Int = 2
        /// How often every addon is reconciled though nothing changed (±10 %): a backstop for a
        /// Healthy addon, whose changes (its objects, the Cluster, the catalog, a rollout, a
        /// referenced Secret) start reconciles of their own and whose time-dependent health asks
        /// for its next look. At 1000 clusters, resyncs of every addon every 5 minutes were about
        /// a quarter of an idle manager's CPU (Benchmarks/README.md, "2026-12-06").
        public var resyncPeriod: Duration = .seconds(1800)
        /// How often an addon that is not Healthy (and every addon of a cluster whose spec or
        /// catalog cannot be read) is reconciled again though nothing changed (±10 %): some
        /// failures are fixed by what no event tells of (RBAC granted in the workload cluster, a
        /// webhook or quota relaxed, a management-plane read that failed), and a refused apply
        /// is not retried on its own (`TerminalError`).
        public var unsettledResyncPeriod: Duration = .seconds(300)
        public var unreachableGrace: Duration = .seconds(20)
        public var progressDeadline: Duration = .seconds(600)
        public var pollInterval: Duration = .seconds(2)
        /// How often the probe considers whether to ask the cluster's API if it answers
        /// (GET /version); after a failed request or watch, a cluster silent this long is
        /// asked (`ReachabilityProbe`).
        public var probeInterval: Duration = .seconds(15)
        /// How long a cluster may send nothing before the probe asks it. An open watch sends
        /// a bookmark about once a minute, so a cluster with open watches is not asked while
        /// they flow; one silenced without a failure (a network partition) is asked within
        /// this plus `probeInterval`. (`ReachabilityProbe`.)
        public var probeAfterSilence: Duration = .seconds(75)
        /// How long open watches alone may stand for the cluster accepting the manager's
        /// credentials: they are authenticated when they open, so credentials revoked since
        /// show only on a request. A cluster that answered no request for this long is asked.
        public var credentialsCheck: Duration = .seconds(300)
        /// How often owned objects of kinds without a status (RBAC, ConfigMaps, Secrets,
        /// Namespaces, classes, webhooks: `OwnedKindPolling`) are checked for drift; nil (the
        /// default): they are watched like the rest, each kind an open watch per cluster.
        /// Polling them saved about 50 MB at 1000 clusters but cost more CPU than it saved (see
        /// Benchmarks/README.md, "drift polling"), hence not the default.
        public var driftPollInterval: Duration?
        /// Keys the hash of each addon's rendered objects in its status and inventory (they
        /// include Secrets' data). A manager keeps it in the management plane
        /// (`ContentHashKeyStore`) so that replicas and restarts agree; the default, one key
        /// per process, makes a restarted manager apply every addon once more.
        public var contentHashKey: ContentHashKey = .processDefault
        /// How long addon changes are gathered before the Cluster's condition is written: an
        /// install moves each addon through several phases, and one write covers a burst.
        public var clusterReportDelay: Duration = .milliseconds(500)
        /// Namespaces whose Secrets every Cluster's addons may read besides their own (see `ClusterSpec`).
        public var sharedSecretNamespaces: Set<String> = []
        /// The rollouts that decide which version of a channel's addon the cluster runs while
        /// the channel's version moves (nil: the channel's version at once).
        public var rollouts: RolloutBook?
        /// The bound on reconciles in flight shared by the fleet's controllers (nil: none).
        public var admission: ReconcileAdmission?
        /// Where a starting controller finds its cluster's ClusterAddons read together with the
        /// fleet's (nil: it lists them itself).
        public var existingAddons: ExistingClusterAddons?
        public init() {}
    }

    public let state: ClusterState
    public let key: ReconcileRequest
    private let management: any KubeClient
    /// Where Secrets for rendering are read (the starter's Secret cache, or the management API).
    private let secretReader: any ObjectReader
    private let catalog: any CatalogSource
    private let connection: ClusterConnection
    private let options: Options
    private let logger: Logger
    private let queue = WorkQueue<ReconcileRequest>()
    /// When this replica began running the cluster (see `ExistingClusterAddons`).
    private let ownedSince: ContinuousClock.Instant

    public init(cluster: KubeObject, connection: ClusterConnection, management: any KubeClient, secretReader: (any ObjectReader)? = nil,
                catalog: any CatalogSource, options: Options, ownedSince: ContinuousClock.Instant = .now, logger: Logger) {
        self.ownedSince = ownedSince
        state = ClusterState(cluster: cluster)
        key = ReconcileRequest(namespace: cluster.namespace, name: cluster.name)
        self.connection = connection
        self.management = management
        self.secretReader = secretReader ?? management
        self.catalog = catalog
        self.options = options
        var logger = logger
        logger[metadataKey: "cluster"] = "\(cluster.namespace ?? "")/\(cluster.name)"
        self.logger = logger
    }

    /// A newer Cluster object: reconcile every addon against it when what the addons are made
    /// from changed (spec, labels, identity). The controller's own status writes also arrive
    /// here as updates; reconciling every addon again for each of them would multiply the work
    /// of an install several times over, so they only refresh the remembered object.
    public func update(cluster: KubeObject) async {
        let previous = await state.cluster
        await state.update(cluster: cluster)
        if Self.addonInputsDiffer(previous, cluster) { await enqueueAll() }
        // The Cluster's conditions say which generation they reflect, whatever else changed.
        if previous.generation != cluster.generation {
            await queue.addAfter(ClusterAddonReconciler.clusterReport, delay: options.clusterReportDelay)
        }
    }

    /// A Secret this cluster's addons may read changed (a rotated credential, one created or
    /// deleted): reconcile every addon; those whose rendering did not change apply nothing.
    public func secretsChanged() async {
        await enqueueAll()
    }

    /// The catalog changed (a version published, a channel edited): reconcile every addon.
    public func catalogChanged() async {
        await enqueueAll()
    }

    /// A rollout of `addon` moved (this cluster admitted, a phase or wave changed): reconcile it.
    public func rolloutChanged(addon: String) async {
        await queue.add(ReconcileRequest(namespace: nil, name: addon))
    }

    /// The namespace its addons' Secrets are read from; nil while the Cluster's spec cannot be
    /// used (a refused `facts.secretNamespace` among the reasons).
    public var secretNamespace: String? {
        get async { (try? await spec())?.facts.secretNamespace }
    }

    /// The Cluster's spec as this manager's options allow it.
    private func spec() async throws(ClusterSpecError) -> ClusterSpec {
        try await state.clusterAndSpec(sharedSecretNamespaces: options.sharedSecretNamespaces).spec.get()
    }

    /// Whether two versions of a Cluster differ in anything an addon's plan or rendering reads.
    static func addonInputsDiffer(_ old: KubeObject, _ new: KubeObject) -> Bool {
        old.spec != new.spec || old.labels != new.labels || old.uid != new.uid || (old.deletionTimestamp == nil) != (new.deletionTimestamp == nil)
    }

    /// Runs until cancelled; throws when the cluster's client cannot be set up.
    public func run() async throws {
        let workload = try KubernetesClient(connection: connection, logger: logger)
        defer { Task { try? await workload.shutdown() } }
        let queue = self.queue
        let state = self.state
        await state.readLastAnswered { [weak workload] in workload?.lastAnswered }
        let reportDelay = options.clusterReportDelay
        let owned = OwnedObjects(client: workload, logger: logger, driftPollInterval: options.driftPollInterval, onContact: {
            // The first answer makes ControlPlaneReachable True: reported with the first addon
            // changes (one coalesced write), not on its own.
            if await state.heard() { await queue.addAfter(ClusterAddonReconciler.clusterReport, delay: reportDelay) }
        }) { addon in
            await queue.add(ReconcileRequest(namespace: nil, name: addon))
        }
        let cluster = await state.cluster
        let metrics = AddonMetrics(cluster: "\(cluster.namespace ?? "")/\(cluster.name)")
        // Renders read Secrets of the namespace each reconcile's spec names; the default is the cluster's own.
        let secrets = ManagementSecretSource(client: secretReader, defaultNamespace: cluster.namespace ?? "default")
        let reporter = StatusReporter(client: management, state: state, logger: logger)
        var reconciler = ClusterAddonReconciler(state: state, catalog: catalog, workload: workload, secrets: secrets, owned: owned, reporter: reporter,
                                                events: EventRecorder(client: management, metrics: metrics, logger: logger), metrics: metrics,
                                                hashKey: options.contentHashKey, logger: logger)
        reconciler.unreachableGrace = options.unreachableGrace
        reconciler.progressDeadline = options.progressDeadline
        reconciler.pollInterval = options.pollInterval
        reconciler.sharedSecretNamespaces = options.sharedSecretNamespaces
        reconciler.rollouts = options.rollouts
        reconciler.requestClusterReport = { await queue.addAfter(ClusterAddonReconciler.clusterReport, delay: reportDelay) }
        let controller = Controller(name: "cluster-addons", reconciler: reconciler, workers: options.workers, queue: queue, logger: logger,
                                    metricDimensions: [("cluster", "\(cluster.namespace ?? "")/\(cluster.name)")], admission: options.admission)

        // In a child task: this task lives as long as the cluster, and would keep the frames of
        // the list's request (some 16 KB) for good.
        try await inChildTask { try await self.loadExistingAddons() }
        await enqueueAll()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await controller.run() }
            group.addTask { await self.clocks(workload) }
            await group.next()
            group.cancelAll()
        }
        await owned.stop()
        await queue.shutdown()
    }

    /// The addons this cluster has ClusterAddons for: so that one disabled while the manager
    /// was down is still removed. From the fleet's reading when the starter made one
    /// (`ExistingClusterAddons`), else one list.
    private func loadExistingAddons() async throws {
        if let shared = options.existingAddons, let statuses = await shared.take(key, ownedSince: ownedSince) {
            for (addon, status) in statuses where await state.status(addon) == nil { await state.setStatus(status, for: addon) }
        } else {
            try Task.checkCancellation()
            let cluster = await state.cluster
            let existing = try await management.list(ManagementKinds.clusterAddon, namespace: cluster.namespace,
                                                     options: ListOptions(labelSelector: "\(ManagementKinds.clusterLabel)=\(cluster.name)"))
            for object in existing.items {
                guard let addon = ManagementKinds.addon(ofClusterAddon: object) else { continue }
                if await state.status(addon) == nil { await state.setStatus(ClusterAddonStatus(json: object.status), for: addon) }
            }
        }
        // From now on an addon without a status here has no ClusterAddon: no GET to find out.
        await state.markStatusesLoaded()
    }

    /// Queues every addon the cluster has or wants. When the spec or the catalog cannot be
    /// read, the addons it already has are queued (their reconciles report the cause on their
    /// status) and the cause is logged: nothing is dropped in silence. In a child task: its
    /// callers are this cluster's long-lived loops (resync, probe, the controller's start), whose
    /// tasks would keep its frames (some 3 KB, resolving the desired addons) for good.
    private func enqueueAll() async {
        await inChildTask { await self.enqueueEveryAddon() }
    }

    private func enqueueEveryAddon() async {
        let installed = Set(await state.allStatuses.keys)
        var addons = installed.sorted()
        do {
            let spec: ClusterSpec
            do {
                spec = try await self.spec()
                if await state.setSpecError(nil) { await queue.add(ClusterAddonReconciler.clusterReport) }
            } catch {
                if await state.setSpecError("\(error)") { await queue.add(ClusterAddonReconciler.clusterReport) }
                throw error
            }
            let catalog = try await catalog.current()
            let desired = DesiredAddons.resolve(spec: spec, catalog: catalog, installed: installed)
            addons = desired.order
            await state.setWantedAddons(Set(desired.plans.compactMap { name, plan in
                if case .remove = plan { return nil }
                return name
            }))
        } catch is CancellationError {
            return
        } catch let error as ManagementPlaneCatalog.NotSynced {
            // At start, before the catalog's first read: when it is read every controller queues
            // all its addons (`catalogChanged`). Not the cluster's error, and nothing to shout about.
            logger.debug("waiting for the catalog's first read", metadata: ["reason": "\(error)", "installed": "\(addons.count)"])
            return
        } catch {
            await state.recordError("\(error)")
            logger.error("cannot tell which addons the cluster wants; reconciling those it has", metadata: [
                "error": "\(error)", "installed": "\(addons.count)",
            ])
        }
        for addon in addons { await queue.add(ReconcileRequest(namespace: nil, name: addon)) }
    }

    /// The cluster's two clocks, in one task (a fleet runs one per cluster): the resyncs
    /// (`resync`) every `unsettledResyncPeriod` or `resyncPeriod`, whichever is shorter, ±10 %;
    /// the reachability probe (`probe`) every `probeInterval`, counted from the end of the last.
    /// Each turn runs in a child task, so that this one keeps only its own small frames.
    ///
    /// A probe that hangs (a server that takes the connection and never answers: up to the
    /// client's attempts × its request timeout) holds the next resync back until it ends; the
    /// resyncs then count the time that went by, not the periods planned, so that the round of
    /// every addon is not put off too. The reconciles a resync would queue meanwhile would wait
    /// on that server as well.
    private func clocks(_ workload: KubernetesClient) async {
        let clock = ContinuousClock()
        let tick = min(options.unsettledResyncPeriod, options.resyncPeriod)
        var rounds = ResyncRounds(fullRound: options.resyncPeriod * Double.random(in: 0.9...1.1))
        var probing = Probing()
        var lastResync = clock.now
        var nextResync = clock.now + tick * Double.random(in: 0.9...1.1)
        var nextProbe = clock.now + options.probeInterval
        while !Task.isCancelled {
            do { try await Task.sleep(until: min(nextResync, nextProbe), clock: clock) } catch { return }
            if clock.now >= nextProbe {
                let before = probing
                guard let after = await inChildTask({ await self.probe(workload, before) }) else { return }
                probing = after
                nextProbe = clock.now + options.probeInterval
            }
            if clock.now >= nextResync {
                let (before, elapsed) = (rounds, lastResync.duration(to: clock.now))
                lastResync = clock.now
                rounds = await inChildTask { await self.resync(after: elapsed, before) }
                nextResync = clock.now + tick * Double.random(in: 0.9...1.1)
            }
        }
    }

    /// Where the resyncs stand: time since the last round of every addon, and how long this
    /// round is (`resyncPeriod` ±10 %).
    private struct ResyncRounds {
        var sinceAll: Duration = .zero
        var fullRound: Duration
    }

    /// Every `unsettledResyncPeriod`, the addons that are not Healthy; every `resyncPeriod`, all.
    private func resync(after period: Duration, _ rounds: ResyncRounds) async -> ResyncRounds {
        var rounds = rounds
        rounds.sinceAll += period
        switch ResyncRound.next(sinceFullRound: rounds.sinceAll, fullRound: rounds.fullRound, specError: await state.specError != nil,
                                phases: await state.allStatuses.mapValues(\.phase)) {
        case .everyAddon:
            rounds.sinceAll = .zero
            rounds.fullRound = options.resyncPeriod * Double.random(in: 0.9...1.1)
            await enqueueAll()
        case .unsettled(let addons):
            for addon in addons { await queue.add(ReconcileRequest(namespace: nil, name: addon)) }
        }
        return rounds
    }

    /// What the probe remembers between its turns.
    private struct Probing {
        var reportedUnreachable = false
        var lastAsked: ContinuousClock.Instant?
    }

    /// Asks the cluster whether it answers (one turn of the probe: what it remembers after it;
    /// nil: cancelled). When it stops answering, every addon is reconciled after the grace
    /// period (they report `Unknown`); when it answers again, they are reconciled at once (the
    /// queue's backoff is not waited out). A cluster that answered a request or sent anything on
    /// a watch (bookmarks included) lately is not asked (`ReachabilityProbe` says how lately):
    /// at a thousand clusters the probes were most of an idle manager's requests.
    private func probe(_ workload: KubernetesClient, _ probing: Probing) async -> Probing? {
        var probing = probing
        let foundUnreachable = await state.unreachableSince != nil
        let rejected = await state.credentialsRejected != nil
        let suspect = probing.reportedUnreachable || foundUnreachable || rejected
        let evidence = ReachabilityProbe.Evidence(lastAnswered: workload.lastAnswered, lastRequestAnswered: workload.lastRequestAnswered,
                                                  lastFailure: workload.lastFailure, lastCredentialsRefused: workload.lastCredentialsRefused,
                                                  lastAsked: probing.lastAsked)
        guard ReachabilityProbe.shouldAsk(now: .now, evidence: evidence, suspect: suspect, interval: options.probeInterval,
                                          allowedSilence: options.probeAfterSilence, credentialsCheck: options.credentialsCheck)
        else { return probing }
        probing.lastAsked = .now
        do {
            _ = try await workload.serverVersion()
            let wasUnreachable = await state.unreachableSince != nil
            let wasRejected = await state.credentialsRejected != nil
            let firstContact = await !state.hasBeenContacted
            await state.contact()
            if wasUnreachable || probing.reportedUnreachable || wasRejected {
                probing.reportedUnreachable = false
                logger.info(wasRejected ? "cluster accepts the manager's credentials again" : "cluster answers again")
                await enqueueAll()
                await queue.add(ClusterAddonReconciler.clusterReport)
            } else if firstContact {
                await queue.addAfter(ClusterAddonReconciler.clusterReport, delay: options.clusterReportDelay)
            }
        } catch let error as KubernetesError where error.kind == .unauthorized || error.kind == .forbidden {
            // It answers, and refuses us: bad or expired credentials, or RBAC taken away.
            await state.answered()
            probing.reportedUnreachable = false
            if await state.rejectCredentials("\(error)") {
                logger.error("cluster refuses the manager's credentials", metadata: ["error": "\(error)"])
                await queue.add(ClusterAddonReconciler.clusterReport)
            }
        } catch let error as KubernetesError where error.kind.isTransport {
            let since = await state.unreachable(error: "\(error)")
            if !probing.reportedUnreachable, Date().timeIntervalSince(since) >= Double(options.unreachableGrace.components.seconds) {
                probing.reportedUnreachable = true
                logger.warning("cluster unreachable", metadata: ["since": "\(KubeTime.format(since))", "error": "\(error)"])
                await state.reportUnreachable(since: since, error: "\(error)")
                await queue.add(ClusterAddonReconciler.clusterReport)
                await enqueueAll()
            }
        } catch is CancellationError {
            return nil
        } catch {
            // A 5xx or a garbled answer: the cluster answers, but not well; the requests of
            // the reconciles report their own errors (they try it again: not unreachable).
            await state.answered()
            probing.reportedUnreachable = false
            logger.warning("reachability probe failed", metadata: ["error": "\(error)"])
        }
        return probing
    }

    public var queueDepth: Int { get async { await queue.depth } }
}
