import Foundation
import KubernetesModel
import Testing
@testable import ControllerRuntime

@Suite struct LeaseDecisionTests {
    let stamp = Date(timeIntervalSince1970: 1_800_000_000)

    func record(holder: String?, transitions: Int = 0, duration: Int = 15, renewTime: String = "t") -> LeaseRecord {
        LeaseRecord(holderIdentity: holder, leaseDurationSeconds: duration, acquireTime: "t", renewTime: renewTime, leaseTransitions: transitions)
    }

    @Test func noLeaseIsCreatedHoldingIt() {
        guard case .create(let r) = LeaseDecision.decide(current: nil, unchangedFor: nil, identity: "a", leaseDuration: 15, stamp: stamp) else {
            Issue.record("expected create")
            return
        }
        #expect(r.holderIdentity == "a")
        #expect(r.leaseTransitions == 0)
        #expect(r.renewTime == KubeTime.formatMicro(stamp))
    }

    @Test func holderRenewsWithoutATransition() {
        guard case .update(let r) = LeaseDecision.decide(current: record(holder: "a", transitions: 3), unchangedFor: .seconds(40), identity: "a", leaseDuration: 15, stamp: stamp) else {
            Issue.record("expected update")
            return
        }
        #expect(r.leaseTransitions == 3)
        #expect(r.acquireTime == "t")
        #expect(r.renewTime == KubeTime.formatMicro(stamp))
    }

    /// Another's lease is taken over only once it stayed unchanged, by our clock, for longer
    /// than the duration the holder wrote (not ours).
    @Test(arguments: [
        // (unchanged for, holder's duration, taken over)
        (nil, 15, false),                        // first seen now
        (Duration.seconds(5), 15, false),
        (Duration.seconds(15), 15, false),       // exactly the duration: not yet
        (Duration.seconds(16), 15, true),
        (Duration.seconds(16), 30, false),       // the holder asked for 30 s
        (Duration.seconds(31), 30, true),
        (Duration.milliseconds(1500), 1, true),  // a released lease's 1 s
    ] as [(Duration?, Int, Bool)])
    func takeoverOfAnothersLease(unchangedFor: Duration?, holderDuration: Int, takenOver: Bool) {
        let decision = LeaseDecision.decide(current: record(holder: "b", transitions: 2, duration: holderDuration), unchangedFor: unchangedFor,
                                            identity: "a", leaseDuration: 15, stamp: stamp)
        if takenOver {
            guard case .update(let r) = decision else {
                Issue.record("expected takeover, got \(decision)")
                return
            }
            #expect(r.holderIdentity == "a")
            #expect(r.leaseTransitions == 3)
            #expect(r.leaseDurationSeconds == 15)
        } else {
            #expect(decision == .wait)
        }
    }

    /// Regression: the holder's renewTime (written by its clock) must not decide expiry. A
    /// renewTime an hour old, first seen now, is a live lease; one an hour in the future, left
    /// unchanged past the duration, is expired.
    @Test func theHoldersTimestampsDoNotDecideExpiry() {
        let old = KubeTime.formatMicro(stamp.addingTimeInterval(-3600))
        let future = KubeTime.formatMicro(stamp.addingTimeInterval(3600))
        #expect(LeaseDecision.decide(current: record(holder: "b", renewTime: old), unchangedFor: nil, identity: "a", leaseDuration: 15, stamp: stamp) == .wait)
        #expect(LeaseDecision.decide(current: record(holder: "b", renewTime: future), unchangedFor: .seconds(16), identity: "a", leaseDuration: 15, stamp: stamp) != .wait)
    }

    @Test func releasedLeaseIsTakenAtOnce() {
        guard case .update(let r) = LeaseDecision.decide(current: record(holder: nil, transitions: 1), unchangedFor: nil, identity: "a", leaseDuration: 15, stamp: stamp) else {
            Issue.record("expected takeover")
            return
        }
        #expect(r.holderIdentity == "a")
    }

    @Test func recordRoundTripsThroughTheLeaseSpec() {
        let r = LeaseRecord(holderIdentity: "x", leaseDurationSeconds: 15, acquireTime: "2026-01-01T00:00:00.000000Z", renewTime: "2026-01-01T00:00:01.000000Z", leaseTransitions: 4)
        var lease = KubeObject(apiVersion: "coordination.k8s.io/v1", kind: "Lease", name: "l", namespace: "ns")
        lease["spec"] = r.spec
        #expect(LeaseRecord(lease: lease) == r)
    }

    // MARK: The holder's side

    /// Ownership by the age of the last successful renewal (own monotonic clock): held until
    /// the renew deadline (failures in between are retried), then given up, then expired.
    @Test(arguments: [
        (Duration.zero, LeaseTenure.held),
        (Duration.seconds(2), .held),            // one failed renewal (2 s retry) keeps it
        (Duration.milliseconds(9_999), .held),
        (Duration.seconds(10), .givingUp),       // the renew deadline
        (Duration.seconds(14), .givingUp),
        (Duration.seconds(15), .expired),        // the lease duration: another may hold it
        (Duration.seconds(60), .expired),
    ])
    func tenureByTheAgeOfTheLastRenewal(age: Duration, expected: LeaseTenure) {
        let renewed = ContinuousClock.now
        #expect(LeaseTenure.of(lastRenewal: renewed, now: renewed + age, renewDeadline: .seconds(10), leaseDuration: .seconds(15)) == expected)
    }

    /// An attempt never runs past the renew deadline.
    @Test(arguments: [
        (Duration.zero, Duration.milliseconds(2500)),
        (Duration.seconds(8), .seconds(2)),
        (Duration.seconds(10), .zero),
        (Duration.seconds(12), .zero),
    ])
    func attemptLimit(age: Duration, expected: Duration) {
        let renewed = ContinuousClock.now
        #expect(LeaseTenure.attemptLimit(lastRenewal: renewed, now: renewed + age, renewDeadline: .seconds(10), requestTimeout: .milliseconds(2500)) == expected)
    }

    // MARK: Members

    func memberLease(_ name: String, holder: String?, version: String, renewTime: Date, duration: Int = 15) -> KubeObject {
        var lease = KubeObject(apiVersion: "coordination.k8s.io/v1", kind: "Lease", name: name, namespace: "ns")
        lease["spec"] = LeaseRecord(holderIdentity: holder, leaseDurationSeconds: duration, acquireTime: nil,
                                    renewTime: KubeTime.formatMicro(renewTime), leaseTransitions: 0).spec
        lease.resourceVersion = version
        return lease
    }

    /// Regression: members were counted live by comparing their renewTime with our wall clock,
    /// so a replica whose clock ran an hour ahead counted itself alone (and one behind counted
    /// the dead as live). Liveness is now what we saw change, timed by our clock.
    @Test func membersAreLiveByTheChangesWeSawNotByTheirTimestamps() {
        let t0 = ContinuousClock.now
        let wall = Date()
        var liveness = MemberLiveness()
        let skewedBehind = wall.addingTimeInterval(-3600)
        let skewedAhead = wall.addingTimeInterval(3600)
        liveness.observe([memberLease("m-self", holder: "self", version: "1", renewTime: wall),
                          memberLease("m-b", holder: "b", version: "5", renewTime: skewedBehind),
                          memberLease("m-c", holder: "c", version: "7", renewTime: skewedAhead),
                          memberLease("m-gone", holder: nil, version: "9", renewTime: wall)], at: t0)
        // First seen: live whatever their timestamps say; a released member is not.
        #expect(liveness.liveCount(at: t0 + .seconds(1), ownLease: "m-self") == 3)
        // b renews (new resourceVersion, its clock still an hour behind); c does not.
        liveness.observe([memberLease("m-self", holder: "self", version: "11", renewTime: wall),
                          memberLease("m-b", holder: "b", version: "12", renewTime: skewedBehind),
                          memberLease("m-c", holder: "c", version: "7", renewTime: skewedAhead)], at: t0 + .seconds(10))
        #expect(liveness.liveCount(at: t0 + .seconds(14), ownLease: "m-self") == 3)
        // c unchanged for longer than its duration: dead, though its renewTime is in our future.
        #expect(liveness.liveCount(at: t0 + .seconds(16), ownLease: "m-self") == 2)
        // b unchanged for longer than its duration too.
        #expect(liveness.liveCount(at: t0 + .seconds(26), ownLease: "m-self") == 1)
    }

    @Test func aSkewedClockRunsFastAndIsOffByItsOffset() async throws {
        let fast = LeaseClock.skewed(offset: .seconds(3600), rate: 2)
        #expect(abs(fast.wallTime().timeIntervalSince(Date()) - 3600) < 1)
        let start = fast.now()
        let realStart = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(50))  // time passing is what is measured
        let real = realStart.duration(to: .now)
        let seen = start.duration(to: fast.now())
        #expect(seen >= real * 2)
    }
}
