/// Whether a tick of a cluster's reachability probe asks the cluster (`GET /version`) or lets
/// what the client already heard stand for an answer.
///
/// Asked: a cluster under suspicion (found unreachable, not yet reported as back, or refusing
/// the manager's credentials); one that never answered; one whose credentials were refused
/// (401) since the probe last asked, though its open watches go on sending; one that has been
/// silent for `interval` after a request or watch of it failed for want of an answer (refused,
/// reset, timed out: a cluster going down, asked as soon as before); and any cluster silent for
/// `allowedSilence`. A failed request or watch alone does not have a cluster heard from within
/// `interval` asked: under load, requests time out while the cluster is busy answering, and a
/// probe then would only add to the load (and, failing too, report a working cluster
/// unreachable). A reconcile's request that got no answer is another matter, as before: it marks
/// the cluster found unreachable (`ClusterState.unreachable`), and a suspect cluster is asked at
/// every tick until it answers. And a cluster that answered no request (only its open watches
/// spoke) for `credentialsCheck` is asked too: watches are authenticated when they open, so
/// credentials revoked since show only on a request.
///
/// Open watches send a bookmark about once a minute each, and a cluster's watches, opened
/// together, bookmark together: an allowance under a minute would ask every quiet cluster
/// about once a minute (measured: at 1000 clusters, most of the idle manager's requests).
enum ReachabilityProbe {
    struct Evidence: Equatable {
        var lastAnswered: ContinuousClock.Instant?
        var lastRequestAnswered: ContinuousClock.Instant?
        var lastFailure: ContinuousClock.Instant?
        var lastCredentialsRefused: ContinuousClock.Instant?
        var lastAsked: ContinuousClock.Instant?
    }

    static func shouldAsk(now: ContinuousClock.Instant, evidence: Evidence, suspect: Bool, interval: Duration, allowedSilence: Duration,
                          credentialsCheck: Duration) -> Bool {
        if suspect { return true }
        guard let lastAnswered = evidence.lastAnswered, let lastRequestAnswered = evidence.lastRequestAnswered else { return true }
        if lastRequestAnswered.duration(to: now) >= credentialsCheck { return true }
        if let refused = evidence.lastCredentialsRefused, evidence.lastAsked.map({ refused > $0 }) ?? true { return true }
        let silence = lastAnswered.duration(to: now)
        if let failure = evidence.lastFailure, failure >= lastAnswered, silence >= interval { return true }
        return silence >= allowedSilence
    }
}
