import Synchronization

/// What a client last heard from its server, and when a request of it last failed in a way a
/// reachability probe should look into: the evidence the probe weighs before it asks
/// (`KubernetesClient.lastAnswered`, `KubernetesClient.lastFailure`). Set from event loops and
/// tasks alike; reading it costs a lock, never a request.
final class ServerContact: Sendable {
    private struct Record {
        var answered: ContinuousClock.Instant?
        var failed: ContinuousClock.Instant?
    }
    private let record = Mutex(Record())

    var lastAnswered: ContinuousClock.Instant? { record.withLock { $0.answered } }
    var lastFailure: ContinuousClock.Instant? { record.withLock { $0.failed } }

    /// The server answered a request with 2xx or sent something on an open watch.
    func heard() {
        record.withLock { $0.answered = Self.later($0.answered) }
    }

    /// A request or an open watch failed: recorded when it got no answer (refused, reset or
    /// closed connections, TLS failures, timeouts: `KubernetesError.Kind.isTransport`) or
    /// when the server refused the client's credentials (401). Other refusals (403 on one
    /// kind, 404, 409, 5xx) are answers, and the caller's own cancellation is neither.
    func failed(_ error: any Error) {
        guard let error = error as? KubernetesError else { return }
        let worthAsking = error.httpStatus == nil ? error.kind.isTransport : error.httpStatus == 401
        guard worthAsking else { return }
        record.withLock { $0.failed = Self.later($0.failed) }
    }

    /// Now, read under the lock (so that records from several threads stay in order), never
    /// earlier than what was recorded.
    private static func later(_ recorded: ContinuousClock.Instant?) -> ContinuousClock.Instant {
        let now = ContinuousClock.now
        guard let recorded else { return now }
        return max(recorded, now)
    }
}
