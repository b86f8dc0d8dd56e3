import Testing
@testable import AddonController

/// When a tick of the reachability probe asks the cluster (table-driven). Times are seconds
/// before "now"; nil: never. The tick is 15 s, the allowance 75 s, the credentials check 300 s.
/// Unless a case says otherwise, the last answer was a request's.
@Suite struct ReachabilityProbeTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var answered: Double?
        var request: Double?? = .none
        var failed: Double? = nil
        var refused: Double? = nil
        var asked: Double? = nil
        var suspect = false
        var asks: Bool
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(name: "a bookmark 40 s ago, nothing failed", answered: 40, asks: false),
        Case(name: "silent for the whole allowance", answered: 75, asks: true),
        Case(name: "silent longer", answered: 200, asks: true),
        Case(name: "never answered", answered: nil, asks: true),
        Case(name: "never answered, and a failure", answered: nil, failed: 5, asks: true),
        Case(name: "a failure after the last answer, silent for a tick", answered: 20, failed: 18, asks: true),
        Case(name: "a failure after the last answer, but heard from within the tick (busy, not gone)", answered: 10, failed: 2, asks: false),
        Case(name: "a failure at the instant of the last answer, silent for a tick", answered: 16, failed: 16, asks: true),
        Case(name: "a failure before the last answer", answered: 30, failed: 40, asks: false),
        Case(name: "a failure before the last answer, then silence past the allowance", answered: 80, failed: 90, asks: true),
        Case(name: "credentials refused though bookmarks flow, never asked since", answered: 1, refused: 5, asks: true),
        Case(name: "credentials refused before the probe last asked", answered: 1, refused: 30, asked: 20, asks: false),
        Case(name: "credentials refused after the probe last asked", answered: 1, refused: 10, asked: 20, asks: true),
        Case(name: "under suspicion: found unreachable or refusing credentials", answered: 1, suspect: true, asks: true),
        Case(name: "bookmarks flow, a request answered 100 s ago", answered: 5, request: 100, asks: false),
        Case(name: "bookmarks flow, no request answered for the credentials check", answered: 5, request: 300, asks: true),
        Case(name: "bookmarks flow, no request ever answered", answered: 5, request: .some(nil), asks: true),
    ])
    func decision(_ c: Case) {
        let now = ContinuousClock.now
        let ago = { (seconds: Double?) in seconds.map { now - .seconds($0) } }
        let request: Double? = switch c.request { case .none: c.answered; case .some(let seconds): seconds }
        let evidence = ReachabilityProbe.Evidence(lastAnswered: ago(c.answered), lastRequestAnswered: ago(request), lastFailure: ago(c.failed),
                                                  lastCredentialsRefused: ago(c.refused), lastAsked: ago(c.asked))
        let decided = ReachabilityProbe.shouldAsk(now: now, evidence: evidence, suspect: c.suspect, interval: .seconds(15), allowedSilence: .seconds(75),
                                                  credentialsCheck: .seconds(300))
        #expect(decided == c.asks, "\(c.name)")
    }
}
