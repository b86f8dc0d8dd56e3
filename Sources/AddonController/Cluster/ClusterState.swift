import AddonCatalog
import Foundation
import KubernetesClient
import KubernetesModel

/// What one per-cluster controller remembers between reconciles: the latest Cluster object,
/// inventories, the server's answer to our last apply of each object (for drift checks), the
/// statuses it last wrote, and when the cluster last answered.
public actor ClusterState {
    public private(set) var cluster: KubeObject
    var inventories: [String: Inventory] = [:]
    /// What is remembered of each object applied: the fingerprint of our applied fields as the
    /// server answered them, and what was last found of it at which content and resourceVersion.
    var applied = AppliedObjectMemos()
    var statuses: [String: ClusterAddonStatus] = [:]
    /// The Cluster status this controller last wrote (conditions and addon summary).
    var clusterStatus: JSONValue?
    var lastContact: Date?
    /// When the workload client last had an answer (any 2xx, anything on a watch, bookmarks
    /// included): read only for `summary`, so that an idle cluster costs nothing to keep current.
    private var lastAnswered: (@Sendable () -> ContinuousClock.Instant?)?
    private(set) var unreachableSince: Date?
    private(set) var lastError: String?
    var lastReconcile: Date?

    public init(cluster: KubeObject) { self.cluster = cluster }

    func update(cluster: KubeObject) {
        self.cluster = cluster
        parsedSpec = nil
    }

    /// The Cluster's spec as last read from `cluster` (every reconcile of every addon asks;
    /// it is read again only when a newer Cluster object arrives).
    private var parsedSpec: (sharedSecretNamespaces: Set<String>, spec: Result<ClusterSpec, ClusterSpecError>)?

    /// The Cluster object and its spec, as one (a newer object may arrive between two reads).
    func clusterAndSpec(sharedSecretNamespaces: Set<String>) -> (cluster: KubeObject, spec: Result<ClusterSpec, ClusterSpecError>) {
        if let parsedSpec, parsedSpec.sharedSecretNamespaces == sharedSecretNamespaces { return (cluster, parsedSpec.spec) }
        let spec = Result { () throws(ClusterSpecError) in try ClusterSpec(cluster: cluster, sharedSecretNamespaces: sharedSecretNamespaces) }
        parsedSpec = (sharedSecretNamespaces, spec)
        return (cluster, spec)
    }

    func inventory(_ addon: String) -> Inventory? { inventories[addon] }
    func setInventory(_ inventory: Inventory?, for addon: String) { inventories[addon] = inventory }
    func hasInventory(_ addon: String) -> Bool { inventories[addon] != nil }

    func expected(_ reference: ObjectReference) -> String? { applied[reference]?.fingerprint }
    /// A new fingerprint (an apply's answer, or adopted): nothing is known yet of the object
    /// carrying it. Nil: the object is no longer ours (pruned).
    func setExpected(_ fingerprint: String?, for reference: ObjectReference) { applied[reference] = fingerprint.map { AppliedObjectMemo(fingerprint: $0) } }
    /// What an earlier apply of `addon` recorded (an inventory read at start): the fingerprint of
    /// our fields and the content that carried them. Taken only when nothing is known (what this
    /// run's own apply found is newer).
    func adoptExpected(_ fingerprint: String, content: String?, by addon: String, for reference: ObjectReference) {
        guard applied[reference] == nil else { return }
        var memo = AppliedObjectMemo(fingerprint: fingerprint)
        memo.verified = content.map { ($0, addon) }
        applied[reference] = memo
    }
    /// The content (`ObservedObject.contentFingerprint`) with which `addon`'s check last found the
    /// object to carry its expected fields (nil: not since they were set, or last checked for
    /// another addon).
    func verifiedContent(_ reference: ObjectReference, by addon: String) -> String? {
        guard let verified = applied[reference]?.verified, verified.addon == addon else { return nil }
        return verified.content
    }
    /// `addon`'s check found the object with this content to carry the expected fields
    /// `fingerprint` (ignored when the expected fields have changed since it was read).
    func setVerified(content: String, fingerprint: String, by addon: String, for reference: ObjectReference) {
        guard applied[reference]?.fingerprint == fingerprint else { return }
        applied[reference]?.verified = (content, addon)
    }
    /// The object's health as found at `resourceVersion` (nil: not evaluated at that version).
    func knownHealth(_ reference: ObjectReference, at resourceVersion: String) -> ObjectHealth? {
        applied[reference]?.health(at: resourceVersion, of: reference)
    }
    /// The object's health evaluated at `resourceVersion` (kept only for an object applied).
    func setKnownHealth(_ health: ObjectHealth, at resourceVersion: String, for reference: ObjectReference) {
        applied[reference]?.remember(health, at: resourceVersion)
    }

    /// Whether `statuses` holds every ClusterAddon of this cluster (listed at start, then
    /// kept up to date by our own writes).
    private(set) var statusesLoaded = false
    func markStatusesLoaded() { statusesLoaded = true }

    func status(_ addon: String) -> ClusterAddonStatus? { statuses[addon] }
    func setStatus(_ status: ClusterAddonStatus?, for addon: String) { statuses[addon] = status }
    var allStatuses: [String: ClusterAddonStatus] { statuses }

    func setClusterStatus(_ status: JSONValue) { clusterStatus = status }

    /// The cluster's watches delivered something (a list, an event): it answers. Returns whether
    /// this is the first time (the Cluster's `ControlPlaneReachable` becomes True). When it last
    /// sent anything, bookmarks included, is the workload client's `lastAnswered`.
    @discardableResult
    func heard() -> Bool {
        defer { lastContact = Date() }
        return lastContact == nil
    }

    /// Whether the cluster has answered since this controller started.
    var hasBeenContacted: Bool { lastContact != nil }

    /// The cluster answered. `credentialsAccepted` false: it answered with a refusal of the
    /// manager's credentials or permissions (401, 403), which proves nothing about them being
    /// accepted again, so what the probe found (`credentialsRejected`) stands.
    func contact(at now: Date = Date(), credentialsAccepted: Bool = true) {
        lastContact = now
        unreachableSince = nil
        unreachableReport = nil
        if credentialsAccepted { credentialsRejected = nil }
        lastReconcile = now
    }

    /// Since when, and why, the cluster has been unreachable for longer than the grace period
    /// (nil while it answers, or while it has not been silent that long). What the Cluster's
    /// `ControlPlaneReachable` condition says; set once per outage, so that its message does not
    /// move with every failed probe.
    private(set) var unreachableReport: (since: Date, error: String)?
    func reportUnreachable(since: Date, error: String) { unreachableReport = (since, error) }

    /// Why the cluster's API refuses the manager's credentials (401 or 403 to the reachability
    /// probe); nil while it accepts them. It answers, so it is not unreachable: it is a
    /// condition of its own on the Cluster.
    private(set) var credentialsRejected: String?

    /// Why the Cluster's spec cannot be used (nil: it can). Reported on the Cluster.
    private(set) var specError: String?

    /// Records whether the spec can be used; returns whether that changed.
    func setSpecError(_ error: String?) -> Bool {
        defer { specError = error }
        if let error { lastError = error }
        return specError != error
    }

    /// The cluster's API answered, if not well (a refusal, a 5xx): it is not unreachable, so
    /// reconciles try it again and report what it answers.
    func answered() {
        unreachableSince = nil
        unreachableReport = nil
    }

    /// Records a refusal; returns whether it is new (the credentials were accepted before).
    func rejectCredentials(_ error: String) -> Bool {
        defer {
            credentialsRejected = error
            lastError = error
        }
        return credentialsRejected == nil
    }

    /// The cluster did not answer; returns since when it has not.
    func unreachable(at now: Date = Date(), error: String) -> Date {
        lastError = error
        lastReconcile = now
        if let since = unreachableSince { return since }
        unreachableSince = now
        return now
    }

    func recordError(_ error: String) {
        lastError = error
        lastReconcile = Date()
    }

    func readLastAnswered(from source: @escaping @Sendable () -> ContinuousClock.Instant?) { lastAnswered = source }

    /// A snapshot for metrics and the debug endpoint. `lastContact` is the newer of what the
    /// controller saw (its reconciles, the probe) and what the client last heard: with the probe
    /// skipped while watches deliver, the first alone stayed at the controller's first minute.
    public var summary: ClusterSummary {
        var contact = lastContact
        if let answered = lastAnswered?() {
            let heard = Date().addingTimeInterval(-answered.duration(to: .now).seconds)
            if contact.map({ heard > $0 }) ?? true { contact = heard }
        }
        return ClusterSummary(lastContact: contact, unreachableSince: unreachableSince, lastError: lastError, lastReconcile: lastReconcile,
                       phases: statuses.mapValues(\.phase), versions: statuses.compactMapValues { $0.appliedVersion ?? $0.desiredVersion },
                       addonReconciles: addonReconciles)
    }

    /// How many addon reconciles ran to their end (a resync's among them): the probe and the
    /// watches never move it.
    private(set) var addonReconciles = 0
    /// The Cluster's `metadata.generation` each addon was last reconciled against (since this
    /// controller started): what the `AddonsHealthy` condition's `observedGeneration` says.
    private var reconciledGenerations: [String: Int64] = [:]
    /// The addons the cluster wants (to install, or blocked), as last resolved: counted by
    /// `AddonsHealthy`'s `observedGeneration` before they have a status.
    private(set) var wantedAddons: Set<String> = []
    func setWantedAddons(_ addons: Set<String>) { wantedAddons = addons }

    func addonReconciled() { addonReconciles += 1 }

    /// An addon's reconcile acted on what the Cluster said at `generation`: its status written
    /// (a failure reported among them), or, the cluster paused, the addon left as it is.
    func addonObserved(_ addon: String, generation: Int64?) {
        if let generation { reconciledGenerations[addon] = generation }
    }

    /// A removed addon counts no more (enabled again, it is counted from its next reconcile).
    func forgetObserved(_ addon: String) { reconciledGenerations.removeValue(forKey: addon) }

    /// The oldest Cluster generation among the latest reconciles of `addons`: every one has seen
    /// at least that spec. Nil when one has not been reconciled since this controller started.
    func reconciledGeneration(of addons: some Sequence<String>) -> Int64? {
        var oldest: Int64?
        for addon in addons {
            guard let generation = reconciledGenerations[addon] else { return nil }
            oldest = min(oldest ?? generation, generation)
        }
        return oldest
    }
}

public struct ClusterSummary: Sendable {
    public var lastContact: Date?
    public var unreachableSince: Date?
    public var lastError: String?
    public var lastReconcile: Date?
    public var phases: [String: HealthState]
    /// The version each addon runs (or is being brought to, before its first apply).
    public var versions: [String: String]
    /// Addon reconciles that ran to their end since the controller started.
    public var addonReconciles: Int = 0
}
