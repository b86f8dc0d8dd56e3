import AddonCatalog
import ControllerRuntime
import KubernetesClient
import KubernetesModel
import Logging

/// Watches, in one workload cluster, every kind the addons applied, restricted to objects
/// labelled as managed by addon-manager. Health is read from these caches (no GET per object
/// per reconcile), and a change someone else makes to an owned object — an edit, a deletion —
/// wakes the reconcile of the addon that owns it within moments. The caches keep what health
/// reads and a fingerprint of the rest (`ObservedObject`), not whole objects.
///
/// Kinds that carry no status health reads are polled rather than watched when a drift poll
/// interval is set (`OwnedKindPolling`): a change to them wakes the reconcile at the next poll.
/// Until a poll that began after the controller's own apply of such an object has completed,
/// what the cluster answered to the apply stands in for the cache's older copy (`applyEnded`), so
/// that a reconcile meanwhile neither reads the object again nor finds it missing.
public actor OwnedObjects {
    private let client: any ObjectReader & ObjectWatcher
    private let logger: Logger
    private let onChange: @Sendable (String) async -> Void
    private let onContact: (@Sendable () async -> Void)?
    private let driftPollInterval: Duration?
    /// Each followed kind's informer, and `sequence` when it started.
    private var informers: [GroupVersionKind: (informer: Informer, since: UInt64)] = [:]
    /// The kinds' informers run in one task (see `InformerGroup`), from the first `watch` on.
    private let group = InformerGroup()
    private var groupTask: Task<Void, Never>?
    /// Answers to our applies of objects of polled kinds, until their kind's next poll.
    private var answered: [ObjectReference: Answer] = [:]
    /// Counts informers started and changes polls delivered; which objects changed while
    /// applies were in flight, as of when.
    private var sequence: UInt64 = 0
    private var appliesInFlight = 0
    private var changedDuringApplies: [ObjectReference: UInt64] = [:]
    private var stopped = false

    /// - onContact: the cluster answered (a list or a watch event): see `Informer`'s `onAlive`.
    /// - driftPollInterval: how often kinds without a status are polled (nil: every kind is
    ///   watched); see `OwnedKindPolling`.
    public init(client: any ObjectReader & ObjectWatcher, logger: Logger, driftPollInterval: Duration? = nil,
                onContact: (@Sendable () async -> Void)? = nil, onChange: @escaping @Sendable (_ addon: String) async -> Void) {
        self.onContact = onContact
        self.client = client
        self.logger = logger
        self.driftPollInterval = driftPollInterval
        self.onChange = onChange
    }

    /// Starts following these kinds (those not followed yet, and polled ones a health rule now
    /// names: watched from then on, never polled again) and waits until their caches are filled.
    /// - ruleKinds: kinds a health rule names: watched even when statusless.
    public func watch(_ kinds: Set<GroupVersionKind>, ruleKinds: Set<GroupKind> = []) async {
        guard !stopped else { return }
        var started: [Informer] = []
        for kind in kinds.sorted() {
            let following = OwnedKindPolling.following(kind.groupKind, interval: driftPollInterval, ruleKinds: ruleKinds)
            if let existing = informers[kind] {
                // Polled until now and named by a health rule since: watched from now on.
                guard existing.informer.following != following, following == .watching else { continue }
                group.remove(existing.informer)
                answered = answered.filter { $0.key.groupKind != kind.groupKind }
            }
            let onChange = self.onChange
            let informer = Informer(
                kind: kind, labelSelector: Self.managedSelector,
                client: client, resyncPeriod: nil, following: following, storage: .compact, transform: ObservedObject.kept,
                fingerprint: ObservedObject.contentFingerprint(of:), onAlive: onContact, logger: logger
            ) { [weak self] event in
                if case .polling = following { await self?.polledChange(of: event.object) }
                if let addon = event.object.labels[OwnershipLabels.addonNameKey] { await onChange(addon) }
            }
            group.add(informer)
            sequence += 1
            informers[kind] = (informer, sequence)
            started.append(informer)
        }
        if groupTask == nil, !started.isEmpty {
            let group = self.group
            groupTask = Task { await group.run() }
        }
        // A kind whose list keeps failing (not served yet) must not hold the reconcile: health
        // then falls back to reading the object.
        for informer in started { _ = await informer.waitForSync(timeout: .seconds(10)) }
    }

    /// An apply is about to be sent: the mark to hand to `applyEnded` with its answers.
    public func applyStarting() -> UInt64 {
        appliesInFlight += 1
        return sequence
    }

    /// The apply's answers are in: the mark to hand to `applyEnded` as `answered` (kinds followed
    /// from then on list after the apply landed).
    public func applyAnswered() -> UInt64 { sequence }

    /// An apply ended (`answers`: what the cluster answered, empty when it failed). For objects
    /// of polled kinds, the answer stands in for the cache's copy until a poll that began after
    /// it has completed (the cache then has it, or something newer), or until a poll delivers a
    /// change of the object. An object of which a poll delivered a change since `mark` may have
    /// changed after the answer (a deletion right after the apply, say): until the next poll it
    /// is read rather than taken from the cache or the answer. An answer the cache already
    /// agrees with (an apply that changed nothing) is not kept. Watched kinds are left to their
    /// watch.
    ///
    /// A kind followed only since the answers arrived (`answered`, from `applyAnswered`) listed
    /// after the apply landed: its cache is newer, and trusted. (One followed since the apply
    /// began, by another addon's reconcile, may have listed before it landed: its first list's
    /// objects count as changed during the apply.)
    public func applyEnded(since mark: UInt64, answered answeredMark: UInt64, answers: [KubeObject]) async {
        retireSettledAnswers()
        for object in answers {
            guard let (informer, since) = informers[object.groupVersionKind], case .polling = informer.following, since <= answeredMark else { continue }
            let fingerprint = ObservedObject.contentFingerprint(of: object)
            let cached = await informer.cache.fingerprint(namespace: object.namespace, name: object.name)
            // (The kind may have become watched meanwhile.)
            guard informers[object.groupVersionKind]?.informer === informer else { continue }
            if (changedDuringApplies[object.reference] ?? 0) > mark {
                answered[object.reference] = Answer(object: nil, fingerprint: nil, poll: informer.latestPoll)
            } else if cached == fingerprint {
                answered.removeValue(forKey: object.reference)
            } else {
                answered[object.reference] = Answer(object: ObservedObject.kept(object), fingerprint: fingerprint, poll: informer.latestPoll)
            }
        }
        appliesInFlight -= 1
        if appliesInFlight == 0 { changedDuringApplies.removeAll() }
    }

    /// Drops the answers a completed poll has made stale (those nobody looked up since).
    private func retireSettledAnswers() {
        answered = answered.filter { reference, answer in
            guard let informer = informers.first(where: { $0.key.groupKind == reference.groupKind })?.value.informer,
                  case .polling = informer.following else { return false }
            return informer.lastCompletedPoll <= answer.poll
        }
    }

    /// A poll delivered a change of `object`: the cache knows it from now on.
    private func polledChange(of object: KubeObject) {
        sequence += 1
        answered.removeValue(forKey: object.reference)
        if appliesInFlight > 0 { changedDuringApplies[object.reference] = sequence }
    }

    /// What an apply's answer says of an object of a polled kind, while it still stands in for
    /// the cache (see `applyEnded`).
    private struct Answer {
        /// The object as the cache would keep it; nil: unsettled, read it.
        var object: KubeObject?
        var fingerprint: String?
        /// The informer's latest poll when the answer was kept.
        var poll: UInt64
    }

    private enum Seen {
        case cache(Informer)
        case answer(Answer)
    }

    /// Where an object's state is to be taken from: an apply's answer still standing, or the
    /// cache (nil: the kind is not followed, or not synced yet).
    private func seen(_ kind: GroupVersionKind, namespace: String?, name: String) async -> Seen? {
        guard let informer = await syncedInformer(for: kind) else { return nil }
        let reference = ObjectReference(groupKind: kind.groupKind, namespace: namespace, name: name)
        guard case .polling = informer.following, let answer = answered[reference] else { return .cache(informer) }
        if informer.lastCompletedPoll > answer.poll {
            answered.removeValue(forKey: reference)
            return .cache(informer)
        }
        return .answer(answer)
    }

    /// The object as last seen, when its kind is followed (watched or polled) and synced;
    /// `.notWatched` otherwise, or while an object of a polled kind is unsettled (read it). What
    /// the cache keeps of it (`ObservedObject.kept`): what health reads, not the whole object;
    /// for a polled kind, the answer to our last apply of it until the next poll.
    public func lookup(_ kind: GroupVersionKind, namespace: String?, name: String) async -> Lookup {
        switch await seen(kind, namespace: namespace, name: name) {
        case nil: return .notWatched
        case .answer(let answer): return answer.object.map { .found($0) } ?? .notWatched
        case .cache(let informer):
            if let object = await informer.cache.get(namespace: namespace, name: name) { return .found(object) }
            return .missing
        }
    }

    /// The fingerprint of the object's content as last seen (`ObservedObject.contentFingerprint`;
    /// nil: not followed, not synced, missing, or unsettled), without decoding it.
    public func contentFingerprint(_ kind: GroupVersionKind, namespace: String?, name: String) async -> String? {
        switch await seen(kind, namespace: namespace, name: name) {
        case nil: return nil
        case .answer(let answer): return answer.fingerprint
        case .cache(let informer): return await informer.cache.fingerprint(namespace: namespace, name: name)
        }
    }

    /// The resourceVersion of the object as last seen (nil: not followed, not synced, missing,
    /// or unsettled), without decoding it.
    public func resourceVersion(_ kind: GroupVersionKind, namespace: String?, name: String) async -> String? {
        switch await seen(kind, namespace: namespace, name: name) {
        case nil: return nil
        case .answer(let answer): return answer.object?.resourceVersion
        case .cache(let informer): return await informer.cache.resourceVersion(namespace: namespace, name: name)
        }
    }

    /// The informer of this kind (or of another version of it) once its first list is in.
    private func syncedInformer(for kind: GroupVersionKind) async -> Informer? {
        guard let entry = informers[kind] ?? informers.first(where: { $0.key.groupKind == kind.groupKind })?.value,
              await entry.informer.hasSynced else { return nil }
        return entry.informer
    }

    public enum Lookup: Sendable {
        case found(KubeObject)
        case missing
        case notWatched
    }

    /// One copy for every informer of the fleet (built in each, it was a heap string each).
    private static let managedSelector = "\(OwnershipLabels.managedByKey)=\(OwnershipLabels.managedByValue)"

    public var watchedKinds: Set<GroupVersionKind> { Set(informers.keys) }

    /// How each followed kind is followed: watched, or polled (see `OwnedKindPolling`).
    public var following: [GroupVersionKind: Informer.Following] { informers.mapValues(\.informer.following) }

    public func stop() {
        stopped = true
        groupTask?.cancel()
        groupTask = nil
        informers.removeAll()
        answered.removeAll()
    }
}
