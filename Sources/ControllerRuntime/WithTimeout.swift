/// Runs `body`, cancelling it and throwing `timeout()` when it takes longer than `limit`
/// (timed on the Lease thread's timer when `executor` is given).
func withTimeout<T: Sendable>(_ limit: Duration, on executor: LeaseExecutor? = nil, _ timeout: @escaping @Sendable () -> any Error,
                              _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await LeaseExecutor.sleep(for: limit, on: executor)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw timeout() }
        return value
    }
}
