import AddonCatalog
import AddonController
import DevFleet
import Foundation
import KubernetesModel
import Logging
import Testing
@testable import AddonCtlCommand
@testable import KubernetesClient

/// `addonctl rollout` against a LocalKube management plane holding AddonRollouts as the driver
/// writes them: status shows phase, waves, soak and failures; pause, resume and rollback change
/// the spec the driver acts on, and refuse what does not apply.
@Suite(.serialized) struct AddonCtlRolloutTests {
    static func withPlane(_ body: (DevFleet) async throws -> Void) async throws {
        let work = try TemporaryDirectory()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var logger = Logger(label: "rollout-cli-test")
        logger.logLevel = .critical
        let fleet = try await DevFleet.start(catalog: try Catalog.load(directory: root.path), kubeconfigDirectory: work.path + "/kubeconfigs", logger: logger)
        do {
            try await body(fleet)
        } catch {
            await fleet.shutdown()
            throw error
        }
        await fleet.shutdown()
    }

    /// A rollout of etcd-backup 1.0.0 → 1.1.0 on `channel`, as the driver writes it.
    static func write(_ fleet: DevFleet, channel: String, phase: AddonRollout.Phase, failed: Bool = false) async throws {
        var rollout = AddonRollout(channel: channel, addon: "etcd-backup", from: SemanticVersion("1.0.0")!, to: SemanticVersion("1.1.0")!)
        rollout.phase = phase
        let now = Date()
        rollout.admissions = [.init(cluster: "dev/a", wave: 0, from: rollout.from, admittedAt: now, state: failed ? .failed : .updated,
                                    reason: failed ? "ProgressDeadlineExceeded" : nil, message: failed ? "not Healthy on 1.1.0 within 600 s" : nil)]
        if failed { rollout.failures = rollout.admissions }
        rollout.message = failed ? "paused: wave canary: 1 of 1 clusters failed (tolerates 0): dev/a ProgressDeadlineExceeded" : "wave canary: updating"
        let waves = RolloutWaves.effective([RolloutWave(name: "canary", selector: try LabelSelector(parsing: "wave=canary"), concurrency: 1, soakSeconds: 60)])
        let members = [RolloutMember(cluster: "dev/a", wave: 0, applied: rollout.to, desired: rollout.to, phase: failed ? "Progressing" : "Healthy"),
                       RolloutMember(cluster: "dev/b", wave: 1, applied: rollout.from, desired: rollout.from, phase: "Healthy")]
        let created = try await fleet.management.create(rollout.object(), options: WriteOptions(fieldManager: "test"))
        rollout.generation = created.generation
        var object = created
        object["status"] = rollout.statusJSON(waves: waves, members: members)
        _ = try await fleet.management.updateStatus(object, options: WriteOptions(fieldManager: "test"))
    }

    static func addonctl(_ fleet: DevFleet, _ arguments: [String]) async -> AddonCtlRun {
        await AddonCtlRun.run(["rollout"] + arguments + ["--kubeconfig", fleet.managementKubeconfigPath])
    }

    @Test func statusShowsPhaseWavesAndTheFailuresThatStoppedIt() async throws {
        try await Self.withPlane { fleet in
            try await Self.write(fleet, channel: "stable", phase: .paused, failed: true)
            try await Self.write(fleet, channel: "candidate", phase: .progressing)
            let all = await Self.addonctl(fleet, ["status"])
            #expect(all.status == 0, "\(all.stderr)")
            let lines = all.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("CHANNEL") == true)
            let stable = try #require(lines.first { $0.hasPrefix("stable") })
            #expect(stable.contains("etcd-backup") && stable.contains("1.0.0") && stable.contains("1.1.0") && stable.contains("Paused") && stable.contains("0/2"), "\(stable)")
            #expect(stable.contains("1 of 1 clusters failed"), "\(stable)")

            let one = await Self.addonctl(fleet, ["status", "etcd-backup", "--channel", "stable"])
            #expect(one.status == 0, "\(one.stderr)")
            #expect(one.stdout.contains("canary") && one.stdout.contains("unmatched") && one.stdout.contains("waiting"), "\(one.stdout)")
            #expect(one.stdout.contains("dev/a  ProgressDeadlineExceeded  not Healthy on 1.1.0 within 600 s"), "\(one.stdout)")
            #expect(!one.stdout.contains("candidate"))
        }
    }

    @Test func pauseResumeAndRollbackChangeTheSpecAndRefuseWhatDoesNotApply() async throws {
        try await Self.withPlane { fleet in
            try await Self.write(fleet, channel: "stable", phase: .progressing)
            try await Self.write(fleet, channel: "candidate", phase: .completed)
            func spec() async throws -> JSONValue { try await fleet.management.get(ManagementKinds.addonRollout, name: "stable.etcd-backup", namespace: nil).spec }

            let ambiguous = await Self.addonctl(fleet, ["pause", "etcd-backup"])
            #expect(ambiguous.status == 1 && ambiguous.stderr.contains("several channels") && ambiguous.stderr.contains("--channel"), "\(ambiguous.stderr)")

            let pause = await Self.addonctl(fleet, ["pause", "etcd-backup", "--channel", "stable"])
            #expect(pause.status == 0, "\(pause.stderr)")
            #expect(try await spec()["paused"] == true)

            let resume = await Self.addonctl(fleet, ["resume", "etcd-backup", "--channel", "stable"])
            #expect(resume.status == 0, "\(resume.stderr)")
            let resumed = try await spec()
            #expect(resumed["paused"] == false && resumed["attempt"] == 1)

            let rollback = await Self.addonctl(fleet, ["rollback", "etcd-backup", "--channel", "stable"])
            #expect(rollback.status == 0 && rollback.stdout.contains("rollback requested"), "\(rollback.stderr)")
            #expect(try await spec()["rollback"] == true)

            let completed = await Self.addonctl(fleet, ["rollback", "etcd-backup", "--channel", "candidate"])
            #expect(completed.status == 1 && completed.stderr.contains("has completed") && completed.stderr.contains("set the channel's version to 1.0.0"), "\(completed.stderr)")
            let missing = await Self.addonctl(fleet, ["pause", "no-such-addon"])
            #expect(missing.status == 1 && missing.stderr.contains("no rollout of no-such-addon"), "\(missing.stderr)")
        }
    }
}
