import Foundation

/// A condition that did not become true in time: what was awaited, and the last error the check
/// threw (a check that throws is retried until the deadline, as a read that fails for a moment).
public struct EventuallyTimeout: Error, CustomStringConvertible {
    public var what: String
    public var timeout: Duration
    public var lastError: String?

    public init(what: String, timeout: Duration, lastError: String? = nil) {
        self.what = what
        self.timeout = timeout
        self.lastError = lastError
    }

    public var description: String {
        "timed out after \(timeout) waiting for \(what)" + (lastError.map { " (last error: \($0))" } ?? "")
    }
}

/// Polls `check` until it returns true, or throws `EventuallyTimeout` at the deadline.
public func eventually(_ what: String, timeout: Duration = .seconds(60), every poll: Duration = .milliseconds(50),
                       _ check: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    var lastError: String?
    while true {
        do {
            if try await check() { return }
            lastError = nil
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            lastError = "\(error)"
        }
        guard ContinuousClock.now < deadline else { throw EventuallyTimeout(what: what, timeout: timeout, lastError: lastError) }
        try await Task.sleep(for: poll)
    }
}

/// Polls `value` until it returns non-nil, and returns it (or throws `EventuallyTimeout`).
public func eventuallyValue<T>(_ what: String, timeout: Duration = .seconds(60), every poll: Duration = .milliseconds(50),
                          _ value: () async throws -> T?) async throws -> T {
    var found: T?
    try await eventually(what, timeout: timeout, every: poll) {
        found = try await value()
        return found != nil
    }
    return found!
}
