import AddonCatalog
import Foundation
import KubernetesClient
import KubernetesModel
import Testing
@testable import AddonController

/// The AddonRollout CRD's status schema (`kubectl explain addonrollouts.status`) holds every
/// field the rollout driver writes: an API server prunes what a structural schema does not
/// name, in silence, and a rollout whose admissions were pruned would forget which clusters it
/// let through. LocalKube prunes and validates as the API server does.
@Suite struct AddonRolloutSchemaTests {
    static let waves = [
        RolloutWave(name: "canary", selector: try! LabelSelector(parsing: "wave=canary"), concurrency: 1, soakSeconds: 60),
        RolloutWave(name: "rest", selector: LabelSelector(), concurrency: 2, soakSeconds: 0),
    ]

    /// A rollout in each phase, with every optional field the driver writes.
    static func rollouts() -> [(AddonRollout, [RolloutMember])] {
        let now = Date(timeIntervalSince1970: 1_796_000_000)
        let v1 = SemanticVersion("1.0.0")!, v2 = SemanticVersion("1.1.0")!
        var progressing = AddonRollout(channel: "stable", addon: "base", from: v1, to: v2)
        progressing.generation = 3
        progressing.observedAttempt = 1
        progressing.waveIndex = 1
        progressing.waveCompletedAt = now
        progressing.startedAt = now.addingTimeInterval(-600)
        progressing.message = "wave rest: 1 of 2 admitted"
        progressing.admissions = [
            .init(cluster: "dev/a", wave: 0, from: v1, admittedAt: now.addingTimeInterval(-500), state: .updated),
            .init(cluster: "dev/b", wave: 1, from: nil, admittedAt: now.addingTimeInterval(-10), state: .updating),
            .init(cluster: "dev/c", wave: 1, from: v1, admittedAt: now.addingTimeInterval(-5), state: .failed, reason: "ProgressDeadlineExceeded", message: "not healthy within 600 s"),
        ]
        let members = ["a", "b", "c", "d"].enumerated().map { index, name in
            RolloutMember(cluster: "dev/\(name)", wave: index == 0 ? 0 : 1, applied: v1, desired: v2, phase: "Healthy")
        }
        var paused = progressing
        paused.phase = .paused
        paused.message = "paused: dev/c failed (ProgressDeadlineExceeded); addonctl rollout resume to go on"
        var rolledBack = progressing
        rolledBack.phase = .rolledBack
        rolledBack.completedAt = now
        var completed = AddonRollout(channel: "stable", addon: "base", from: v1, to: v2)
        completed.phase = .completed
        completed.completedAt = now
        completed.failures = (0..<(AddonRollout.failuresKept + 3)).map {
            .init(cluster: "dev/f\($0)", wave: 1, from: v1, admittedAt: now, state: .failed, reason: "ApplyFailed", message: "refused")
        }
        return [(progressing, members), (paused, members), (rolledBack, members), (completed, members)]
    }

    /// Each rollout in an object of its own: first written as the driver writes it, with an
    /// update (PUT), where a field left out of the schema would be dropped without a word; then
    /// applied over a status that had none of it, where such a field is refused by name.
    @Test func everyFieldTheDriverWritesIsKept() async throws {
        try await withHarness { h in
            for (index, (rollout, members)) in Self.rollouts().enumerated() {
                let status = rollout.statusJSON(waves: Self.waves, members: members)
                let name = AddonRollout(channel: "stable", addon: "base-\(index)", from: nil, to: SemanticVersion("1.1.0")!).object()
                var object = try await h.management.create(name, options: WriteOptions(fieldManager: "test"))
                object["status"] = status
                object = try await h.management.updateStatus(object, options: WriteOptions(fieldManager: "test"))
                #expect(object.status == status, "\(rollout.phase): the server kept \(object.status.jsonString()) of \(status.jsonString())")
                #expect(try await h.management.get(ManagementKinds.addonRollout, name: name.name, namespace: nil).status == status)

                object["status"] = ["phase": "Progressing"]
                _ = try await h.management.updateStatus(object, options: WriteOptions(fieldManager: "test"))
                var applied = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: ManagementKinds.addonRollout.kind, name: name.name)
                applied["status"] = status
                let answer = try await h.management.applyStatus(applied, options: ApplyOptions(fieldManager: "test-apply", force: true))
                #expect(answer.status == status, "\(rollout.phase): the server kept \(answer.status.jsonString()) of \(status.jsonString())")
            }
        }
    }

    /// The driver writes its status with an update (PUT): a field the schema does not name is
    /// dropped in silence, which is why every field it writes must be named. (A server-side
    /// apply of such a field is refused, as the API server refuses it: 500, "field not declared
    /// in schema".) A phase outside the enum is refused with 422.
    @Test func anUnknownFieldIsDroppedAndAnUnknownPhaseRefused() async throws {
        try await withHarness { h in
            let written = AddonRollout(channel: "stable", addon: "base", from: nil, to: SemanticVersion("1.1.0")!).object()
            var object = try await h.management.create(written, options: WriteOptions(fieldManager: "test"))
            object["status"] = ["phase": "Progressing", "surprise": "kept?"]
            object = try await h.management.updateStatus(object, options: WriteOptions(fieldManager: "test"))
            #expect(object.status == ["phase": "Progressing"])

            var applied = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: ManagementKinds.addonRollout.kind, name: written.name)
            applied["status"] = ["phase": "Progressing", "surprise": "kept?"]
            let undeclared = await #expect(throws: KubernetesError.self) {
                _ = try await h.management.applyStatus(applied, options: ApplyOptions(fieldManager: "test", force: true))
            }
            #expect("\(undeclared.map { "\($0)" } ?? "")".contains(".status.surprise: field not declared in schema"))

            object["status"] = ["phase": "Finished"]
            let error = await #expect(throws: KubernetesError.self) {
                _ = try await h.management.updateStatus(object, options: WriteOptions(fieldManager: "test"))
            }
            #expect(error?.httpStatus == 422)
            #expect("\(error.map { "\($0)" } ?? "")".contains("status.phase"))
        }
    }
}
