import AddonCatalog
import Foundation
import KubernetesModel
import Testing
@testable import AddonController

/// Rules about recency (`succeededWithin`): what they answer, and when the answer changes with
/// no object changing (`recheckIn`: the reconciler looks again then, not at the next resync).
@Suite struct AddonHealthRecencyTests {
    static let cronJob = ObjectReference(groupKind: GroupKind(group: "batch", kind: "CronJob"), namespace: "backup", name: "etcd-backup")
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func cronJob(created: TimeInterval, lastSuccess: TimeInterval?) -> KubeObject {
        var object = KubeObject(apiVersion: "batch/v1", kind: "CronJob", name: "etcd-backup", namespace: "backup")
        object.body.setValue(.string(KubeTime.format(now.addingTimeInterval(-created))), at: ["metadata", "creationTimestamp"])
        if let lastSuccess { object["status"] = ["lastSuccessfulTime": .string(KubeTime.format(now.addingTimeInterval(-lastSuccess)))] }
        return object
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var created: TimeInterval
        var lastSuccess: TimeInterval?
        var state: HealthState
        var recheckIn: TimeInterval?
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(name: "succeeded 10 min ago, window 1 h", created: 86_400, lastSuccess: 600, state: .healthy, recheckIn: 3000),
        Case(name: "succeeded 2 h ago", created: 86_400, lastSuccess: 7200, state: .degraded, recheckIn: nil),
        Case(name: "new, never run", created: 100, lastSuccess: nil, state: .healthy, recheckIn: 3500),
        Case(name: "old, never succeeded", created: 7200, lastSuccess: nil, state: .degraded, recheckIn: nil),
    ])
    func recency(_ c: Case) {
        let rule = HealthRule(name: "recent-backup", target: Self.cronJob, check: .succeededWithin(seconds: 3600))
        let object = Self.cronJob(created: c.created, lastSuccess: c.lastSuccess)
        let health = AddonHealth.evaluate(members: [(Self.cronJob, object)], rules: [rule], now: Self.now)
        #expect(health.state == c.state, "\(health.message)")
        #expect(health.recheckIn == c.recheckIn)
        // Regression: the watch caches' form of the object (`ObservedObject`) dropped
        // creationTimestamp, and a CronJob that had not run yet was Degraded from the first minute.
        #expect(ObservedObject.suffices(for: rule))
        let kept = AddonHealth.evaluate(members: [(Self.cronJob, ObservedObject.kept(object))], rules: [rule], now: Self.now)
        #expect(kept.state == health.state, "\(kept.message)")
        #expect(kept.recheckIn == health.recheckIn)
    }

    @Test func rulesThatOnlyAnObjectChangeCanFlipAskForNoRecheck() {
        let rule = HealthRule(name: "ready", target: Self.cronJob, check: .fieldEquals(path: ["spec", "suspend"], value: false))
        var object = Self.cronJob(created: 100, lastSuccess: nil)
        object["spec"] = ["suspend": false]
        let health = AddonHealth.evaluate(members: [(Self.cronJob, object)], rules: [rule], now: Self.now)
        #expect(health.state == .healthy)
        #expect(health.recheckIn == nil)
    }
}
