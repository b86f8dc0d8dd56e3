import Foundation
import Testing
import TestSupport

/// `addon-manager dev` and `localkube` print kubeconfig paths and progress as they happen when
/// their output goes to a pipe (a script, a container log, `| tee`), not only when they exit.
@Suite(.serialized) struct OutputAsItHappensTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Starts `addon-manager ARGUMENTS` with standard output in a pipe and waits, while it runs,
    /// for a line containing `expected`.
    func seeLineWhileRunning(_ arguments: [String], expected: String) async throws {
        let executable = try #require(builtExecutable(named: "addon-manager"), "addon-manager is not built beside the tests (run `swift build` or `swift test`)")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = Self.repository
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let lines = ProcessOutput(output.fileHandleForReading)
        try process.run()
        let line = await lines.waitForLine(timeout: .seconds(60)) { $0.contains(expected) }
        let seen = await lines.tail()
        #expect(line != nil, "no line with \"\(expected)\" arrived while the process ran; got: \(seen)")
        #expect(process.isRunning, "the line must arrive while the process still runs, not at exit")
        if process.isRunning { process.terminate() }
        await process.exited()
        output.fileHandleForReading.readabilityHandler = nil
    }

    @Test func localkubePrintsItsKubeconfigsAtOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("localkube-out-\(UUID().uuidString)").path
        try await seeLineWhileRunning(["localkube", "--clusters", "1", "--kubeconfig-dir", directory], expected: "kubeconfig: ")
    }

    @Test func devPrintsItsKubeconfigsAndProgressAtOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dev-out-\(UUID().uuidString)").path
        try await seeLineWhileRunning(["dev", "--clusters", "1", "--http-port", "0", "--status-port", "0", "--kubeconfig-dir", directory, "--catalog", Self.repository.path],
                                      expected: "first cluster Healthy")
    }
}
