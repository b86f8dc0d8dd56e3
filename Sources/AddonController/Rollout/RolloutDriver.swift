import AddonCatalog
import ControllerRuntime
import Foundation
import KubernetesClient
import KubernetesModel
import Logging
import Metrics

/// Drives every rollout: for each channel and addon, starts a rollout when the channel's
/// version changes (`RolloutPlanner.begin`), then on every pass advances it (`step`) from what
/// the fleet reports, and writes what changed to its `AddonRollout` — nothing is kept only here,
/// so a manager restarted mid-rollout continues where it stood. Exactly one replica runs it
/// (`addon-manager run` holds a Lease while it does).
///
/// Reads come from caches (watches on Clusters, ClusterAddons and AddonRollouts); a pass runs
/// after a change (gathered for `settle`; fleet changes only while a rollout runs) and at least
/// every `interval` (deadlines, soaks, counts).
/// Writes are optimistic (the AddonRollout's resourceVersion): a write that lost a race is
/// dropped and the next pass decides again on fresher data.
public final class RolloutDriver: Sendable {
    public struct Options: Sendable {
        /// The longest time between two passes.
        public var interval: Duration = .seconds(5)
        /// How long changes are gathered before a pass.
        public var settle: Duration = .seconds(1)
        /// Namespaces whose Secrets every Cluster may read besides its own (as the controllers').
        public var sharedSecretNamespaces: Set<String> = []
        public init() {}
    }

    private let management: any KubeClient
    private let catalog: any CatalogSource
    private let book: RolloutBook
    private let options: Options
    private let logger: Logger
    private let events: EventRecorder
    private let wakeUp: AsyncStream<Void>.Continuation
    private let wakeUps: AsyncStream<Void>
    private let versionsReported = ReportedVersions()

    /// The (addon, version) pairs the last pass counted.
    private actor ReportedVersions {
        private var pairs: Set<[String]> = []
        /// Remembers `next`; returns the pairs no longer in it.
        func replace(with next: Set<[String]>) -> Set<[String]> {
            defer { pairs = next }
            return pairs.subtracting(next)
        }
    }

    public init(management: any KubeClient, catalog: any CatalogSource, book: RolloutBook, options: Options = Options(), logger: Logger) {
        self.management = management
        self.catalog = catalog
        self.book = book
        self.options = options
        self.logger = logger
        events = EventRecorder(client: management, logger: logger)
        (wakeUps, wakeUp) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Drives rollouts until cancelled.
    public func run() async {
        // A fleet change matters while a rollout runs; otherwise the periodic pass keeps the
        // counts of completed rollouts current (a fleet of a thousand clusters converging
        // sends thousands of ClusterAddon changes a minute).
        let wake: @Sendable (InformerEvent) async -> Void = { [wakeUp, book] _ in
            if await book.hasActiveRollout { wakeUp.yield() }
        }
        let clusters = Informer(kind: ManagementKinds.cluster, client: management, transform: Self.withoutStatus, logger: logger, handler: wake)
        let clusterAddons = Informer(kind: ManagementKinds.clusterAddon, client: management, transform: Self.slim, logger: logger, handler: wake)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await clusters.run() }
            group.addTask { await clusterAddons.run() }
            group.addTask { [wakeUp] in
                for await _ in await self.catalog.updates() { wakeUp.yield() }
            }
            group.addTask { [wakeUp] in
                for await _ in await self.book.changes() { wakeUp.yield() }
            }
            group.addTask { [wakeUp, options] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: options.interval)
                    wakeUp.yield()
                }
            }
            group.addTask {
                guard await clusters.waitForSync(), await clusterAddons.waitForSync() else { return }
                while !(await self.book.synced), !Task.isCancelled { try? await Task.sleep(for: .milliseconds(50)) }
                self.logger.info("rollout driver running")
                for await _ in self.wakeUps {
                    if Task.isCancelled { break }
                    try? await Task.sleep(for: self.options.settle)
                    await self.pass(clusters: await clusters.cache.list(), clusterAddons: await clusterAddons.cache.list())
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// One look at every channel's addons.
    func pass(clusters: [KubeObject], clusterAddons: [KubeObject]) async {
        guard let catalog = try? await catalog.current() else { return }
        var addonStates: [String: KubeObject] = [:]
        for object in clusterAddons {
            guard let cluster = object.labels[ManagementKinds.clusterLabel], let addon = object.labels[ManagementKinds.addonLabel] else { continue }
            addonStates["\(object.namespace ?? "")/\(cluster)\u{0}\(addon)"] = object
        }
        var specs: [(key: String, spec: ClusterSpec)] = []
        for cluster in clusters where cluster.deletionTimestamp == nil {
            guard let spec = try? ClusterSpec(cluster: cluster, sharedSecretNamespaces: options.sharedSecretNamespaces), !spec.paused else { continue }
            specs.append(("\(cluster.namespace ?? "")/\(cluster.name)", spec))
        }
        var versionCounts: [String: [String: Int]] = [:]
        for object in clusterAddons {
            if let addon = object.labels[ManagementKinds.addonLabel], let version = object.status["appliedVersion"].stringValue {
                versionCounts[addon, default: [:]][version, default: 0] += 1
            }
        }
        var reported: Set<[String]> = []
        for (addon, counts) in versionCounts {
            for (version, count) in counts {
                Gauge(label: "addon_manager_clusters_per_addon_version", dimensions: [("addon", addon), ("version", version)]).record(count)
                reported.insert([addon, version])
            }
        }
        // A version no cluster runs any more reads 0, not its last count.
        for gone in await versionsReported.replace(with: reported) {
            Gauge(label: "addon_manager_clusters_per_addon_version", dimensions: [("addon", gone[0]), ("version", gone[1])]).record(0)
        }

        for channel in catalog.channels.values.sorted(by: { $0.name < $1.name }) {
            let waves = RolloutWaves.effective(catalog.rolloutWaves(onChannel: channel.name))
            let defaults = Set(catalog.defaultAddons(onChannel: channel.name))
            let onChannel = specs.filter { $0.spec.channel == channel.name }
            // A version the catalog cannot serve (missing, refused) starts no rollout: its
            // clusters keep what they run and their ClusterAddons say why.
            for (addon, entry) in channel.addons.sorted(by: { $0.key < $1.key }) where catalog.definition(name: addon, version: entry.version) != nil {
                var members: [RolloutMember] = []
                for (key, spec) in onChannel {
                    let override = spec.addons[addon]
                    let wanted = override?.enabled ?? defaults.contains(addon)
                    guard wanted, override?.version == nil else { continue }
                    let state = addonStates["\(key)\u{0}\(addon)"]?.status
                    members.append(RolloutMember(cluster: key, wave: RolloutWaves.index(of: spec.labels, in: waves),
                                                 applied: state?["appliedVersion"].stringValue.flatMap(SemanticVersion.init),
                                                 desired: state?["desiredVersion"].stringValue.flatMap(SemanticVersion.init),
                                                 phase: state?["phase"].stringValue, message: state?["message"].stringValue,
                                                 lastApplied: state?["lastAppliedTime"].stringValue.flatMap(KubeTime.parse)))
                }
                await drive(channel: channel.name, addon: addon, target: entry.version, waves: waves, members: members)
            }
        }
    }

    private func drive(channel: String, addon: String, target: SemanticVersion, waves: [RolloutWave], members: [RolloutMember]) async {
        let recorded = await book.rollout(channel: channel, addon: addon)
        let now = Date()
        var rollout: AddonRollout
        var notes: [RolloutPlanner.Note] = []
        var specChanged = false
        if let (begun, note) = RolloutPlanner.begin(channel: channel, addon: addon, target: target, recorded: recorded, members: members, now: now) {
            rollout = begun
            rollout.resourceVersion = recorded?.resourceVersion
            rollout.generation = recorded?.generation
            notes.append(note)
            specChanged = true
        } else if let recorded {
            rollout = recorded
        } else {
            return
        }
        let stepped = RolloutPlanner.step(rollout, waves: waves, members: members, now: now)
        rollout = stepped.0
        notes += stepped.1
        record(rollout, waves: waves, members: members)
        var status = rollout.statusJSON(waves: waves, members: members)
        guard specChanged || status != recorded?.recordedStatus else { return }
        do {
            // A new spec first (its status, written next for that generation, is what the
            // clusters follow: until then they keep what they run).
            var object = rollout.object()
            if specChanged {
                if let recorded {
                    object.body.setValue(.string(recorded.resourceVersion ?? ""), at: ["metadata", "resourceVersion"])
                    object = try await management.update(object, options: WriteOptions(fieldManager: OwnershipLabels.fieldManager))
                } else {
                    object = try await management.create(object, options: WriteOptions(fieldManager: OwnershipLabels.fieldManager))
                }
                rollout.generation = object.generation
                status = rollout.statusJSON(waves: waves, members: members)
            } else {
                object.body.setValue(.string(recorded?.resourceVersion ?? ""), at: ["metadata", "resourceVersion"])
            }
            object["status"] = status
            _ = try await management.updateStatus(object, options: WriteOptions(fieldManager: OwnershipLabels.fieldManager))
        } catch let error as KubernetesError where error.isConflict || error.isAlreadyExists {
            logger.debug("rollout changed meanwhile; deciding again on the next pass", metadata: ["addonRollout": "\(rollout.objectName)"])
            return
        } catch {
            logger.warning("could not write a rollout", metadata: ["addonRollout": "\(rollout.objectName)", "error": "\(error)"])
            return
        }
        for note in notes {
            logger.log(level: note.warning ? .warning : .info, "rollout \(note.reason)",
                       metadata: ["addonRollout": "\(rollout.objectName)", "message": "\(note.message)"])
            await events.record(on: ["apiVersion": .string(ManagementKinds.apiVersion), "kind": "AddonRollout", "name": .string(rollout.objectName)],
                                type: note.warning ? .warning : .normal, reason: note.reason, message: note.message)
        }
    }

    /// `addon_manager_rollout_phase{channel,addon,phase}` (1 for the current phase),
    /// `addon_manager_rollout_wave{channel,addon}`, `addon_manager_rollout_clusters{channel,addon,state}`.
    private func record(_ rollout: AddonRollout, waves: [RolloutWave], members: [RolloutMember]) {
        let base = [("channel", rollout.channel), ("addon", rollout.addon)]
        for phase in [AddonRollout.Phase.progressing, .paused, .completed, .rolledBack] {
            Gauge(label: "addon_manager_rollout_phase", dimensions: base + [("phase", phase.rawValue)]).record(rollout.phase == phase ? 1 : 0)
        }
        Gauge(label: "addon_manager_rollout_wave", dimensions: base).record(rollout.waveIndex)
        for state in [AddonRollout.Admission.State.updating, .updated, .failed] {
            Gauge(label: "addon_manager_rollout_clusters", dimensions: base + [("state", state.rawValue)])
                .record(rollout.admissions.filter { $0.state == state }.count)
        }
    }

    /// A Cluster as the passes read it (`ClusterSpec`, its deletion): neither its status nor its
    /// managedFields, which are most of its text.
    @Sendable static func withoutStatus(_ object: KubeObject) -> KubeObject {
        var kept = ObjectCache.withoutManagedFields(object)
        kept.body.removeValue(at: ["status"])
        return kept
    }

    /// What the driver keeps of a ClusterAddon: its labels and the state a rollout reads.
    @Sendable static func slim(_ object: KubeObject) -> KubeObject {
        var slim = KubeObject(apiVersion: object.apiVersion, kind: object.kind, name: object.name, namespace: object.namespace)
        slim.body.setValue(object.metadata["labels"], at: ["metadata", "labels"])
        slim.body.setValue(object.metadata["resourceVersion"], at: ["metadata", "resourceVersion"])
        slim.body.setValue(object.metadata["uid"], at: ["metadata", "uid"])
        var status: JSONValue = .emptyObject
        for field in ["appliedVersion", "desiredVersion", "phase", "lastAppliedTime"] where !object.status[field].isNull { status[field] = object.status[field] }
        if let healthy = (object.status["conditions"].arrayValue ?? []).first(where: { $0["type"] == "Healthy" }) { status["message"] = healthy["message"] }
        slim["status"] = status
        return slim
    }
}
