import KubernetesClient

/// How long to wait before an item is retried: per-item exponential backoff (client-go's
/// `ItemExponentialFailureRateLimiter`: 5 ms doubling to 1000 s) combined with an overall
/// token bucket (10 per second, burst 100), taking the longer of the two.
public struct RetryRateLimiter<Key: Hashable & Sendable>: Sendable {
    public var baseDelay: Duration
    public var maxDelay: Duration
    public var overallRate: Double
    public var overallBurst: Double

    private var failures: [Key: Int] = [:]
    private var tokens: Double
    private var lastRefill: ContinuousClock.Instant

    public init(baseDelay: Duration = .milliseconds(5), maxDelay: Duration = .seconds(1000), overallRate: Double = 10, overallBurst: Double = 100) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.overallRate = overallRate
        self.overallBurst = overallBurst
        tokens = overallBurst
        lastRefill = .now
    }

    /// The delay before the next retry of `key`, counting this failure.
    public mutating func when(_ key: Key, now: ContinuousClock.Instant = .now) -> Duration {
        let count = failures[key, default: 0]
        failures[key] = count + 1
        let backoff = Self.backoff(failures: count, base: baseDelay, max: maxDelay)
        return Swift.max(backoff, overallDelay(now: now))
    }

    /// How many times `key` has failed since it was last forgotten.
    public func failureCount(_ key: Key) -> Int { failures[key, default: 0] }

    /// Forget an item's failures (after a success).
    public mutating func forget(_ key: Key) { failures.removeValue(forKey: key) }

    /// base · 2^failures, capped at max.
    public static func backoff(failures: Int, base: Duration, max: Duration) -> Duration {
        guard failures < 62 else { return max }
        let factor = Double(1 << Swift.min(failures, 40))
        let seconds = base.seconds * factor
        let maxSeconds = max.seconds
        return seconds >= maxSeconds ? max : .nanoseconds(Int64(seconds * 1e9))
    }

    private mutating func overallDelay(now: ContinuousClock.Instant) -> Duration {
        let elapsed = lastRefill.duration(to: now)
        let elapsedSeconds = elapsed.seconds
        tokens = Swift.min(overallBurst, tokens + elapsedSeconds * overallRate)
        lastRefill = now
        tokens -= 1
        if tokens >= 0 { return .zero }
        return .nanoseconds(Int64((-tokens / overallRate) * 1e9))
    }
}
