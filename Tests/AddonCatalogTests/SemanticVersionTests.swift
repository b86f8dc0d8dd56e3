import Testing
@testable import AddonCatalog

@Suite struct SemanticVersionTests {
    @Test func parsesAndPrints() {
        #expect(SemanticVersion("1.30.2") == SemanticVersion(1, 30, 2))
        #expect(SemanticVersion("v1.30.2")?.description == "1.30.2")
        #expect(SemanticVersion("1.11.0-rc.1")?.prerelease == ["rc", "1"])
        for bad in ["1.30", "1.30.x", "01.2.3", "1.2.3-", "", "a.b.c", "1.2.3.4"] {
            #expect(SemanticVersion(bad) == nil, "\(bad)")
        }
    }

    @Test func ordersPrereleasesBeforeReleases() {
        let ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.10.0"].map { SemanticVersion($0)! }
        #expect(ordered.shuffled().sorted() == ordered)
    }

    @Test(arguments: [
        (">=1.24.0 <1.31.0", ["1.24.0", "1.30.9"], ["1.23.9", "1.31.0"]),
        ("^1.2", ["1.2.0", "1.9.9"], ["1.1.9", "2.0.0"]),
        ("^0.3.1", ["0.3.1", "0.3.9"], ["0.4.0", "0.3.0"]),
        ("~1.2.3", ["1.2.3", "1.2.9"], ["1.3.0", "1.2.2"]),
        ("1.x", ["1.0.0", "1.99.0"], ["2.0.0", "0.9.0"]),
        ("1.30.x", ["1.30.0", "1.30.7"], ["1.31.0", "1.29.9"]),
        ("*", ["0.0.1", "9.9.9"], []),
        ("1.2.3", ["1.2.3"], ["1.2.4"]),
        (">=1.28", ["1.28.0", "1.31.2"], ["1.27.9"]),
        ("<1.2 || >=2.0.0", ["1.1.9", "2.1.0"], ["1.2.0", "1.9.0"]),
        (">=1.0.0", ["1.5.0"], ["1.5.0-rc.1"]),
        (">=1.5.0-rc.0", ["1.5.0-rc.1", "1.5.0"], ["1.6.0-rc.1"]),
    ] as [(String, [String], [String])])
    func rangesMatch(_ range: String, _ inside: [String], _ outside: [String]) throws {
        let parsed = try #require(VersionRange(range))
        for v in inside { #expect(parsed.contains(SemanticVersion(v)!), "\(range) should contain \(v)") }
        for v in outside { #expect(!parsed.contains(SemanticVersion(v)!), "\(range) should not contain \(v)") }
    }

    @Test func rejectsMalformedRanges() {
        for bad in ["", ">=1.28.0 <1.3x", ">=", "1.2.3.4", "^x.y"] {
            #expect(VersionRange(bad) == nil, "\(bad)")
        }
    }
}
