import KubernetesModel
import Testing
@testable import AddonCatalog

@Suite struct ManifestParsesTests {
    static func configMap(_ name: String, padding: Int = 0) -> String {
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: \(name)
        data:
          padding: "\(String(repeating: "x", count: padding))"
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: \(name)

        """
    }

    @Test func aTextRenderedAgainIsParsedOnceAndReadTheSame() throws {
        let parses = ManifestParses(capacityBytes: 1 << 20)
        let text = Self.configMap("shared")
        let first = try parses.documents(in: text, file: "manifests/a.yaml")
        let second = try parses.documents(in: text, file: "manifests/a.yaml")
        let direct = try YAML.documents(in: text, file: "manifests/a.yaml")
        #expect(second.map(\.value) == direct.map(\.value))
        #expect(second.map(\.line) == direct.map(\.line))
        #expect(second.map(\.lines) == direct.map(\.lines))
        #expect(first.map(\.value) == second.map(\.value))
        let stats = parses.statistics
        #expect(stats.texts == 1 && stats.hits == 1 && stats.misses == 1)
    }

    @Test func aDifferentTextOrFileIsParsedOnItsOwn() throws {
        let parses = ManifestParses(capacityBytes: 1 << 20)
        let one = try parses.documents(in: Self.configMap("one"), file: "manifests/a.yaml")
        let two = try parses.documents(in: Self.configMap("two"), file: "manifests/a.yaml")
        _ = try parses.documents(in: Self.configMap("one"), file: "manifests/b.yaml")
        #expect(one[0].value["metadata"]["name"] == "one")
        #expect(two[0].value["metadata"]["name"] == "two")
        #expect(parses.statistics.misses == 3 && parses.statistics.hits == 0)
    }

    /// Found in review: the key compared texts as `String`s, which takes canonically equivalent
    /// texts as equal — a cluster whose value held "e" and a combining accent would have been
    /// given the parse of another cluster's precomposed "é" (other bytes to apply, another hash).
    @Test func textsThatDifferOnlyInTheirBytesAreParsedApart() throws {
        let parses = ManifestParses(capacityBytes: 1 << 20)
        let precomposed = Self.configMap("caf\u{E9}"), decomposed = Self.configMap("cafe\u{301}")
        #expect(precomposed == decomposed, "Swift's String equality, the trap")
        let first = try parses.documents(in: precomposed, file: "m.yaml")
        let second = try parses.documents(in: decomposed, file: "m.yaml")
        #expect(Array(first[0].value["metadata"]["name"].stringValue!.utf8) == Array("caf\u{E9}".utf8))
        #expect(Array(second[0].value["metadata"]["name"].stringValue!.utf8) == Array("cafe\u{301}".utf8))
        #expect(parses.statistics.misses == 2 && parses.statistics.texts == 2)
    }

    /// Many renderings at once, from many tasks: every one gets its own text's documents.
    @Test func concurrentRenderingsGetTheirOwnDocuments() async throws {
        let parses = ManifestParses(capacityBytes: 64 * 1024)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for i in 0..<200 {
                        let name = "c\((task * 7 + i) % 40)"
                        let documents = try parses.documents(in: Self.configMap(name, padding: i % 3 * 500), file: "m.yaml")
                        #expect(documents[0].value["metadata"]["name"].stringValue == name)
                    }
                }
            }
            try await group.waitForAll()
        }
        let stats = parses.statistics
        #expect(stats.hits + stats.misses == 1_600)
        #expect(stats.bytes <= 64 * 1024)
    }

    @Test func changingReturnedDocumentsLeavesTheKeptOnesAlone() throws {
        let parses = ManifestParses(capacityBytes: 1 << 20)
        let text = Self.configMap("kept")
        var first = try parses.documents(in: text, file: "m.yaml")
        first[0].value.setValue("changed", at: ["metadata", "name"])
        let again = try parses.documents(in: text, file: "m.yaml")
        #expect(again[0].value["metadata"]["name"] == "kept")
    }

    @Test func textThatDoesNotParseIsReportedEveryTimeAndNotKept() {
        let parses = ManifestParses(capacityBytes: 1 << 20)
        let broken = "apiVersion: v1\nkind: [unclosed\n"
        for _ in 0..<2 {
            #expect(throws: YAMLParseError.self) { try parses.documents(in: broken, file: "manifests/broken.yaml") }
        }
        do {
            _ = try parses.documents(in: broken, file: "manifests/broken.yaml")
        } catch {
            #expect(error.file == "manifests/broken.yaml")
            #expect(error.line != nil)
        }
        #expect(parses.statistics.texts == 0)
    }

    @Test func theLeastRecentlyUsedTextsGoFirstWhenFull() throws {
        let texts = (0..<5).map { Self.configMap("c\($0)", padding: 900) }
        let size = texts[0].utf8.count + "m.yaml".utf8.count
        let parses = ManifestParses(capacityBytes: 4 * size + size / 2)  // room for four
        _ = try parses.documents(in: texts[0], file: "m.yaml")
        for text in texts.dropFirst() {
            _ = try parses.documents(in: texts[0], file: "m.yaml")  // the shared one, in use throughout
            _ = try parses.documents(in: text, file: "m.yaml")
        }
        let stats = parses.statistics
        #expect(stats.texts == 4 && stats.bytes == 4 * size)
        let hitsBefore = stats.hits
        _ = try parses.documents(in: texts[0], file: "m.yaml")
        _ = try parses.documents(in: texts[4], file: "m.yaml")
        #expect(parses.statistics.hits == hitsBefore + 2, "the shared text and the newest stay")
        _ = try parses.documents(in: texts[1], file: "m.yaml")
        #expect(parses.statistics.hits == hitsBefore + 2, "the oldest unique text was let go")
    }

    @Test func aTextLargerThanAQuarterOfTheRoomIsNotKept() throws {
        let parses = ManifestParses(capacityBytes: 2_000)
        _ = try parses.documents(in: Self.configMap("big", padding: 1_000), file: "m.yaml")
        #expect(parses.statistics.texts == 0)
    }
}
