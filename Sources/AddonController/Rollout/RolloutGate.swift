import AddonCatalog
import KubernetesModel

/// Which version of an addon one cluster runs while its channel's version moves: what the
/// rollouts decided, read by the cluster's controller on every reconcile (a pure function).
///
/// - No rollout recorded yet (the driver has not seen the channel change): the cluster keeps
///   what it runs; an addon it does not run yet gets the channel's version.
/// - The channel names another version than the recorded rollout (the driver is about to start
///   the next one): the cluster keeps what it runs; a new one gets the version last settled.
/// - A rollout whose status was written for another target (just started or superseded, the
///   driver between its two writes) reads as admitting nobody: the cluster keeps what it runs.
/// - Completed: the channel's version.
/// - Progressing or Paused: a cluster the rollout admitted gets the new version; one not
///   admitted keeps what it runs; a new cluster gets the new version when its wave is done,
///   the old one otherwise.
/// - RolledBack: an admitted cluster returns to the version it ran before; the others keep theirs.
public struct RolloutGate: Sendable {
    /// The channel's rollouts by addon.
    public var rollouts: [String: AddonRollout]
    /// What the cluster runs, by addon (its ClusterAddons' applied versions).
    public var installed: [String: SemanticVersion]

    public init(rollouts: [String: AddonRollout], installed: [String: SemanticVersion]) {
        self.rollouts = rollouts
        self.installed = installed
    }

    /// - Parameters:
    ///   - cluster: `namespace/name`.
    ///   - wave: the cluster's wave index among the channel's effective waves.
    public func version(of addon: String, channelVersion: SemanticVersion, cluster: String, wave: Int) -> SemanticVersion {
        let installed = installed[addon]
        guard let rollout = rollouts[addon] else { return installed ?? channelVersion }
        guard rollout.to == channelVersion else {
            return installed ?? (rollout.phase == .completed ? rollout.to : rollout.from ?? rollout.to)
        }
        let admission = rollout.admission(of: cluster)
        switch rollout.phase {
        case .completed:
            return channelVersion
        case .rolledBack:
            if let admission { return admission.from ?? rollout.from ?? installed ?? channelVersion }
            // Not (or no longer) admitted, yet on the version rolled back: back too.
            if let installed, installed != rollout.to { return installed }
            return rollout.from ?? installed ?? channelVersion
        case .progressing, .paused:
            if admission != nil { return channelVersion }
            if let installed { return installed }
            return wave < rollout.waveIndex ? channelVersion : rollout.from ?? channelVersion
        }
    }
}
