import Foundation
import KubernetesModel
import LocalKube
import Testing

/// Replays every recorded kube-apiserver exchange (`Fixtures/kube-conformance/cases`) against a
/// fresh LocalKube cluster over HTTPS and compares the normalised answers with the recording.
@Suite struct ConformanceTests {
    /// On a cluster like the recording server (the simulated workload controllers off): every answer must match.
    @Test("recorded case", arguments: ConformanceFixtures.caseIDs)
    func replay(caseID: String) async throws {
        let testCase = try ConformanceFixtures.load(caseID)
        let failures = try await ConformanceReplayer.shared().replay(testCase)
        for failure in failures { Issue.record(Comment(rawValue: failure.description)) }
    }

    /// On a cluster as tests and the embedded mode run it (simulated workload controllers on): every
    /// difference must be one KNOWN-DIFFERENCES.md writes down.
    @Test("recorded case with simulated controllers", arguments: ConformanceFixtures.caseIDs)
    func replayWithSimulatedControllers(caseID: String) async throws {
        let testCase = try ConformanceFixtures.load(caseID)
        let known = try KnownDifferences.load()
        let settings = ClusterSettings(readinessDelay: .milliseconds(1))
        let failures = try await ConformanceReplayer.shared().replay(testCase, settings: settings)
        for failure in failures {
            let unexplained = failure.differences.filter { known.entry(caseID: caseID, step: failure.step, path: $0.path) == nil }
            if !unexplained.isEmpty {
                var shown = failure
                shown.differences = unexplained
                Issue.record(Comment(rawValue: "with simulated controllers, not in KNOWN-DIFFERENCES.md: " + shown.description))
            }
        }
        // No check that each row still occurs: whether a controller has written before a step is a matter of timing.
    }

    @Test func everyRecordedCaseIsReplayed() throws {
        #expect(ConformanceFixtures.caseIDs.count >= 91)
        for id in ConformanceFixtures.caseIDs {
            let testCase = try ConformanceFixtures.load(id)
            #expect(testCase.id == id, "cases/\(id).json names itself \(testCase.id)")
            #expect(!testCase.steps.isEmpty, "\(id) has no steps")
        }
    }

    @Test func knownDifferencesNameRecordedCasesAndGiveReasons() throws {
        let known = try KnownDifferences.load()
        let ids = Set(ConformanceFixtures.caseIDs)
        for entry in known.entries {
            #expect(entry.caseID == "*" || ids.contains(entry.caseID), "KNOWN-DIFFERENCES.md names no recorded case: \(entry)")
            #expect(!entry.reason.isEmpty)
        }
    }

    /// The fixture copy must stay in step with `../shared/kube-conformance` (skipped where it is absent).
    @Test func fixtureCopyMatchesSharedCases() throws {
        let shared = ConformanceFixtures.sharedDirectory
        guard FileManager.default.fileExists(atPath: shared.path) else { return }
        let copy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/kube-conformance")
        let sharedFiles = try Self.files(under: shared)
        let copiedFiles = try Self.files(under: copy)
        let missing = sharedFiles.keys.filter { copiedFiles[$0] == nil }.sorted()
        let extra = copiedFiles.keys.filter { sharedFiles[$0] == nil }.sorted()
        let changed = sharedFiles.keys.filter { copiedFiles[$0] != nil && copiedFiles[$0] != sharedFiles[$0] }.sorted()
        let remedy = "copy \(shared.path)/ over Tests/LocalKubeTests/Fixtures/kube-conformance/"
        #expect(missing.isEmpty, "missing from the fixture copy: \(missing); \(remedy)")
        #expect(extra.isEmpty, "in the fixture copy but no longer in \(shared.path): \(extra); \(remedy)")
        #expect(changed.isEmpty, "differ from \(shared.path): \(changed); \(remedy)")
    }

    private static func files(under root: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let base = root.standardizedFileURL.resolvingSymlinksInPath().path
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [:] }
        for case let url as URL in enumerator {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            let path = url.standardizedFileURL.resolvingSymlinksInPath().path
            result[String(path.dropFirst(base.count + 1))] = try Data(contentsOf: url)
        }
        return result
    }
}
