import Foundation
import LocalKube
import Testing
import TestSupport
@testable import AddonManagerCommand

/// The fault matrix (`addon-manager chaos`): its checks, and a short run of it — a small dev
/// fleet, two replica processes, faults one at a time — that must pass: every cluster converges,
/// nothing is deleted, no cluster has two writers, no replica crashes.
@Suite(.serialized) struct FaultMatrixTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func write(_ at: ContinuousClock.Instant, by replica: String, verb: String = "patch", status: Int = 200) -> RequestRecord {
        RequestRecord(at: at, verb: verb, resource: "configmaps", namespace: "kube-system", name: "x",
                      userAgent: "addon-manager/0.1 (\(replica); workload)", status: status)
    }

    @Test func checksCountDeletionsAndTwoWritersAtOnce() {
        let t = ContinuousClock.now
        let handover = [Self.write(t, by: "replica-a"), Self.write(t + .seconds(16), by: "replica-b")]
        let overlap = [Self.write(t, by: "replica-a"), Self.write(t + .seconds(1), by: "replica-b"), Self.write(t + .seconds(2), by: "replica-a")]
        let deleted = [Self.write(t, by: "replica-a", verb: "delete"), Self.write(t, by: "replica-a", verb: "delete", status: 404)]
        let checks = ChaosChecks.from([("handover", handover), ("overlap", overlap), ("deleted", deleted)])
        #expect(checks.duplicateWriterClusters == ["overlap"])
        #expect(checks.deletes == 1, "a refused delete deleted nothing")
        #expect(ChaosChecks.replica(of: "addon-manager/0.1 (replica-b; leases)") == "replica-b")
        #expect(ChaosChecks.replica(of: "kubectl/v1.30") == nil)
    }

    @Test func aShortFaultMatrixPasses() async throws {
        let executable = try #require(builtExecutable(named: "addon-manager"), "addon-manager is not built beside the tests (run `swift build` or `swift test`)")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("chaos-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: work) }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["chaos", "--clusters", "3", "--fault-seconds", "3", "--unreachable-seconds", "3", "--converge-limit", "120",
                             "--phases", "5xx", "429", "watch-drops", "gone", "kill", "--catalog", Self.repository.path, "--work-dir", work]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let lines = ProcessOutput(output.fileHandleForReading)
        try process.run()
        let ended = await lines.waitForLine(timeout: .seconds(400)) { $0.hasPrefix("replica logs: ") }
        if process.isRunning, ended == nil { process.terminate() }
        await process.exited()
        let text = await lines.tail(80)
        #expect(process.terminationStatus == 0, "\(text)")
        for phase in ["5xx", "429", "watch-drops", "gone", "kill"] {
            #expect(text.contains("| \(phase) | ") && text.split(separator: "\n").contains { $0.hasPrefix("| \(phase) |") && $0.hasSuffix("| ok |") },
                    "phase \(phase) not reported ok: \(text)")
        }
    }
}
