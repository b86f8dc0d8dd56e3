/// Whether a tick of a cluster's reachability probe asks the cluster (`GET /version`) or lets
/// what the client already heard stand for an answer.
///
/// A cluster is asked when it is under suspicion (found unreachable, not yet reported as back,
/// or refusing the manager's credentials), when it has never answered, when a request or watch
/// failed since it last answered (no answer: a refused or reset connection, a timeout; or its
/// credentials refused, 401: a cluster going down or revoking the manager is asked at the next
/// tick), and when it has been silent for `allowedSilence`. Open watches send a bookmark about
/// once a minute each, and a cluster's watches, opened together, bookmark together: an
/// allowance under a minute would ask every cluster about once a minute in a quiet fleet
/// (measured: at 1000 clusters, most of the idle manager's requests).
enum ReachabilityProbe {
    static func shouldAsk(
        now: ContinuousClock.Instant, lastAnswered: ContinuousClock.Instant?, lastFailure: ContinuousClock.Instant?,
        suspect: Bool, allowedSilence: Duration
    ) -> Bool {
        if suspect { return true }
        guard let lastAnswered else { return true }
        if let lastFailure, lastFailure >= lastAnswered { return true }
        return lastAnswered.duration(to: now) >= allowedSilence
    }
}
