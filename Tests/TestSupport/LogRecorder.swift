import Foundation
import Logging
import Synchronization

/// Captures the client's log messages so tests can wait for "it retried" without timing.
public final class LogRecorder: Sendable {
    public struct Entry: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }

    private let state = Mutex<(entries: [Entry], waiters: [(id: UUID, message: String, continuation: CheckedContinuation<Entry, any Error>)])>(([], []))

    public init() {}

    public var logger: Logger {
        var logger = Logger(label: "kubernetes-client-test") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    /// A logger at `level` (default: everything) whose lines this recorder keeps.
    public func logger(level: Logger.Level) -> Logger {
        var logger = self.logger
        logger.logLevel = level
        return logger
    }

    /// Every line as text, `level message key=value ...` (metadata sorted): what a scan for
    /// leaked values reads.
    public var lines: [String] {
        entries.map { entry in
            "\(entry.level) \(entry.message) " + entry.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
    }

    public var entries: [Entry] { state.withLock { $0.entries } }

    func record(_ entry: Entry) {
        let ready = state.withLock { state -> [CheckedContinuation<Entry, any Error>] in
            state.entries.append(entry)
            var ready: [CheckedContinuation<Entry, any Error>] = []
            state.waiters.removeAll { waiter in
                if entry.message == waiter.message { ready.append(waiter.continuation); return true }
                return false
            }
            return ready
        }
        for continuation in ready { continuation.resume(returning: entry) }
    }

    /// Waits for the next (or an already recorded, not yet awaited) message `message`; throws
    /// `EventuallyTimeout` when none comes within `timeout` (a test waiting on a log line that
    /// never comes fails, saying which, instead of hanging).
    public func next(_ message: String, after count: Int = 0, timeout: Duration = .seconds(30)) async throws -> Entry {
        let id = UUID()
        return try await withCheckedThrowingContinuation { continuation in
            let found = state.withLock { state -> Entry? in
                let matching = state.entries.filter { $0.message == message }
                if matching.count > count { return matching[count] }
                state.waiters.append((id, message, continuation))
                return nil
            }
            if let found {
                continuation.resume(returning: found)
                return
            }
            Task {
                try? await Task.sleep(for: timeout)
                let expired = state.withLock { state -> CheckedContinuation<Entry, any Error>? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index).continuation
                }
                expired?.resume(throwing: EventuallyTimeout(what: "log message \"\(message)\"", timeout: timeout))
            }
        }
    }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged: [String: String] = [:]
            for (k, v) in metadata { merged[k] = "\(v)" }
            for (k, v) in event.metadata ?? [:] { merged[k] = "\(v)" }
            recorder.record(Entry(level: event.level, message: "\(event.message)", metadata: merged))
        }
    }
}
