import Testing
@testable import AddonController

/// When a tick of the reachability probe asks the cluster (table-driven). Times are seconds
/// before "now"; nil: never.
@Suite struct ReachabilityProbeTests {
    static let allowance: Duration = .seconds(75)

    @Test(arguments: [
        ("a bookmark 40 s ago, no failure", 40.0 as Double?, nil as Double?, false, false),
        ("silent for the whole allowance", 75, nil, false, true),
        ("silent longer", 200, nil, false, true),
        ("never answered", nil, nil, false, true),
        ("never answered, and a failure", nil, 5, false, true),
        ("a failed watch after the last answer", 10, 2, false, true),
        ("a failure at the very instant of the last answer", 10, 10, false, true),
        ("a failure before the last answer", 2, 10, false, false),
        ("a failure before the last answer, then silence past the allowance", 80, 90, false, true),
        ("under suspicion: found unreachable or refusing credentials", 1, nil, true, true),
    ])
    func decision(_ name: String, answeredAgo: Double?, failedAgo: Double?, suspect: Bool, asks: Bool) {
        let now = ContinuousClock.now
        let answered = answeredAgo.map { now - .seconds($0) }
        let failed = failedAgo.map { now - .seconds($0) }
        let decided = ReachabilityProbe.shouldAsk(now: now, lastAnswered: answered, lastFailure: failed, suspect: suspect, allowedSilence: Self.allowance)
        #expect(decided == asks, "\(name)")
    }
}
