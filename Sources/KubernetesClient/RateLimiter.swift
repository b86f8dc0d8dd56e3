/// A token bucket: `burst` tokens, refilled at `qps` per second; each request takes one.
/// `reserve(at:)` takes a token (possibly from the future) and says how long to wait for it,
/// so waiting callers are served in order. Pure state: the clock is the caller's.
public struct TokenBucket: Sendable {
    public let rateLimit: RateLimit
    private var tokens: Double
    private var last: ContinuousClock.Instant?

    public init(_ rateLimit: RateLimit) {
        self.rateLimit = rateLimit
        self.tokens = Double(rateLimit.burst)
    }

    /// Takes a token at `now`; returns how long to wait before using it (zero when one was there).
    public mutating func reserve(at now: ContinuousClock.Instant) -> Duration {
        if rateLimit.qps.isInfinite || rateLimit.burst == .max { return .zero }
        guard rateLimit.qps > 0 else { return .seconds(Int64.max / 2) }
        if let last {
            let elapsed = last.duration(to: now)
            if elapsed > .zero {
                tokens = min(Double(rateLimit.burst), tokens + elapsed.seconds * rateLimit.qps)
                self.last = now
            }
        } else {
            last = now
        }
        tokens -= 1
        if tokens >= 0 { return .zero }
        return .seconds(-tokens / rateLimit.qps)
    }
}

/// The client's rate limiter: a token bucket behind an actor, waiting on the continuous clock.
actor RateLimiter {
    private var bucket: TokenBucket

    init(_ rateLimit: RateLimit) { bucket = TokenBucket(rateLimit) }

    /// Waits for a token; throws CancellationError when the task is cancelled meanwhile.
    nonisolated func acquire() async throws {
        let wait = await reserve()
        if wait > .zero { try await Task.sleep(for: wait) }
    }

    private func reserve() -> Duration { bucket.reserve(at: .now) }
}

extension Duration {
    /// The duration in seconds, as a Double.
    package var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
