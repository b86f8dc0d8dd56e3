/// When a failed request is sent again, and after how long. A pure decision, so it can be
/// tested without a server: `delay(after:attempt:request:)`.
public struct RetryPolicy: Sendable, Hashable {
    /// What kind of request failed: decides whether resending it is safe.
    public enum Request: Sendable, Hashable {
        /// GET, LIST, WATCH, discovery: safe to resend.
        case read
        /// Server-side apply: idempotent, safe to resend.
        case apply
        /// Create, update, delete, other patches: resent only when the server certainly did not
        /// act on it (429, connection refused, an HTTP/2 stream refused, left out by the server's
        /// GOAWAY, or never opened).
        case write
    }

    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// Backoff before the second attempt; doubled for each further one.
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    /// The longest `Retry-After` honoured; a longer one is not waited for (the error is returned).
    public var maxRetryAfter: Duration

    public init(maxAttempts: Int = 5, initialBackoff: Duration = .milliseconds(100), maxBackoff: Duration = .seconds(5), maxRetryAfter: Duration = .seconds(30)) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxRetryAfter = maxRetryAfter
    }

    /// Never retry.
    public static let never = RetryPolicy(maxAttempts: 1)

    /// The wait before sending the request again after `error` ended attempt number `attempt`
    /// (1 = the first), or nil when the error is returned to the caller.
    public func delay(after error: KubernetesError, attempt: Int, request: Request) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        let kind = error.kind
        let mayResend: Bool
        switch kind {
        case .tooManyRequests, .unreachable:
            // The server did not act on it (429), or it never reached the server.
            mayResend = true
        case .serverError, .serviceUnavailable, .serverTimeout, .timeout, .transport:
            mayResend = request != .write
        default:
            // permanentServerError, 4xx, TLS, configuration...: the same request fails the same way.
            mayResend = false
        }
        guard mayResend else { return nil }
        if let retryAfter = error.retryAfter, kind == .tooManyRequests || kind == .serviceUnavailable || kind == .serverError || kind == .serverTimeout {
            if retryAfter > maxRetryAfter { return nil }
            return max(retryAfter, .zero)
        }
        return backoff(attempt: attempt)
    }

    /// Exponential backoff after attempt `attempt`: initial, 2×, 4×, ... capped at `maxBackoff`.
    public func backoff(attempt: Int) -> Duration {
        var delay = initialBackoff
        var n = 1
        while n < attempt, delay < maxBackoff {
            delay = delay * 2
            n += 1
        }
        return min(delay, maxBackoff)
    }
}
