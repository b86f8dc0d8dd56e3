import Foundation
import KubernetesModel
import Testing

/// Replays every recorded kube-apiserver exchange (`Fixtures/kube-conformance/cases`) against a
/// fresh LocalKube cluster over HTTPS and compares the normalised answers with the recording.
@Suite struct ConformanceTests {
    @Test("recorded case", arguments: ConformanceFixtures.caseIDs)
    func replay(caseID: String) async throws {
        let testCase = try ConformanceFixtures.load(caseID)
        let known = try KnownDifferences.load()
        let replayer = try await ConformanceReplayer.shared()
        let failures = try await replayer.replay(testCase)
        var used = Set<String>()
        for failure in failures {
            var unexplained: [ConformanceDifference] = []
            for difference in failure.differences {
                if let entry = known.entry(caseID: caseID, step: failure.step, path: difference.path) {
                    used.insert(entry.description)
                    withKnownIssue(Comment(rawValue: entry.reason)) {
                        Issue.record("\(caseID) step \(failure.step) (\(failure.request)) \(difference)")
                    }
                } else {
                    unexplained.append(difference)
                }
            }
            if !unexplained.isEmpty {
                var shown = failure
                shown.differences = unexplained
                Issue.record(Comment(rawValue: shown.description))
            }
        }
        for entry in known.entries where entry.caseID == caseID && !used.contains(entry.description) {
            Issue.record("KNOWN-DIFFERENCES.md lists \(entry) but the replay no longer differs there: remove the row")
        }
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
            #expect(ids.contains(entry.caseID), "KNOWN-DIFFERENCES.md names no recorded case: \(entry)")
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
