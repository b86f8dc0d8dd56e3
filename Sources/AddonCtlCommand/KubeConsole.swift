import Foundation

/// Where `addonctl kube` writes: standard output and error for people, a buffer in tests that
/// run the commands in-process.
final class KubeConsole: @unchecked Sendable {
    private let lock = NSLock()
    private let capture: Bool
    private var outText = ""
    private var errText = ""

    private init(capture: Bool) { self.capture = capture }

    /// The process's standard output and error.
    static let standard = KubeConsole(capture: false)

    /// A console that keeps what is written (for tests).
    static func capturing() -> KubeConsole { KubeConsole(capture: true) }

    /// Writes a line (or several) to standard output.
    func out(_ text: String) {
        let line = text.hasSuffix("\n") ? text : text + "\n"
        if capture {
            lock.withLock { outText += line }
        } else {
            FileHandle.standardOutput.write(Data(line.utf8))
        }
    }

    /// Writes a line (or several) to standard error.
    func err(_ text: String) {
        let line = text.hasSuffix("\n") ? text : text + "\n"
        if capture {
            lock.withLock { errText += line }
        } else {
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// What was written to standard output (capturing consoles only).
    var stdout: String { lock.withLock { outText } }
    /// What was written to standard error (capturing consoles only).
    var stderr: String { lock.withLock { errText } }
}
