import Synchronization

/// What a client last heard from its server, and when a request of it last failed in a way a
/// reachability probe should look into: the evidence the probe weighs before it asks
/// (`KubernetesClient.lastAnswered`, `lastRequestAnswered`, `lastFailure`,
/// `lastCredentialsRefused`). Set from event loops and tasks alike; reading it costs a lock,
/// never a request.
final class ServerContact: Sendable {
    private struct Record {
        var answered: ContinuousClock.Instant?
        var requestAnswered: ContinuousClock.Instant?
        var failed: ContinuousClock.Instant?
        var credentialsRefused: ContinuousClock.Instant?
    }
    private let record = Mutex(Record())

    var lastAnswered: ContinuousClock.Instant? { record.withLock { $0.answered } }
    var lastRequestAnswered: ContinuousClock.Instant? { record.withLock { $0.requestAnswered } }
    var lastFailure: ContinuousClock.Instant? { record.withLock { $0.failed } }
    var lastCredentialsRefused: ContinuousClock.Instant? { record.withLock { $0.credentialsRefused } }

    /// The server answered a request with 2xx (a watch's head included): it accepted the
    /// client's credentials then.
    func answeredRequest() {
        record.withLock {
            $0.answered = Self.later($0.answered)
            $0.requestAnswered = Self.later($0.requestAnswered)
        }
    }

    /// The server sent something on an open watch (authenticated when it opened).
    func heard() {
        record.withLock { $0.answered = Self.later($0.answered) }
    }

    /// A request or an open watch failed. Recorded when it got no answer (refused, reset or
    /// closed connections, TLS failures, timeouts: `KubernetesError.Kind.isTransport`), or
    /// apart when the server refused the client's credentials (401). Other refusals (403 on
    /// one kind, 404, 409, 5xx) are answers, and the caller's own cancellation is neither.
    func failed(_ error: any Error) {
        guard let error = error as? KubernetesError else { return }
        switch error.httpStatus {
        case nil where error.kind.isTransport: record.withLock { $0.failed = Self.later($0.failed) }
        case 401?: record.withLock { $0.credentialsRefused = Self.later($0.credentialsRefused) }
        default: return
        }
    }

    /// Now, read under the lock (so that records from several threads stay in order), never
    /// earlier than what was recorded.
    private static func later(_ recorded: ContinuousClock.Instant?) -> ContinuousClock.Instant {
        let now = ContinuousClock.now
        guard let recorded else { return now }
        return max(recorded, now)
    }
}
