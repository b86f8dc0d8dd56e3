import Foundation
import LocalKube
import Testing
import TestSupport

/// `addon-manager run` whose start fails (its HTTP port taken) ends with the reason alone: it
/// neither reports a catalog it never read nor logs the failures of watches cut by its own exit.
@Suite struct FailedStartTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Before: "management-plane catalog read … 0 versions" (the catalog took its cancelled wait
    /// for the first lists as done), and one "list/watch failed, retrying … alreadyShutdown"
    /// per informer still starting (the clients were closed while the informers still ran).
    @Test func aPortInUseEndsRunWithThatReasonAlone() async throws {
        let executable = try #require(builtExecutable(named: "addon-manager"), "addon-manager is not built beside the tests (run `swift build` or `swift test`)")
        try await LocalKubeFixture.with { f in
            // Every answer to the manager half a second late: its catalog's first lists are still
            // out when the listener fails (without this, on a fast run they sometimes came back
            // first, and the catalog, read for real, rightly said so).
            await f.cluster.setFaults(FaultSettings(latency: .milliseconds(500), userAgentContaining: "failed-start"))
            let process = Process()
            process.executableURL = executable
            // LocalKube's own port is the one taken.
            process.arguments = ["run", "--kubeconfig", f.kubeconfigPath, "--install-crds", "--identity", "failed-start",
                                 "--http-host", f.server.host, "--http-port", "\(f.server.port)", "--log-level", "info"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            let lines = ProcessOutput(output.fileHandleForReading)
            try process.run()
            let ended = await lines.waitForEnd(timeout: .seconds(60))
            if process.isRunning { process.terminate() }
            await process.exited()
            let all = await lines.all
            // The first lines too: a crash's message comes before its backtrace (seen once,
            // 12-06 in a loaded full run, with only the backtrace's last lines shown).
            let text = (all.count > 80 ? all.prefix(40) + ["..."] + all.suffix(40) : all[...]).joined(separator: "\n")
            #expect(ended && process.terminationStatus != 0, "\(text)")
            #expect(all.contains { $0.contains("cannot listen on \(f.server.host):\(f.server.port) (--http-port)") }, "\(text)")
            #expect(!all.contains { $0.contains("management-plane catalog read") }, "\(text)")
            #expect(!all.contains { $0.contains("alreadyShutdown") }, "\(text)")
        }
    }
}
