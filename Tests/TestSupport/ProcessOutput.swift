import Foundation

/// The lines a child process writes to a pipe, collected as they arrive, so that a test can wait
/// for one (with a deadline) while the process still runs.
public actor ProcessOutput {
    private var lines: [String] = []
    private var partial = ""

    public init(_ handle: FileHandle) {
        handle.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            let text = String(decoding: data, as: UTF8.self)
            Task { await self.append(text) }
        }
    }

    private func append(_ text: String) {
        partial += text
        while let newline = partial.firstIndex(of: "\n") {
            lines.append(String(partial[..<newline]))
            partial = String(partial[partial.index(after: newline)...])
        }
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
