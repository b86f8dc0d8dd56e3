/// Where a holder stands with a Lease it holds, judged only by the age of its last successful
/// renewal on its own monotonic clock (measured from the moment that renewal was sent, so the
/// age is never understated): a pure decision.
///
/// Another replica takes the Lease over only after seeing it unchanged for the lease duration,
/// by its clock; that moment is after our renewal was sent. So a holder that stops working by
/// `sent + leaseDuration` never works beside its successor. It gives up at the renew deadline
/// (failed renewals are retried until then), which leaves `leaseDuration − renewDeadline` to
/// finish the work in flight.
public enum LeaseTenure: Equatable, Sendable {
    /// Renewed within the renew deadline: the work goes on (a failed renewal is retried).
    case held
    /// Past the renew deadline: no new work; in-flight work must end before the lease duration.
    case givingUp
    /// Past the lease duration: another replica may hold it now.
    case expired

    public static func of(lastRenewal: ContinuousClock.Instant, now: ContinuousClock.Instant, renewDeadline: Duration, leaseDuration: Duration) -> LeaseTenure {
        let age = lastRenewal.duration(to: now)
        if age < renewDeadline { return .held }
        if age < leaseDuration { return .givingUp }
        return .expired
    }

    /// How long the next renewal attempt may take: the request timeout, or less when the renew
    /// deadline comes sooner (so a hanging request never keeps a shard past it).
    public static func attemptLimit(lastRenewal: ContinuousClock.Instant, now: ContinuousClock.Instant, renewDeadline: Duration, requestTimeout: Duration) -> Duration {
        let left = renewDeadline - lastRenewal.duration(to: now)
        return max(.zero, min(requestTimeout, left))
    }
}
