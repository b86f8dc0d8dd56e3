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
public actor OwnedObjects {
    private let client: any ObjectReader & ObjectWatcher
    private let logger: Logger
    private let onChange: @Sendable (String) async -> Void
    private let onContact: (@Sendable () async -> Void)?
    private var informers: [GroupVersionKind: (informer: Informer, task: Task<Void, Never>)] = [:]
    private var stopped = false

    /// - onContact: the cluster answered (a list or a watch event): see `Informer`'s `onAlive`.
    public init(client: any ObjectReader & ObjectWatcher, logger: Logger, onContact: (@Sendable () async -> Void)? = nil,
                onChange: @escaping @Sendable (_ addon: String) async -> Void) {
        self.onContact = onContact
        self.client = client
        self.logger = logger
        self.onChange = onChange
    }

    /// Starts watching these kinds (those not watched yet) and waits until their caches are filled.
    public func watch(_ kinds: Set<GroupVersionKind>) async {
        guard !stopped else { return }
        var started: [Informer] = []
        for kind in kinds.sorted() where informers[kind] == nil {
            let onChange = self.onChange
            let informer = Informer(
                kind: kind, labelSelector: "\(OwnershipLabels.managedByKey)=\(OwnershipLabels.managedByValue)",
                client: client, resyncPeriod: nil, storage: .compact, transform: ObservedObject.kept,
                fingerprint: ObservedObject.contentFingerprint(of:), onAlive: onContact, logger: logger
            ) { event in
                if let addon = event.object.labels[OwnershipLabels.addonNameKey] { await onChange(addon) }
            }
            let task = Task { await informer.run() }
            informers[kind] = (informer, task)
            started.append(informer)
        }
        // A kind whose list keeps failing (not served yet) must not hold the reconcile: health
        // then falls back to reading the object.
        for informer in started { _ = await informer.waitForSync(timeout: .seconds(10)) }
    }

    /// The object as last seen, when its kind is watched; `.notWatched` otherwise. What the
    /// cache keeps of it (`ObservedObject.kept`): what health reads, not the whole object.
    public func lookup(_ kind: GroupVersionKind, namespace: String?, name: String) async -> Lookup {
        guard let informer = await syncedInformer(for: kind) else { return .notWatched }
        if let object = await informer.cache.get(namespace: namespace, name: name) { return .found(object) }
        return .missing
    }

    /// The fingerprint of the object's content as last seen (`ObservedObject.contentFingerprint`;
    /// nil: not watched, not synced, or missing), without decoding it.
    public func contentFingerprint(_ kind: GroupVersionKind, namespace: String?, name: String) async -> String? {
        await syncedInformer(for: kind)?.cache.fingerprint(namespace: namespace, name: name)
    }

    /// The resourceVersion of the object as last seen (nil: not watched, not synced, or missing),
    /// without decoding it.
    public func resourceVersion(_ kind: GroupVersionKind, namespace: String?, name: String) async -> String? {
        await syncedInformer(for: kind)?.cache.resourceVersion(namespace: namespace, name: name)
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

    public var watchedKinds: Set<GroupVersionKind> { Set(informers.keys) }

    public func stop() {
        stopped = true
        for (_, entry) in informers { entry.task.cancel() }
        informers.removeAll()
    }
}
