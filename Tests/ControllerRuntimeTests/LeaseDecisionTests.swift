import Foundation
import KubernetesModel
import Testing
@testable import ControllerRuntime

@Suite struct LeaseDecisionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func record(holder: String?, transitions: Int = 0, duration: Int = 15) -> LeaseRecord {
        LeaseRecord(holderIdentity: holder, leaseDurationSeconds: duration, acquireTime: "t", renewTime: "t", leaseTransitions: transitions)
    }

    @Test func noLeaseIsCreatedHoldingIt() {
        guard case .create(let r) = LeaseDecision.decide(current: nil, observedAt: nil, identity: "a", leaseDuration: 15, now: now) else {
            Issue.record("expected create")
            return
        }
        #expect(r.holderIdentity == "a")
        #expect(r.leaseTransitions == 0)
        #expect(r.renewTime == KubeTime.formatMicro(now))
    }

    @Test func holderRenewsWithoutATransition() {
        guard case .update(let r) = LeaseDecision.decide(current: record(holder: "a", transitions: 3), observedAt: now, identity: "a", leaseDuration: 15, now: now) else {
            Issue.record("expected update")
            return
        }
        #expect(r.leaseTransitions == 3)
        #expect(r.acquireTime == "t")
        #expect(r.renewTime == KubeTime.formatMicro(now))
    }

    @Test func liveLeaseOfAnotherIsLeftAlone() {
        let decision = LeaseDecision.decide(current: record(holder: "b"), observedAt: now.addingTimeInterval(-5), identity: "a", leaseDuration: 15, now: now)
        #expect(decision == .wait)
    }

    @Test func aLeaseFirstSeenNowIsNotExpiredWhateverItsTimestampsSay() {
        // Expiry is judged by when *we* saw the record change, not by the holder's clock.
        let decision = LeaseDecision.decide(current: record(holder: "b"), observedAt: now, identity: "a", leaseDuration: 15, now: now)
        #expect(decision == .wait)
    }

    @Test func expiredLeaseIsTakenOverWithATransition() {
        guard case .update(let r) = LeaseDecision.decide(current: record(holder: "b", transitions: 2), observedAt: now.addingTimeInterval(-16), identity: "a", leaseDuration: 15, now: now) else {
            Issue.record("expected takeover")
            return
        }
        #expect(r.holderIdentity == "a")
        #expect(r.leaseTransitions == 3)
    }

    @Test func releasedLeaseIsTakenAtOnce() {
        guard case .update(let r) = LeaseDecision.decide(current: record(holder: nil, transitions: 1), observedAt: now, identity: "a", leaseDuration: 15, now: now) else {
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
}
