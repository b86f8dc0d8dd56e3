import AddonCatalog
import Foundation
import KubernetesModel
import Testing
@testable import AddonController

/// The rollout's decisions as pure functions: which clusters are admitted, when a wave is done
/// and its soak over, when failures pause or roll back, what each cluster runs meanwhile.
@Suite struct RolloutPlannerTests {
    static let v1 = SemanticVersion("1.0.0")!
    static let v2 = SemanticVersion("2.0.0")!
    static let v3 = SemanticVersion("3.0.0")!
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func waves(soak: Double = 0, maxFailures: RolloutWave.FailureBudget = .count(0), onFailure: RolloutWave.FailureAction = .pause,
                      deadline: Double = 600) -> [RolloutWave] {
        RolloutWaves.effective([
            RolloutWave(name: "canary", selector: try! LabelSelector(parsing: "wave=canary"), concurrency: 1, soakSeconds: soak,
                        maxFailures: maxFailures, progressDeadlineSeconds: deadline, onFailure: onFailure),
            RolloutWave(name: "rest", selector: try! LabelSelector(parsing: "wave=rest"), concurrency: 2, soakSeconds: soak,
                        maxFailures: maxFailures, progressDeadlineSeconds: deadline, onFailure: onFailure),
        ])
    }

    /// c1 in canary, c2–c4 in rest, c5 in no wave (unmatched).
    static func fleet(_ versions: [String: (SemanticVersion?, String?)] = [:]) -> [RolloutMember] {
        let waves = ["p/c1": 0, "p/c2": 1, "p/c3": 1, "p/c4": 1, "p/c5": 2]
        return waves.keys.sorted().map { key in
            let (applied, phase) = versions[key] ?? (v1, "Healthy")
            return RolloutMember(cluster: key, wave: waves[key]!, applied: applied, desired: applied, phase: phase)
        }
    }

    static func started() -> AddonRollout {
        RolloutPlanner.begin(channel: "stable", addon: "a", target: v2, recorded: nil, members: fleet(), now: t0)!.0
    }

    /// Applies what the rollout admitted: admitted clusters report `phase` on v2.
    static func fleet(after rollout: AddonRollout, phase: String = "Healthy", except: [String: String] = [:]) -> [RolloutMember] {
        fleet().map { member in
            var m = member
            if rollout.admission(of: m.cluster) != nil {
                m.applied = v2
                m.desired = v2
                m.phase = except[m.cluster] ?? phase
            }
            return m
        }
    }

    @Test func aFirstRecordOfAFleetOnTheTargetIsCompleted() throws {
        let (rollout, note) = try #require(RolloutPlanner.begin(channel: "stable", addon: "a", target: Self.v1, recorded: nil, members: Self.fleet(), now: Self.t0))
        #expect(rollout.phase == .completed && note.reason == "Recorded")
        let (_, fromV1) = try #require(RolloutPlanner.begin(channel: "stable", addon: "a", target: Self.v2, recorded: nil, members: Self.fleet(), now: Self.t0))
        #expect(fromV1.reason == "Started")
        #expect(RolloutPlanner.begin(channel: "stable", addon: "a", target: Self.v1, recorded: rollout, members: Self.fleet(), now: Self.t0) == nil)
    }

    @Test func wavesGoInOrderWithTheirConcurrencyAndSoak() {
        let waves = Self.waves(soak: 60)
        var r = Self.started()
        #expect(r.from == Self.v1 && r.to == Self.v2 && r.phase == .progressing)

        // Canary: one cluster at a time; the rest wait.
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(), now: Self.t0)
        #expect(r.admissions.map(\.cluster) == ["p/c1"])
        // Healthy on v2: the wave is done, its soak starts; nothing more before it ends.
        var notes: [RolloutPlanner.Note]
        (r, notes) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(after: r), now: Self.t0 + 5)
        #expect(r.admissions.first?.state == .updated && r.waveCompletedAt == Self.t0 + 5 && r.waveIndex == 0)
        #expect(notes.map(\.reason) == ["WaveCompleted"])
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(after: r), now: Self.t0 + 30)
        #expect(r.waveIndex == 0 && r.admissions.count == 1)
        // Soaked: the next wave starts, two at a time.
        (r, notes) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(after: r), now: Self.t0 + 66)
        #expect(r.waveIndex == 1 && notes.map(\.reason) == ["WaveStarted"])
        #expect(r.admissions.map(\.cluster) == ["p/c1", "p/c2", "p/c3"])
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(after: r), now: Self.t0 + 70)
        #expect(r.admissions.map(\.cluster) == ["p/c1", "p/c2", "p/c3", "p/c4"])
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(after: r), now: Self.t0 + 75)
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(after: r), now: Self.t0 + 140)
        // The clusters no wave selects go last.
        #expect(r.waveIndex == 2 && r.admissions.last?.cluster == "p/c5")
        (r, notes) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(after: r), now: Self.t0 + 141)
        #expect(r.phase == .completed && notes.last?.reason == "Completed" && r.admissions.isEmpty)
    }

    @Test func failuresBeyondTheBudgetPauseAndNothingMoreIsAdmitted() {
        let waves = Self.waves()
        var r = Self.started()
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(), now: Self.t0)
        var notes: [RolloutPlanner.Note]
        (r, notes) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(after: r, phase: "Failed"), now: Self.t0 + 5)
        #expect(r.phase == .paused && r.admissions.map(\.cluster) == ["p/c1"])
        #expect(notes.map(\.reason) == ["ClusterFailed", "Paused"])
        #expect(r.failures.map(\.cluster) == ["p/c1"] && r.message.contains("wave canary: 1 of 1 clusters failed"))
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(after: r, phase: "Failed"), now: Self.t0 + 100)
        #expect(r.phase == .paused && r.admissions.count == 1)

        // Resume: the failed cluster is tried again (with a new deadline); its Failed status
        // from before the resume does not fail it again at once.
        r.attempt += 1
        let before = Self.fleet(after: r, phase: "Failed").map { m in var m = m; m.lastApplied = Self.t0; return m }
        (r, notes) = RolloutPlanner.step(r, waves: waves, members: before, now: Self.t0 + 101)
        #expect(r.phase == .progressing && notes.first?.reason == "Resumed" && r.admissions.map(\.cluster) == ["p/c1"])
        #expect(r.admissions.first?.state == .updating && r.admissions.first?.admittedAt == Self.t0 + 101)
    }

    @Test func aClusterNotHealthyByItsDeadlineFails() {
        let waves = Self.waves(maxFailures: .count(1), deadline: 30)
        var r = Self.started()
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(), now: Self.t0)
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(after: r, phase: "Progressing"), now: Self.t0 + 20)
        #expect(r.admissions.first?.state == .updating)
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(after: r, phase: "Progressing"), now: Self.t0 + 31)
        #expect(r.admissions.first?.state == .failed && r.admissions.first?.reason == "ProgressDeadlineExceeded")
        // Within the budget (one failure tolerated): the rollout goes on.
        #expect(r.phase == .progressing && r.waveIndex == 1)
    }

    @Test func rollbackReturnsAdmittedClustersToWhatTheyRan() {
        let waves = Self.waves(onFailure: .rollback)
        var r = Self.started()
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(), now: Self.t0)
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(after: r, phase: "Degraded"), now: Self.t0 + 5)
        #expect(r.phase == .rolledBack && r.message.hasPrefix("rolled back: wave canary"))
        let gate = RolloutGate(rollouts: ["a": r], installed: ["a": Self.v2])
        #expect(gate.version(of: "a", channelVersion: Self.v2, cluster: "p/c1", wave: 0) == Self.v1)
        let untouched = RolloutGate(rollouts: ["a": r], installed: ["a": Self.v1])
        #expect(untouched.version(of: "a", channelVersion: Self.v2, cluster: "p/c2", wave: 1) == Self.v1)
        // Terminal until someone resumes it: then it starts over.
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(), now: Self.t0 + 50)
        #expect(r.phase == .rolledBack)
        r.attempt += 1
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(), now: Self.t0 + 60)
        #expect(r.phase == .progressing && r.admissions.map(\.cluster) == ["p/c1"] && r.waveIndex == 0)
    }

    @Test func aPercentageBudgetCountsTheWavesClusters() {
        #expect(RolloutWave.FailureBudget.percent(34).tolerated(of: 3) == 1)
        #expect(RolloutWave.FailureBudget.percent(10).tolerated(of: 5) == 0)
        #expect(RolloutWave.FailureBudget.count(2).tolerated(of: 100) == 2)
    }

    @Test func theGateHoldsClustersUntilTheyAreAdmitted() {
        var r = Self.started()
        (r, _) = RolloutPlanner.step(r, waves: Self.waves(), members: Self.fleet(), now: Self.t0)
        let gate = RolloutGate(rollouts: ["a": r], installed: ["a": Self.v1])
        #expect(gate.version(of: "a", channelVersion: Self.v2, cluster: "p/c1", wave: 0) == Self.v2)
        #expect(gate.version(of: "a", channelVersion: Self.v2, cluster: "p/c2", wave: 1) == Self.v1)
        // A new cluster: the old version while its wave has not run, the new one once it has.
        let fresh = RolloutGate(rollouts: ["a": r], installed: [:])
        #expect(fresh.version(of: "a", channelVersion: Self.v2, cluster: "p/new", wave: 1) == Self.v1)
        var later = r
        later.waveIndex = 2
        #expect(RolloutGate(rollouts: ["a": later], installed: [:]).version(of: "a", channelVersion: Self.v2, cluster: "p/new", wave: 1) == Self.v2)
        // The channel moved on before the driver saw it: everyone keeps what runs.
        #expect(gate.version(of: "a", channelVersion: Self.v3, cluster: "p/c1", wave: 0) == Self.v1)
        // No rollout recorded yet: keep what runs; a first install gets the channel's version.
        let none = RolloutGate(rollouts: [:], installed: ["a": Self.v1])
        #expect(none.version(of: "a", channelVersion: Self.v2, cluster: "p/c1", wave: 0) == Self.v1)
        #expect(none.version(of: "b", channelVersion: Self.v2, cluster: "p/c1", wave: 0) == Self.v2)
    }

    /// Found end to end: the driver writes a new spec, then its status; between the two the
    /// object said "Completed" for the new version, and every cluster took it at once. Also when
    /// the status write never happens (a crash, a lost Lease): the next pass starts afresh.
    @Test func aStatusWrittenForAnotherTargetDecidesNothing() throws {
        var completed = AddonRollout(channel: "stable", addon: "a", from: Self.v1, to: Self.v2)
        completed.phase = .completed
        var object = completed.object()
        object["status"] = completed.statusJSON(waves: Self.waves(), members: Self.fleet())
        // The driver's spec write for v3 landed; its status write did not.
        object.body.setValue(.string("3.0.0"), at: ["spec", "toVersion"])
        object.body.setValue(.string("2.0.0"), at: ["spec", "fromVersion"])
        let read = try AddonRollout(object: object)
        #expect(read.to == Self.v3 && read.phase == .progressing && read.admissions.isEmpty && read.waveIndex == 0)
        let gate = RolloutGate(rollouts: ["a": read], installed: ["a": Self.v2])
        #expect(gate.version(of: "a", channelVersion: Self.v3, cluster: "p/c1", wave: 0) == Self.v2)
        #expect(gate.version(of: "a", channelVersion: Self.v3, cluster: "p/c5", wave: 2) == Self.v2)
    }

    /// Review finding: a cluster admitted when it already ran the new version (a new cluster in
    /// a finished wave, or one given another try) must not be "returned" to the new version.
    @Test func rollbackNeverReturnsAClusterToTheBadVersion() {
        var r = Self.started()
        (r, _) = RolloutPlanner.step(r, waves: Self.waves(onFailure: .rollback), members: Self.fleet(), now: Self.t0)
        var members = Self.fleet(after: r, phase: "Degraded")
        members.append(RolloutMember(cluster: "p/new", wave: 0, applied: Self.v2, desired: Self.v2, phase: "Progressing"))
        (r, _) = RolloutPlanner.step(r, waves: Self.waves(onFailure: .rollback), members: members, now: Self.t0 + 2)
        #expect(r.phase == .rolledBack)
        let gate = RolloutGate(rollouts: ["a": r], installed: ["a": Self.v2])
        for cluster in ["p/c1", "p/new"] { #expect(gate.version(of: "a", channelVersion: Self.v2, cluster: cluster, wave: 0) == Self.v1, "\(cluster)") }
    }

    /// Review finding: waves are positions in the status; renaming the list must not complete it.
    @Test func removingAWaveMidRolloutDoesNotCompleteIt() {
        var r = Self.started()
        var waves = Self.waves()
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(), now: Self.t0)
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(after: r), now: Self.t0 + 1)
        (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(after: r), now: Self.t0 + 2)
        #expect(r.waveIndex == 1 && r.waveName == "rest")
        r.waveIndex = 5  // as a status written for more waves would say
        waves.remove(at: 0)  // canary removed from the channel
        let members = Self.fleet(after: r).map { m in var m = m; m.wave = max(0, m.wave - 1); return m }
        (r, _) = RolloutPlanner.step(r, waves: waves, members: members, now: Self.t0 + 3)
        // "rest" is found by name (now the first wave), finishes, and the clusters no wave
        // selects are still let through, not skipped by an index past the end.
        #expect(r.phase == .progressing && r.waveName == "unmatched" && r.admission(of: "p/c5")?.state == .updating,
                "\(r.phase) \(r.waveName ?? "-") \(r.waveIndex) \(r.admissions.map { "\($0.cluster) \($0.state)" })")
    }

    @Test func aNewerTargetSupersedesARunningRollout() throws {
        var r = Self.started()
        (r, _) = RolloutPlanner.step(r, waves: Self.waves(), members: Self.fleet(), now: Self.t0)
        let (next, note) = try #require(RolloutPlanner.begin(channel: "stable", addon: "a", target: Self.v3, recorded: r, members: Self.fleet(after: r), now: Self.t0 + 9))
        #expect(note.reason == "Superseded" && next.from == Self.v1 && next.to == Self.v3 && next.admissions.isEmpty && next.phase == .progressing)
    }

    /// Found by running the README's commands: a completed rollout drops its admissions, and
    /// its status then said "1/1 updated" above a wave table of 0 admitted, 0 updated.
    @Test func aCompletedRolloutCountsWhatEachWaveUpdated() {
        let waves = Self.waves(maxFailures: .count(1))
        var r = Self.started()
        var ran: [String: (SemanticVersion?, String?)] = [:]
        for second in 0..<20 where r.phase == .progressing {
            for a in r.admissions { ran[a.cluster] = (Self.v2, a.cluster == "p/c3" ? "Degraded" : "Healthy") }
            (r, _) = RolloutPlanner.step(r, waves: waves, members: Self.fleet(ran), now: Self.t0 + Double(second))
        }
        #expect(r.phase == .completed && r.admissions.isEmpty && r.failures.map(\.cluster) == ["p/c3"])
        let status = r.statusJSON(waves: waves, members: Self.fleet(ran))
        let table = (status["waves"].arrayValue ?? []).map { w in
            "\(w["name"].stringValue ?? "?") \(w["clusters"].intValue ?? -1) \(w["admitted"].intValue ?? -1) \(w["updated"].intValue ?? -1) \(w["failed"].intValue ?? -1)"
        }
        #expect(table == ["canary 1 1 1 0", "rest 3 3 2 1", "unmatched 1 1 1 0"])
        #expect(status["clusters"] == 5 && status["admitted"] == 5 && status["updated"] == 4 && status["failed"] == 1)
    }

    @Test func aRequestWakesTheDriverAndMovesNoCluster() throws {
        let r = Self.started()
        #expect(RolloutBook.change(from: r, to: r) == nil)
        for request in [\AddonRollout.paused, \AddonRollout.rollback] {
            var asked = r
            asked[keyPath: request] = true
            let change = try #require(RolloutBook.change(from: r, to: asked))
            #expect(change.clusters == [])
        }
        var resumed = r
        resumed.attempt += 1
        #expect(try #require(RolloutBook.change(from: r, to: resumed)).clusters == [])
        var moved = r
        moved.phase = .paused
        #expect(try #require(RolloutBook.change(from: r, to: moved)).clusters == nil)
    }

    @Test func statusRoundTripsThroughTheObject() throws {
        var r = Self.started()
        (r, _) = RolloutPlanner.step(r, waves: Self.waves(), members: Self.fleet(), now: Self.t0)
        var object = r.object()
        object["status"] = r.statusJSON(waves: Self.waves(), members: Self.fleet())
        let read = try AddonRollout(object: object)
        #expect(read.admissions == r.admissions && read.phase == r.phase && read.to == r.to && read.from == r.from)
        #expect(object.status["waves"][0]["admitted"] == 1 && object.status["clusters"] == 5 && object.status["wave"] == "canary")
    }
}
