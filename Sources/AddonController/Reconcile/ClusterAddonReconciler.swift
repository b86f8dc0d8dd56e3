import AddonCatalog
import ControllerRuntime
import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// Reconciles one addon on one cluster (the request's name is the addon's name):
/// resolve → render → apply (server-side apply) → prune → health → report.
///
/// - A rendered set whose hash matches the inventory, with every owned object present and
///   unchanged, is not applied again: an idle cluster costs reads from caches and no writes.
/// - Nothing is pruned after a partial or failed apply, nor while the cluster is unreachable.
/// - Status is written in one step at the end, and only when it changed.
public struct ClusterAddonReconciler: Reconciler {
    /// How long a cluster may fail to answer before its addons are reported `Unknown`.
    public var unreachableGrace: Duration = .seconds(20)
    /// How long an addon may stay Progressing after an apply before it is `Failed`.
    public var progressDeadline: Duration = .seconds(600)
    /// How soon to look again at an addon that is not healthy yet.
    public var pollInterval: Duration = .seconds(2)
    /// Namespaces whose Secrets every Cluster's addons may read besides their own (see `ClusterSpec`).
    public var sharedSecretNamespaces: Set<String> = []
    /// The rollouts that hold a cluster on a version while its channel's moves (nil: none).
    public var rollouts: RolloutBook?
    /// Asks for the Cluster's `AddonsHealthy` condition to be written (soon, once for a burst
    /// of addon changes): the controller queues `clusterReport` with a short delay.
    public var requestClusterReport: @Sendable () async -> Void = {}

    /// The queue item that writes the Cluster's condition and addon summary. Its name cannot
    /// be an addon's (addon names are DNS labels).
    public static let clusterReport = ReconcileRequest(namespace: nil, name: "[cluster]")

    let state: ClusterState
    let catalog: any CatalogSource
    let workload: KubernetesClient
    let secrets: any SecretSource
    let owned: OwnedObjects
    let reporter: StatusReporter
    let events: EventRecorder
    let metrics: AddonMetrics
    let logger: Logger
    let renders: RenderCache

    /// - Parameter hashKey: keys the hash of the rendered objects written to the status and the
    ///   inventory (they include Secrets' data); the same across restarts, or every addon is
    ///   applied once more.
    init(state: ClusterState, catalog: any CatalogSource, workload: KubernetesClient, secrets: any SecretSource, owned: OwnedObjects,
         reporter: StatusReporter, events: EventRecorder, metrics: AddonMetrics, hashKey: ContentHashKey, logger: Logger) {
        renders = RenderCache(hashKey: hashKey, finish: ClusterAddonReconciler.labelled)
        self.state = state
        self.catalog = catalog
        self.workload = workload
        self.secrets = secrets
        self.owned = owned
        self.reporter = reporter
        self.events = events
        self.metrics = metrics
        self.logger = logger
    }

    var inventories: InventoryStore { InventoryStore(client: workload) }

    // MARK: Reconcile

    public func reconcile(_ request: ReconcileRequest) async throws -> ReconcileResult {
        if request == Self.clusterReport {
            try await reporter.reportClusterHealth(cluster: await state.cluster)
            return .done
        }
        let addon = request.name
        let (cluster, parsed) = await state.clusterAndSpec(sharedSecretNamespaces: sharedSecretNamespaces)
        let spec: ClusterSpec
        do {
            spec = try parsed.get()
        } catch {
            throw TerminalError(error)  // the Cluster's Accepted condition says why (the starter); a spec change requeues
        }
        if spec.paused {
            // Seen and left as it is: the Cluster's condition says which spec it reflects.
            await state.addonObserved(addon, generation: cluster.generation)
            await requestClusterReport()
            return .done
        }
        let catalog: Catalog
        do {
            catalog = try await self.catalog.current()
        } catch is ManagementPlaneCatalog.NotSynced {
            // Before the catalog's first read; its arrival queues every addon again.
            return .done
        }
        let installed = Set(await state.allStatuses.keys)
        let gate = try await rolloutGate(channel: spec.channel)
        let desired = DesiredAddons.resolve(spec: spec, catalog: catalog, installed: installed, rollouts: gate)
        if let gate, case .install(let wanted)? = desired.plans[addon], let channelVersion = catalog.channel(named: spec.channel)?.version(of: addon),
           wanted.version != channelVersion || gate.rollouts[addon]?.phase != .completed, !wanted.pinned {
            logger.debug("rollout decided the addon's version", metadata: ["addon": "\(addon)", "installed": "\(gate.installed[addon]?.description ?? "-")", "admitted": "\(gate.rollouts[addon]?.admissions.map(\.cluster) ?? [])", "version": "\(wanted.version)", "channelVersion": "\(channelVersion)",
                                                              "rollout": "\(gate.rollouts[addon].map { "\($0.phase.rawValue) \($0.from?.description ?? "-") → \($0.to)" } ?? "none yet")"])
        }

        let result: ReconcileResult
        switch desired.plans[addon] {
        case nil:
            return .done
        case .blocked(let reason, let message):
            result = try await reportBlocked(addon: addon, reason: reason, message: message, cluster: cluster)
        case .remove:
            result = try await remove(addon: addon, cluster: cluster, catalog: catalog, desired: desired)
        case .install(let wanted):
            do {
                result = try await install(wanted, cluster: cluster, spec: spec, desired: desired)
            } catch {
                // A failed addon (its status says Failed) changes the Cluster's condition too. Only
                // a terminal failure is on its status; a transient one (retried) leaves the
                // addon counted at the spec it last reached.
                if error is TerminalError { await state.addonObserved(addon, generation: cluster.generation) }
                await requestClusterReport()
                throw error
            }
        }
        await state.addonObserved(addon, generation: cluster.generation)
        await requestClusterReport()
        await state.addonReconciled()
        return result
    }

    /// What the channel's rollouts decide for this cluster, from the versions it runs.
    private func rolloutGate(channel: String) async throws -> RolloutGate? {
        guard let rollouts else { return nil }
        var installed: [String: SemanticVersion] = [:]
        for (addon, status) in await state.allStatuses {
            if let version = status.appliedVersion.flatMap(SemanticVersion.init) { installed[addon] = version }
        }
        return try await rollouts.gate(channel: channel, installed: installed)
    }

    // MARK: Install or upgrade

    private func install(_ wanted: DesiredAddon, cluster: KubeObject, spec: ClusterSpec, desired: DesiredAddons.Result) async throws -> ReconcileResult {
        let addon = wanted.name
        let current = try await reporter.currentStatus(addon: addon, cluster: cluster)
        var status = ClusterAddonStatus(desiredVersion: wanted.version.description, appliedVersion: current?.appliedVersion,
                                        lastHealthyVersion: current?.lastHealthyVersion, phase: .progressing, conflicts: current?.conflicts ?? [],
                                        lastAppliedHash: current?.lastAppliedHash, lastAppliedTime: current?.lastAppliedTime)

        // Dependencies first: each must have been applied at the version this cluster gets.
        for dependency in wanted.definition.dependencies {
            let applied = await state.status(dependency.name)?.appliedVersion
            guard let applied, let version = SemanticVersion(applied), dependency.versions.contains(version) else {
                status.conditions = [
                    Condition(type: "Applied", status: .false, reason: "WaitingForDependency", message: "waiting for \(dependency.name) \(dependency.versions) to be applied"),
                    Condition(type: "Progressing", status: .true, reason: "WaitingForDependency", message: "waiting for \(dependency.name)"),
                    Condition(type: "Healthy", status: .false, reason: "NotApplied", message: "not applied yet"),
                ]
                status.phase = current?.appliedVersion == nil ? .progressing : (current?.phase ?? .progressing)
                try await reporter.report(status, addon: addon, cluster: cluster)
                return .requeue(after: pollInterval)
            }
        }

        // Render.
        let rendering: RenderCache.Rendering
        do {
            rendering = try await renders.render(wanted, facts: spec.facts, secrets: secrets)
        } catch {
            status.phase = .failed
            status.conditions = [
                Condition(type: "Applied", status: .false, reason: "RenderFailed", message: "\(error)"),
                Condition(type: "Progressing", status: .false, reason: "RenderFailed", message: "rendering failed; fix the values or the catalog"),
                Condition(type: "Healthy", status: .false, reason: "RenderFailed", message: "not applied"),
            ]
            metrics.recordError(reason: "RenderFailed")
            if current?.condition("Applied")?.reason != "RenderFailed" {
                await events.record(cluster: cluster, addon: addon, type: .warning, reason: "RenderFailed", message: "\(error)")
            }
            try await reporter.report(status, addon: addon, cluster: cluster)
            throw TerminalError(error)
        }
        let rendered = rendering.rendered
        let objects = rendering.objects  // labelled by the render cache; parsed where needed

        // A cluster the reachability probe has found silent for longer than the grace period is
        // not tried: each request would wait out its timeout while holding one of the fleet's
        // turns (`ReconcileAdmission`). The probe queues every addon again once it answers.
        if let outage = await state.unreachableReport {
            status.phase = current?.phase ?? .progressing
            status.conditions = current?.conditions ?? []
            try await reportIfUnreachable(ClusterUnreachable(since: outage.since, lastError: outage.error), addon: addon, cluster: cluster, status: status)
            return .requeue(after: pollInterval * 5)
        }

        // Apply when something changed.
        do {
            let inventory = try await loadInventory(addon)
            let upToDate = inventory?.hash == rendering.hash && inventory?.version == wanted.version.description
            var intact = false
            if upToDate, let inventory {
                await owned.watch(Set(inventory.members.map(\.groupVersionKind)), ruleKinds: Self.ruleKinds(rendered))
                intact = try await isIntact(objects, addon: addon)
            }
            if !(upToDate && intact) {
                let outcome = try await applyAndPrune(objects.map(\.object), rendered: rendered, hash: rendering.hash, wanted: wanted, previous: inventory, cluster: cluster)
                await state.contact()
                status.appliedVersion = wanted.version.description
                status.lastAppliedHash = rendering.hash
                status.lastAppliedTime = KubeTime.now()
                status.conflicts = outcome.conflicts
            } else if status.appliedVersion == nil || status.lastAppliedHash != rendering.hash {
                // Applied before, by a previous run of the manager: adopt what the cluster has.
                status.appliedVersion = wanted.version.description
                status.lastAppliedHash = rendering.hash
                status.lastAppliedTime = status.lastAppliedTime ?? KubeTime.now()
            }
        } catch let failure as ApplyFailure where !failure.isUnreachable {
            await state.contact(credentialsAccepted: !failure.refusesCredentials)
            status.phase = failure.isPermanent ? .failed : (current?.phase ?? .progressing)
            status.conditions = [
                Condition(type: "Applied", status: .false, reason: "ApplyFailed", message: failure.description),
                Condition(type: "Progressing", status: failure.isPermanent ? .false : .true, reason: "ApplyFailed", message: failure.isPermanent ? "will not retry until something changes" : "retrying"),
                Condition(type: "Healthy", status: .false, reason: "ApplyFailed", message: "the last apply failed"),
            ]
            metrics.recordError(reason: "ApplyFailed")
            if current?.condition("Applied")?.message != failure.description {
                await events.record(cluster: cluster, addon: addon, type: .warning, reason: "ApplyFailed", message: failure.description)
            }
            try await reporter.report(status, addon: addon, cluster: cluster)
            if failure.isPermanent { throw TerminalError(failure) }
            throw failure
        } catch {
            try await reportIfUnreachable(error, addon: addon, cluster: cluster, status: status)
            throw error
        }

        // Health, unless the cluster has not answered for longer than the grace period: then
        // the caches are stale and the truth is Unknown.
        if let since = await state.unreachableSince, Date().timeIntervalSince(since) >= Double(unreachableGrace.components.seconds) {
            try await reportIfUnreachable(ClusterUnreachable(since: since, lastError: await state.lastError ?? "no answer"), addon: addon, cluster: cluster, status: status)
            return .requeue(after: pollInterval * 5)
        }
        let health = try await evaluateHealth(objects: objects, rules: rendered.healthRules)
        status.objects = health.objects
        status.phase = health.state
        var progressing = health.state == .progressing
        if progressing, let appliedAt = status.lastAppliedTime.flatMap(KubeTime.parse),
            Date().timeIntervalSince(appliedAt) > Double(progressDeadline.components.seconds) {
            status.phase = .failed
            progressing = false
        }
        if status.phase == .healthy { status.lastHealthyVersion = wanted.version.description }
        let conflictNote = status.conflicts.isEmpty ? "" : "; \(status.conflicts.count) field(s) left to other managers"
        status.conditions = [
            Condition(type: "Applied", status: .true, reason: "Applied", message: "\(addon) \(wanted.version) applied: \(objects.count) objects\(conflictNote)"),
            Condition(type: "Progressing", status: progressing ? .true : .false,
                      reason: status.phase == .failed && health.state == .progressing ? "ProgressDeadlineExceeded" : (progressing ? health.reason : "Complete"),
                      message: progressing ? health.message : (status.phase == .failed && health.state == .progressing ? "not healthy within \(progressDeadline.components.seconds) s: \(health.message)" : "rollout complete")),
            Condition(type: "Healthy", status: status.phase == .healthy ? .true : .false, reason: health.reason, message: health.message),
        ]
        try await reporter.report(status, addon: addon, cluster: cluster)
        guard status.phase == .healthy else { return .requeue(after: pollInterval) }
        // Healthy: looked at again when something changes, or when a rule about recency would
        // stop holding (not at the next resync, minutes later).
        // (At most a day ahead: the resyncs look long before; a catalog's window may be years.)
        return health.recheckIn.map { .requeue(after: .milliseconds(Int64((min($0, 86_400) * 1000).rounded(.up)) + 1000)) } ?? .done
    }

    /// Kinds a health rule of the addon names: watched even when they carry no status.
    static func ruleKinds(_ rendered: RenderedAddon) -> Set<GroupKind> {
        Set(rendered.healthRules.map(\.target.groupKind))
    }

    /// Applies, then — only when every object applied — prunes what the previous version had
    /// and this one has not, and records the new inventory.
    private func applyAndPrune(_ objects: [KubeObject], rendered: RenderedAddon, hash: String, wanted: DesiredAddon, previous: Inventory?, cluster: KubeObject) async throws -> AddonApplier.Outcome {
        let applier = AddonApplier(client: workload, logger: logger)
        let mark = await owned.applyStarting()
        let outcome: AddonApplier.Outcome
        do {
            outcome = try await applier.apply(objects, addon: wanted.name, policy: wanted.definition.conflictPolicy)
        } catch {
            await owned.applyEnded(since: mark, answered: mark, answers: [])
            throw error
        }
        // Kinds polled rather than watched learn of this apply from its answers until their next
        // poll (kinds followed from here on list after the answers: their first list finds the objects).
        let answersArrived = await owned.applyAnswered()
        await owned.watch(Set(objects.map(\.groupVersionKind)), ruleKinds: Self.ruleKinds(rendered))
        await owned.applyEnded(since: mark, answered: answersArrived, answers: outcome.applied)
        metrics.recordApply(objects: outcome.applied.count)
        // The applier answers phase by phase (namespaces and CRDs first): match answers to the
        // rendered objects by identity, never by position.
        let responses = Dictionary(outcome.applied.map { ($0.reference, $0) }, uniquingKeysWith: { _, last in last })
        var answered: [ObjectReference: (fields: String, content: String)] = [:]
        for object in objects {
            guard let response = responses[object.reference] else { continue }
            let expected = DriftCheck.fingerprint(of: response.body, onto: DriftCheck.shape(of: object))
            let content = ObservedObject.contentFingerprint(of: response)
            answered[object.reference] = (expected, content)
            await state.setExpected(expected, for: object.reference)
            // The answer carries our fields: the watch event of this apply needs no read.
            await state.setVerified(content: content, fingerprint: expected, by: wanted.name, for: object.reference)
        }
        let inventory = Inventory(addon: wanted.name, version: wanted.version.description, hash: hash, members: outcome.applied.map {
            Inventory.Member(object: $0, appliedFields: answered[$0.reference]?.fields, content: answered[$0.reference]?.content)
        })
        var pruned = Pruner.Outcome()
        if let previous {
            let dropped = previous.dropped(comparedTo: objects.map(\.reference))
            if !dropped.isEmpty {
                pruned = try await Pruner(client: workload, logger: logger).prune(dropped, addon: wanted.name, policy: wanted.definition.deletePolicy)
                for reference in pruned.deleted { await state.setExpected(nil, for: reference) }
                metrics.recordPrune(objects: pruned.deleted.count)
            }
        }
        try await inventories.save(inventory)
        await state.setInventory(inventory, for: wanted.name)

        let verb = previous == nil ? "Installed" : (previous?.version == wanted.version.description ? "Reapplied" : "Upgraded")
        var message = "\(wanted.name) \(wanted.version): applied \(outcome.applied.count) objects"
        if let previous, previous.version != wanted.version.description { message += " (from \(previous.version))" }
        if !pruned.deleted.isEmpty { message += ", pruned \(pruned.deleted.count): \(pruned.deleted.prefix(5).map(\.description).joined(separator: ", "))" }
        await events.record(cluster: cluster, addon: wanted.name, type: .normal, reason: verb, message: message)
        if !outcome.conflicts.isEmpty {
            await events.record(cluster: cluster, addon: wanted.name, type: .warning, reason: "ConflictPreserved",
                                message: outcome.conflicts.prefix(5).map { "\($0.object) \($0.field) owned by \($0.manager)" }.joined(separator: "; "))
        }
        logger.info("addon applied", metadata: ["cluster": "\(cluster.namespace ?? "")/\(cluster.name)", "addon": "\(wanted.name)", "version": "\(wanted.version)",
                                               "objects": "\(outcome.applied.count)", "pruned": "\(pruned.deleted.count)"])
        return outcome
    }

    /// Whether every rendered object is in the cluster and our fields are as we left them.
    /// The watch caches answer first: an object whose content (all but status) is the one last
    /// found to carry our fields is intact. Any other — changed, missing from the cache, or of a
    /// kind not watched — is read from the API before deciding: a cache that has not caught up
    /// with our own last apply must not cause another apply (which would cause another event,
    /// and so on).
    private func isIntact(_ objects: [RenderedObject], addon: String) async throws -> Bool {
        for rendered in objects {
            if let verified = await state.verifiedContent(rendered.reference, by: addon),
               await owned.contentFingerprint(rendered.groupVersionKind, namespace: rendered.namespace, name: rendered.name) == verified
            {
                continue
            }
            let object = rendered.object
            let shape = DriftCheck.shape(of: object)
            let live: KubeObject
            do {
                live = try await workload.get(object.groupVersionKind, name: object.name, namespace: object.namespace)
            } catch let error as KubernetesError where error.isNotFound {
                return false
            }
            if !(try await matches(live, object, shape: shape, addon: addon)) {
                logger.debug("drift: applied fields changed", metadata: ["object": "\(object.reference)"])
                return false
            }
        }
        return true
    }

    /// Whether `live` still carries what we applied of `object`.
    private func matches(_ live: KubeObject, _ object: KubeObject, shape: JSONValue, addon: String) async throws -> Bool {
        if live.deletionTimestamp != nil { return false }
        if let expected = await state.expected(object.reference) {
            let projected = DriftCheck.project(live.body, onto: shape)
            let same = DriftCheck.fingerprint(projected) == expected
            if same { await state.setVerified(content: ObservedObject.contentFingerprint(of: live), fingerprint: expected, by: addon, for: object.reference) }
            if !same, logger.logLevel <= .trace, object.kind != "Secret" {  // a Secret's fields are credentials: never logged
                logger.trace("drift detail", metadata: ["object": "\(object.reference)", "live": "\(projected.jsonString().prefix(600))"])
            }
            return same
        }
        guard DriftCheck.contains(live.body, shape) else { return false }
        let fingerprint = DriftCheck.fingerprint(of: live.body, onto: shape)
        await state.setExpected(fingerprint, for: object.reference)
        await state.setVerified(content: ObservedObject.contentFingerprint(of: live), fingerprint: fingerprint, by: addon, for: object.reference)
        return true
    }

    /// Health from the watch caches; an object of a kind not watched (yet), or judged by a rule
    /// that reads a field the caches do not keep, is read. A read that
    /// fails for another reason than 404 makes the object `Unknown`, not missing. An object the
    /// cache holds at the version its health was last found at is not decoded again (unless a
    /// rule reads it).
    private func evaluateHealth(objects: [RenderedObject], rules: [HealthRule]) async throws -> AddonHealth {
        var members: [(ObjectReference, KubeObject?)] = []
        var unreadable: [ObjectReference: String] = [:]
        var known: [ObjectReference: ObjectHealth] = [:]
        var found: [(ObjectReference, ObjectHealth, String)] = []
        let ruleTargets = Set(rules.map(\.target))
        // A rule reading a field the caches do not keep (`ObservedObject`) judges the object as read.
        let readTargets = Set(rules.filter { !ObservedObject.suffices(for: $0) }.map(\.target))
        for object in objects {
            if !ruleTargets.contains(object.reference),
               let version = await owned.resourceVersion(object.groupVersionKind, namespace: object.namespace, name: object.name),
               let health = await state.knownHealth(object.reference, at: version)
            {
                known[object.reference] = health
                members.append((object.reference, nil))
                continue
            }
            let cached: OwnedObjects.Lookup = readTargets.contains(object.reference)
                ? .notWatched : await owned.lookup(object.groupVersionKind, namespace: object.namespace, name: object.name)
            switch cached {
            case .found(let live):
                let health = KindHealth.evaluate(live)
                if let version = live.resourceVersion { found.append((object.reference, health, version)) }
                known[object.reference] = health
                members.append((object.reference, ruleTargets.contains(object.reference) ? live : nil))
            case .missing: members.append((object.reference, nil))
            case .notWatched:
                do {
                    members.append((object.reference, try await workload.get(object.groupVersionKind, name: object.name, namespace: object.namespace)))
                } catch let error as KubernetesError where error.isNotFound {
                    members.append((object.reference, nil))
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    members.append((object.reference, nil))
                    unreadable[object.reference] = "\(error)"
                    logger.warning("cannot read an object for its health", metadata: ["object": "\(object.reference)", "error": "\(error)"])
                }
            }
        }
        for (reference, health, version) in found { await state.setKnownHealth(health, at: version, for: reference) }
        return AddonHealth.evaluate(members: members, rules: rules, now: Date(), unreadable: unreadable, known: known)
    }

    /// The addon's inventory: remembered, or read from the cluster (a first reconcile since the
    /// manager started), whose recorded fingerprints then stand for the answers of the apply
    /// that wrote it (see `Inventory.Member`).
    private func loadInventory(_ addon: String) async throws -> Inventory? {
        if let known = await state.inventory(addon) { return known }
        let loaded = try await inventories.load(addon: addon)
        if let loaded {
            await state.setInventory(loaded, for: addon)
            for member in loaded.members {
                if let fields = member.appliedFields {
                    await state.adoptExpected(fields, content: member.content, by: addon, for: member.reference)
                }
            }
        }
        return loaded
    }

    /// The rendered object with its ApplySet membership label (ownership labels come from the catalog).
    @Sendable static func labelled(_ object: KubeObject, addon: String) -> KubeObject {
        var object = object
        var labels = object.labels
        labels["applyset.kubernetes.io/part-of"] = InventoryStore.applySetID(addon: addon)
        object.labels = labels
        return object
    }

    // MARK: Blocked, removed, unreachable

    private func reportBlocked(addon: String, reason: String, message: String, cluster: KubeObject) async throws -> ReconcileResult {
        let current = try await reporter.currentStatus(addon: addon, cluster: cluster)
        var status = current ?? ClusterAddonStatus(phase: .failed)
        if current?.appliedVersion == nil { status.phase = .failed }
        status.conditions = Condition.merge([
            Condition(type: "Applied", status: .false, reason: reason, message: message),
            Condition(type: "Progressing", status: .false, reason: reason, message: "left as it is: \(message)"),
        ], into: status.conditions)
        if status.condition("Healthy") == nil {
            status.conditions.append(Condition(type: "Healthy", status: .false, reason: reason, message: message))
        }
        try await reporter.report(status, addon: addon, cluster: cluster)
        return .done
    }

    /// Removes a disabled addon: its objects (per delete policy, reverse of dependency order),
    /// its inventory, then its ClusterAddon.
    private func remove(addon: String, cluster: KubeObject, catalog: Catalog, desired: DesiredAddons.Result) async throws -> ReconcileResult {
        // Dependents go first: wait while an addon that depends on this one is still there.
        for (other, plan) in desired.plans {
            guard case .remove = plan, other != addon, let status = await state.status(other), let version = status.appliedVersion.flatMap(SemanticVersion.init),
                let definition = catalog.definition(name: other, version: version), definition.dependencies.contains(where: { $0.name == addon }) else { continue }
            return .requeue(after: pollInterval)
        }
        // Not tried on a cluster found silent, as for an install (nothing is pruned meanwhile).
        if let outage = await state.unreachableReport {
            if let current = try await reporter.currentStatus(addon: addon, cluster: cluster) {
                try await reportIfUnreachable(ClusterUnreachable(since: outage.since, lastError: outage.error), addon: addon, cluster: cluster, status: current)
            }
            return .requeue(after: pollInterval * 5)
        }
        do {
            if let inventory = try await loadInventory(addon) {
                let version = SemanticVersion(inventory.version)
                let policy = version.flatMap { catalog.definition(name: addon, version: $0)?.deletePolicy } ?? .default
                let pruned = try await Pruner(client: workload, logger: logger).prune(inventory.members.reversed(), addon: addon, policy: policy)
                metrics.recordPrune(objects: pruned.deleted.count)
                // Deleted, or left behind by the delete policy: no longer ours to check.
                for reference in pruned.deleted + pruned.kept { await state.setExpected(nil, for: reference) }
                try await inventories.delete(addon: addon)
                await events.record(cluster: cluster, addon: addon, type: .normal, reason: "Removed",
                                    message: "removed \(pruned.deleted.count) objects, kept \(pruned.kept.count) by delete policy")
                logger.info("addon removed", metadata: ["cluster": "\(cluster.namespace ?? "")/\(cluster.name)", "addon": "\(addon)", "deleted": "\(pruned.deleted.count)", "kept": "\(pruned.kept.count)"])
            }
            await state.setInventory(nil, for: addon)
            await state.contact()
        } catch {
            if let current = try await reporter.currentStatus(addon: addon, cluster: cluster) {
                try await reportIfUnreachable(error, addon: addon, cluster: cluster, status: current)
                if !Self.isUnreachable(error) { try await reportRemoveFailed(error, addon: addon, cluster: cluster, status: current) }
            }
            throw error
        }
        try await reporter.remove(addon: addon, cluster: cluster)
        return .done
    }

    /// A removal that failed for another reason than a silent cluster (a refused or failed
    /// delete, an inventory that cannot be read): the ClusterAddon says so, with a warning Event
    /// once per distinct message, instead of only the log. Its objects still run: the phase stays.
    private func reportRemoveFailed(_ error: any Error, addon: String, cluster: KubeObject, status current: ClusterAddonStatus) async throws {
        let message = "removing the addon failed, retrying: \(error)"
        var status = current
        status.conditions = Condition.merge([Condition(type: "Progressing", status: .true, reason: "RemoveFailed", message: message)], into: current.conditions)
        if current.condition("Progressing")?.message != message {
            await events.record(cluster: cluster, addon: addon, type: .warning, reason: "RemoveFailed", message: "\(error)")
        }
        try await reporter.report(status, addon: addon, cluster: cluster)
    }

    /// Whether an error says the cluster did not answer (rather than answered with a refusal).
    private static func isUnreachable(_ error: any Error) -> Bool {
        (error as? KubernetesError)?.kind.isTransport ?? (error as? ApplyFailure)?.isUnreachable ?? (error is ClusterUnreachable)
    }

    /// After the grace period without an answer, the addon's health is `Unknown`. Nothing is
    /// pruned meanwhile; the queue backs off and the controller recovers by itself.
    private func reportIfUnreachable(_ error: any Error, addon: String, cluster: KubeObject, status: ClusterAddonStatus) async throws {
        guard Self.isUnreachable(error) else {
            await state.recordError("\(error)")
            return
        }
        let since: Date
        if let known = error as? ClusterUnreachable {
            since = known.since
        } else {
            since = await state.unreachable(error: "\(error)")
        }
        guard Date().timeIntervalSince(since) >= Double(unreachableGrace.components.seconds) else { return }
        var status = status
        status.phase = .unknown
        status.conditions = Condition.merge([
            Condition(type: "Healthy", status: .unknown, reason: "ClusterUnreachable", message: "the cluster has not answered since \(KubeTime.format(since)): \(error)"),
        ], into: status.conditions)
        try await reporter.report(status, addon: addon, cluster: cluster)
    }
}

/// The cluster's API has not answered (seen by the reachability probe or a failed request).
struct ClusterUnreachable: Error, CustomStringConvertible {
    var since: Date
    var lastError: String
    var description: String { lastError }
}
