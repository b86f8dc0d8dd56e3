import Synchronization

/// Answers of the management plane's reviews, kept for a while and asked once: concurrent callers
/// with the same key wait for the one review in flight (a page of 200 readers whose answer just
/// expired costs one review, not 200). Bounded: past `limit` entries, expired ones go first, then
/// all.
final class ReviewCache<Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        var value: Value
        var until: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var inFlight: [String: Task<Value, any Error>] = [:]
    }

    private let state = Mutex(State())
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    /// The cached answer for `key`, or the one a review in flight gives, or a new review's.
    func value(for key: String, lifetime: @escaping @Sendable (Value) -> Duration,
               review: @escaping @Sendable () async throws(AccessReviewError) -> Value) async throws(AccessReviewError) -> Value {
        let now = ContinuousClock.now
        let task = state.withLock { state -> Task<Value, any Error>? in
            if let entry = state.entries[key], entry.until > now { return nil }
            if let running = state.inFlight[key] { return running }
            let task = Task<Value, any Error> { [weak self] in
                defer { self?.state.withLock { _ = $0.inFlight.removeValue(forKey: key) } }
                let value = try await review()
                self?.store(value, for: key, until: ContinuousClock.now + lifetime(value))
                return value
            }
            state.inFlight[key] = task
            return task
        }
        guard let task else {
            if let entry = state.withLock({ $0.entries[key] }) { return entry.value }
            return try await value(for: key, lifetime: lifetime, review: review)
        }
        do {
            return try await task.value
        } catch let error as AccessReviewError {
            throw error
        } catch {
            throw AccessReviewError(review: "review", reason: "\(error)")
        }
    }

    private func store(_ value: Value, for key: String, until: ContinuousClock.Instant) {
        state.withLock { state in
            if state.entries.count >= limit {
                let now = ContinuousClock.now
                state.entries = state.entries.filter { $0.value.until > now }
                if state.entries.count >= limit { state.entries.removeAll(keepingCapacity: true) }
            }
            state.entries[key] = Entry(value: value, until: until)
        }
    }
}
