import Foundation
import AddonCatalog
import KubernetesModel

/// A cluster a rollout covers (on its channel, wanting the addon, not pinned, not paused), as
/// the driver sees it: its wave and its ClusterAddon's state.
public struct RolloutMember: Sendable, Equatable {
    /// `namespace/name` of the Cluster.
    public var cluster: String
    /// Index into the channel's effective waves (`RolloutWaves.effective`).
    public var wave: Int
    public var applied: SemanticVersion?
    public var desired: SemanticVersion?
    /// The ClusterAddon's phase (Healthy, Progressing, Degraded, Failed, Unknown), nil when it has none.
    public var phase: String?
    /// The ClusterAddon's Healthy condition message.
    public var message: String?
    /// When the manager last applied the addon there (`status.lastAppliedTime`).
    public var lastApplied: Date?

    public init(cluster: String, wave: Int, applied: SemanticVersion? = nil, desired: SemanticVersion? = nil, phase: String? = nil, message: String? = nil,
                lastApplied: Date? = nil) {
        self.lastApplied = lastApplied
        self.cluster = cluster
        self.wave = wave
        self.applied = applied
        self.desired = desired
        self.phase = phase
        self.message = message
    }

    func isHealthy(on version: SemanticVersion) -> Bool { applied == version && phase == "Healthy" }

    func hasFailed(on version: SemanticVersion) -> Bool { desired == version && (phase == "Failed" || phase == "Degraded") }

    /// Failed on `version` since `admitted`: a failure reported before (a cluster given another
    /// try by a resume, whose addon was not applied again) does not count; its deadline does.
    func hasFailed(on version: SemanticVersion, since admitted: Date) -> Bool {
        guard hasFailed(on: version) else { return false }
        guard let lastApplied else { return true }
        return lastApplied >= admitted.addingTimeInterval(-1)  // times in the API are whole seconds
    }
}

/// The waves a channel's rollouts go through: the channel's own, then one for the clusters no
/// wave selects ("unmatched", last, with the last wave's limits); a channel without waves has
/// one, "all", that takes every cluster at once.
public enum RolloutWaves {
    public static let unmatched = "unmatched"

    public static func effective(_ waves: [RolloutWave]) -> [RolloutWave] {
        guard let last = waves.last else {
            return [RolloutWave(name: "all", selector: LabelSelector(), concurrency: Int.max, soakSeconds: 0)]
        }
        var tail = last
        tail.name = unmatched
        tail.selector = LabelSelector()
        tail.soakSeconds = 0
        return waves + [tail]
    }

    /// The first wave whose selector matches; the "unmatched" wave otherwise.
    public static func index(of labels: [String: String], in effective: [RolloutWave]) -> Int {
        for (index, wave) in effective.dropLast().enumerated() where wave.selector.matches(labels) { return index }
        return effective.count - 1
    }
}
