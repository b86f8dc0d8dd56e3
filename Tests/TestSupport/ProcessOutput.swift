import Foundation

/// The lines a child process writes to a pipe, collected as they arrive, so that a test can wait
/// for one (with a deadline) while the process still runs.
public actor ProcessOutput {
    private var lines: [String] = []
    private var partial: [UInt8] = []
    private var ended = false

    /// Chunks go through one ordered stream to one reader: a task per chunk could append them
    /// out of order and split a line in two (a test once saw the end of a message before its
    /// start).
    public init(_ handle: FileHandle) {
        let (chunks, continuation) = AsyncStream.makeStream(of: Data.self)
        handle.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                continuation.finish()
            } else {
                continuation.yield(data)
            }
        }
        Task { [weak self] in
            for await data in chunks { await self?.append(data) }
            await self?.end()
        }
    }

    private func append(_ data: Data) {
        partial += data
        while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(String(decoding: partial[..<newline], as: UTF8.self))
            partial.removeSubrange(...newline)
        }
    }

    private func end() {
        if !partial.isEmpty { lines.append(String(decoding: partial, as: UTF8.self)) }
        partial = []
        ended = true
    }

    /// Waits until the process closed its end of the pipe (it exited), so that every line it
    /// wrote is here; returns whether it did within `timeout`.
    @discardableResult
    public func waitForEnd(timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !ended, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return ended
    }

    /// Every complete line so far.
    public var all: [String] { lines }

    /// The last lines, for failure messages.
    public func tail(_ count: Int = 8) -> String { lines.suffix(count).joined(separator: "\n") }

    /// The first line that matches, waiting up to `timeout` for it to arrive; nil when none did.
    public func waitForLine(timeout: Duration = .seconds(30), where matches: @Sendable (String) -> Bool) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = lines.first(where: matches) { return line }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return lines.first(where: matches)
    }
}

/// An executable of this package, built beside the test bundle (`swift test` builds every product).
public func builtExecutable(named name: String) -> URL? {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<3 {
        let candidate = directory.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    return nil
}
