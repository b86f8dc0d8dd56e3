import AddonCatalog
import Foundation
import KubernetesModel

/// The rollout's decisions as pure functions of what the driver observed: when a rollout
/// starts or is superseded (`begin`), and one step of a running one (`step`): which admitted
/// clusters are updated or failed, whether failures exceed a wave's budget (pause or roll
/// back), which clusters are admitted next, when a wave's soak is over. The driver calls it on
/// every pass and writes what changed; tests call it with a table of fleets and clocks.
public enum RolloutPlanner {
    /// Something worth an Event on the AddonRollout.
    public struct Note: Sendable, Equatable {
        public var warning: Bool
        public var reason: String
        public var message: String
    }

    /// The rollout to run for a channel's version of an addon, given the one recorded (nil: none
    /// yet). Nil when the recorded one already targets `target`.
    /// - A first record: Completed when every member already runs `target` or nothing yet
    ///   (a fleet starting, or a manager meeting its catalog for the first time); otherwise a
    ///   rollout from the version most members run.
    /// - A newer target supersedes a running rollout: clusters it updated keep what they run
    ///   until the new one admits them.
    public static func begin(channel: String, addon: String, target: SemanticVersion, recorded: AddonRollout?, members: [RolloutMember],
                             now: Date) -> (AddonRollout, Note)? {
        if let recorded, recorded.to == target { return nil }
        let baseline: SemanticVersion?
        if let recorded {
            baseline = recorded.phase == .completed ? recorded.to : (recorded.from ?? recorded.to)
        } else {
            var counts: [SemanticVersion: Int] = [:]
            for member in members { if let applied = member.applied, applied != target { counts[applied, default: 0] += 1 } }
            baseline = counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
        }
        var rollout = AddonRollout(channel: channel, addon: addon, from: baseline, to: target)
        rollout.attempt = recorded?.attempt ?? 0
        // Paused by a person: the new version waits for a person too.
        rollout.paused = recorded?.paused ?? false
        rollout.observedAttempt = rollout.attempt
        rollout.startedAt = now
        if recorded == nil, baseline == nil {
            rollout.phase = .completed
            rollout.completedAt = now
            rollout.message = "every cluster runs \(target) or is about to"
            return (rollout, Note(warning: false, reason: "Recorded", message: rollout.message))
        }
        rollout.message = "rolling out \(addon) \(baseline.map { "\($0) → " } ?? "")\(target) on channel \(channel)"
        if let recorded, recorded.phase != .completed {
            return (rollout, Note(warning: false, reason: "Superseded", message: "\(recorded.to) superseded by \(target) before it completed; \(rollout.message)"))
        }
        return (rollout, Note(warning: false, reason: "Started", message: rollout.message))
    }

    /// One pass over a rollout: the new record and what happened.
    public static func step(_ current: AddonRollout, waves: [RolloutWave], members: [RolloutMember], now: Date) -> (AddonRollout, [Note]) {
        var r = current
        r.admissionIndex = nil
        var notes: [Note] = []
        let byCluster = Dictionary(members.map { ($0.cluster, $0) }, uniquingKeysWith: { a, _ in a })
        // Positions follow names: waves added or removed meanwhile do not skip anyone.
        if let name = r.waveName, let index = waves.firstIndex(where: { $0.name == name }) { r.waveIndex = index }
        if r.phase != .completed { r.waveIndex = min(max(0, r.waveIndex), waves.count - 1) }

        // Someone asked to resume (`attempt` raised): failed clusters get another try; a
        // rolled-back rollout starts over.
        if r.attempt != r.observedAttempt {
            r.observedAttempt = r.attempt
            if r.phase == .rolledBack {
                r.admissions = []
                r.waveIndex = 0
            } else {
                // Another try, with a new deadline; the version to return to stays.
                for index in r.admissions.indices where r.admissions[index].state == .failed {
                    r.admissions[index].state = .updating
                    r.admissions[index].admittedAt = now
                    r.admissions[index].reason = nil
                    r.admissions[index].message = nil
                }
            }
            r.waveCompletedAt = nil
            r.failures = []
            if r.phase != .completed {
                r.phase = .progressing
                r.message = "resumed (attempt \(r.attempt))"
                notes.append(Note(warning: false, reason: "Resumed", message: r.message))
            }
        }
        if r.phase == .completed || r.phase == .rolledBack { return (r, notes) }
        if r.rollback {
            r.phase = .rolledBack
            r.message = "rolled back on request: clusters it updated return to the version they ran before"
            notes.append(Note(warning: true, reason: "RolledBack", message: r.message))
            return (r, notes)
        }

        // How the admitted clusters are doing. A cluster that left (deleted, pinned, moved to
        // another channel) is no longer the rollout's.
        r.admissions = r.admissions.compactMap { admission in
            guard let member = byCluster[admission.cluster] else { return nil }
            var a = admission
            a.wave = member.wave
            let deadline = waves[min(a.wave, waves.count - 1)].progressDeadlineSeconds
            switch a.state {
            case .updating:
                if member.isHealthy(on: r.to) {
                    a.state = .updated
                } else if member.hasFailed(on: r.to, since: a.admittedAt) {
                    a.state = .failed
                    a.reason = "Addon\(member.phase ?? "Failed")"
                    a.message = "\(r.addon) \(r.to) is \(member.phase ?? "Failed"): \(member.message ?? "")"
                } else if now.timeIntervalSince(a.admittedAt) > deadline {
                    a.state = .failed
                    a.reason = "ProgressDeadlineExceeded"
                    a.message = "not Healthy on \(r.to) within \(Int(deadline)) s (phase \(member.phase ?? "none")\(member.message.map { ": \($0)" } ?? ""))"
                }
            case .updated:
                if member.hasFailed(on: r.to) {
                    a.state = .failed
                    a.reason = "BecameUnhealthy"
                    a.message = "\(r.addon) \(r.to) was Healthy, now \(member.phase ?? "Failed"): \(member.message ?? "")"
                }
            case .failed:
                break
            }
            if a.state == .failed, admission.state != .failed {
                notes.append(Note(warning: true, reason: "ClusterFailed", message: "\(a.cluster): \(a.message ?? "")"))
            }
            return a
        }

        // Failures beyond a wave's budget stop the rollout.
        for index in 0...min(r.waveIndex, waves.count - 1) {
            let wave = waves[index]
            let size = members.filter { $0.wave == index }.count
            let failed = r.admissions.filter { $0.wave == index && $0.state == .failed }
            let tolerated = wave.maxFailures.tolerated(of: size)
            guard failed.count > tolerated else { continue }
            r.failures = failed
            let why = "wave \(wave.name): \(failed.count) of \(size) clusters failed (tolerates \(wave.maxFailures)): "
                + failed.prefix(3).map { "\($0.cluster) \($0.reason ?? "")" }.joined(separator: ", ")
            switch wave.onFailure {
            case .pause:
                if r.phase != .paused || r.message != "paused: " + why {
                    r.phase = .paused
                    r.message = "paused: " + why
                    notes.append(Note(warning: true, reason: "Paused", message: r.message))
                }
            case .rollback:
                r.phase = .rolledBack
                r.message = "rolled back: " + why
                notes.append(Note(warning: true, reason: "RolledBack", message: r.message))
            }
            return (r, notes)
        }
        if r.paused {
            if r.phase != .paused || !r.message.hasPrefix("paused on request") {
                r.phase = .paused
                r.message = "paused on request (spec.paused); nothing more is admitted"
                notes.append(Note(warning: false, reason: "Paused", message: r.message))
            }
            return (r, notes)
        }
        if r.phase == .paused {
            // Paused for failures that are gone (a resume dropped them): go on.
            r.phase = .progressing
            r.message = "progressing"
        }

        // Admit and advance, wave after wave (an empty or finished wave passes at once).
        let ordered = members.sorted { ($0.wave, $0.cluster) < ($1.wave, $1.cluster) }
        var admitted = Set(r.admissions.map(\.cluster))
        while r.waveIndex < waves.count {
            let wave = waves[r.waveIndex]
            var updating = r.admissions.filter { $0.state == .updating }.count
            var pending = false
            var started = false
            for member in ordered where member.wave <= r.waveIndex && !admitted.contains(member.cluster) {
                // The version to return it to on rollback: what it ran, unless that is already the new one.
                let from = member.applied == r.to ? nil : member.applied
                if member.isHealthy(on: r.to) {
                    r.admissions.append(.init(cluster: member.cluster, wave: member.wave, from: from, admittedAt: now, state: .updated))
                } else if updating < wave.concurrency {
                    r.admissions.append(.init(cluster: member.cluster, wave: member.wave, from: from, admittedAt: now, state: .updating))
                    updating += 1
                    started = true
                } else {
                    pending = true
                    continue
                }
                admitted.insert(member.cluster)
            }
            // A cluster that joined a finished wave: its soak starts again once it is updated.
            if started { r.waveCompletedAt = nil }
            guard !pending, updating == 0 else { break }
            let hadMembers = members.contains { $0.wave == r.waveIndex }
            if r.waveCompletedAt == nil {
                r.waveCompletedAt = now
                if hadMembers {
                    notes.append(Note(warning: false, reason: "WaveCompleted",
                                      message: "wave \(wave.name) updated" + (wave.soakSeconds > 0 ? "; soaking \(Int(wave.soakSeconds)) s before the next wave" : "")))
                }
            }
            guard !hadMembers || now.timeIntervalSince(r.waveCompletedAt!) >= wave.soakSeconds else { break }
            r.waveIndex += 1
            r.waveCompletedAt = nil
            if r.waveIndex < waves.count, members.contains(where: { $0.wave == r.waveIndex }) {
                notes.append(Note(warning: false, reason: "WaveStarted", message: "wave \(waves[r.waveIndex].name) started"))
            }
        }
        r.waveName = r.waveIndex < waves.count ? waves[r.waveIndex].name : nil
        if r.waveIndex >= waves.count {
            r.phase = .completed
            r.completedAt = now
            r.failures = r.admissions.filter { $0.state == .failed }
            r.admissions = []
            r.message = "every cluster on channel \(r.channel) runs \(r.addon) \(r.to)"
            notes.append(Note(warning: false, reason: "Completed", message: r.message))
        } else {
            r.message = "wave \(waves[r.waveIndex].name)" + (r.waveCompletedAt.map { at in
                "soaking until \(KubeTime.format(at.addingTimeInterval(waves[r.waveIndex].soakSeconds)))" }.map { ": " + $0 } ?? ": updating")
        }
        return (r, notes)
    }
}
