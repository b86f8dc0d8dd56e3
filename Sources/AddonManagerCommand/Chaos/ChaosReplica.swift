import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One manager replica of the fault matrix: `addon-manager run` as a process of its own, so
/// that it can be killed as a real one is (SIGKILL: no drain, no Lease released).
final class ChaosReplica: @unchecked Sendable {
    let identity: String
    private let arguments: [String]
    private let logPath: String
    private let lock = NSLock()
    private var process: Process?
    private var killedOnPurpose = false
    /// Exits nobody asked for (a crash), with their status.
    private(set) var unexpectedExits: [Int32] = []

    init(identity: String, managementKubeconfig: String, logDirectory: String, logLevel: String) {
        self.identity = identity
        logPath = "\(logDirectory)/\(identity).log"
        arguments = ["run", "--kubeconfig", managementKubeconfig, "--identity", identity, "--http-port", "0",
                     "--http-host", "127.0.0.1", "--log-level", logLevel]
    }

    /// This executable (the replicas are the same binary).
    static var executable: URL { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath() }

    func start() throws {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.terminationHandler = { [weak self] ended in
            guard let self else { return }
            self.lock.withLock {
                if !self.killedOnPurpose { self.unexpectedExits.append(ended.terminationStatus) }
                self.killedOnPurpose = false
            }
        }
        try process.run()
        lock.withLock {
            self.process = process
        }
    }

    var isRunning: Bool { lock.withLock { process?.isRunning ?? false } }

    var crashes: [Int32] { lock.withLock { unexpectedExits } }

    /// SIGKILL, as the kernel's OOM killer or a node loss would.
    func kill() {
        lock.withLock {
            guard let process, process.isRunning else { return }
            killedOnPurpose = true
            _ = Glibc.kill(process.processIdentifier, SIGKILL)
        }
        lock.withLock { process }?.waitUntilExit()
    }

    /// SIGTERM, then wait (the graceful path).
    func stop() {
        let running = lock.withLock { () -> Process? in
            killedOnPurpose = true
            return process
        }
        guard let running, running.isRunning else { return }
        running.terminate()
        // A replica exits within its shutdown bounds (25 s graceful + 5 s cancellation); one that
        // does not is killed, and said so, rather than waited for forever.
        let deadline = Date().addingTimeInterval(45)
        while running.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if running.isRunning {
            FileHandle.standardError.write(Data("chaos: \(identity) did not exit within 45 s of SIGTERM: killed (see its log)\n".utf8))
            Glibc.kill(running.processIdentifier, SIGKILL)
            running.waitUntilExit()
        }
    }

    /// Resident memory in MiB (from /proc), nil when not running.
    var residentMiB: Double? {
        guard let pid = lock.withLock({ process?.isRunning == true ? process?.processIdentifier : nil }),
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
        return kib / 1024
    }
}
