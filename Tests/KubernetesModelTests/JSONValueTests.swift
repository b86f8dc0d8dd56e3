import Foundation
import Testing
@testable import KubernetesModel

@Suite struct JSONValueTests {
    @Test func parsesAndSerialisesCanonically() throws {
        let value = try JSONValue.parse(#"{"b": [1, 2.5, "x\n\u00e9", true, null], "a": {"z": -7, "y": 1e3}}"#)
        #expect(value["a"]["z"] == .int(-7))
        #expect(value["a"]["y"] == .double(1000))
        #expect(value["b"][2] == .string("x\né"))
        // Sorted keys, compact, integral doubles without a fraction.
        #expect(value.jsonString() == #"{"a":{"y":1000,"z":-7},"b":[1,2.5,"x\né",true,null]}"#)
        #expect(try JSONValue.parse(value.jsonString()) == value)
    }

    /// Found by fuzzing (Fuzz/run.sh json): `5555555555555e5555555` parsed as infinity and was
    /// written back as `null`. Out-of-range numbers are refused, as Go's encoding/json does.
    @Test func numbersOutOfAFloat64sRangeAreRefused() throws {
        for text in ["5555555555555e5555555", "-1e400", "[1, 2e999]", "{\"a\": 1e309}"] {
            #expect(throws: (any Error).self, "\(text)") { try JSONValue.parse(text) }
        }
        #expect(try JSONValue.parse("1.7976931348623157e308") == .double(1.7976931348623157e308))
        #expect(try JSONValue.parse("5e-400") == .double(0))
    }

    @Test func keepsLargeIntegersExact() throws {
        let value = try JSONValue.parse("9007199254740993")
        #expect(value == .int(9_007_199_254_740_993))
        #expect(value.jsonString() == "9007199254740993")
    }

    @Test func decodesSurrogatePairsAndEscapes() throws {
        let value = try JSONValue.parse(#""\ud83d\ude00 \"q\" \\ \/ \t""#)
        #expect(value == .string("😀 \"q\" \\ / \t"))
        #expect(try JSONValue.parse(value.jsonString()) == value)
    }

    /// Every byte below 0x80 and some multi-byte text, written exactly: escapes for `"`, `\\` and
    /// control characters only, runs between them copied as they are, and read back the same.
    @Test func writesEveryEscapeAndTheRunsBetween() throws {
        #expect(JSONValue.string("").jsonString() == #""""#)
        #expect(JSONValue.string("plain").jsonString() == #""plain""#)
        #expect(JSONValue.string("a\"b\\c\nd\re\tf\u{01}g\u{1f}").jsonString() == #""a\"b\\c\nd\re\tf\u0001g\u001f""#)
        #expect(JSONValue.string("\"\"").jsonString() == #""\"\"""#)
        #expect(JSONValue.string("é😀 </> & \u{2028}").jsonString() == "\"é😀 </> & \u{2028}\"")
        let everyASCII = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self) + "é😀"
        let written = JSONValue.object(["k\n": .string(everyASCII)]).jsonString()
        #expect(try JSONValue.parse(written) == .object(["k\n": .string(everyASCII)]))
        var expected = #"{"k\n":""#
        for byte in 0..<0x80 {
            switch byte {
            case 0x22: expected += #"\""#
            case 0x5C: expected += #"\\"#
            case 0x0A: expected += #"\n"#
            case 0x0D: expected += #"\r"#
            case 0x09: expected += #"\t"#
            case 0..<0x20: expected += "\\u00" + String(format: "%02x", byte)
            default: expected += String(UnicodeScalar(UInt8(byte)))
            }
        }
        expected += #"é😀"}"#
        #expect(written == expected)
    }

    /// The size a limit checks is the size written, for every kind of value.
    @Test func serializedCountIsTheWrittenLength() throws {
        let everyASCII = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self) + "é😀"
        let values: [JSONValue] = [
            .null, true, false, 0, -7, .int(Int64.min), 2.5, 1e21, .double(.nan), "", "plain", .string(everyASCII), [], [:],
            [1, "two", [3, [4]], ["k": nil]],
            try JSONValue.parse(#"{"b": [1, 2.5, "x\n\u00e9", true, null], "a": {"z": -7, "y": 1e3, "": {}}, "q\"k": []}"#),
        ]
        for value in values {
            #expect(value.serializedCount == value.serialized().count, "\(value)")
        }
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "01x", "{\"a\":1} x", "\"\u{01}\""])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func pathAccessAndMutation() {
        var value: JSONValue = ["metadata": ["name": "x"]]
        value.setValue("ns", at: ["metadata", "namespace"])
        value.setValue(["a": "b"], at: ["metadata", "labels"])
        #expect(value.value(at: ["metadata", "namespace"]) == "ns")
        #expect(value.value(at: ["metadata", "missing"]) == nil)
        let removed = value.removeValue(at: ["metadata", "labels", "a"])
        #expect(removed)
        #expect(value["metadata"]["labels"] == .object([:]))
        let removedMissing = value.removeValue(at: ["spec", "x"])
        #expect(!removedMissing)
    }

    @Test func contentHashIgnoresKeyOrder() throws {
        let a = try JSONValue.parse(#"{"x":1,"y":{"b":2,"a":[1,2]}}"#)
        let b = try JSONValue.parse(#"{"y":{"a":[1,2],"b":2},"x":1}"#)
        #expect(ContentHash.sha256Hex(of: a) == ContentHash.sha256Hex(of: b))
        #expect(ContentHash.sha256Hex(of: a) != ContentHash.sha256Hex(of: ["x": 2]))
        #expect(ContentHash.sha256Hex(of: a).count == 64)
        #expect(ContentHash.shortDigest(of: a) == ContentHash.shortDigest(of: b))
        #expect(ContentHash.shortDigest(of: a) != ContentHash.shortDigest(of: ["x": 2]))
    }

    /// Known answers (Python's hashlib and base64 give the same): the hex digest of the canonical
    /// text, and the short digest, its first 11 bytes in URL-safe base64, 15 characters.
    @Test func contentHashKnownAnswers() {
        #expect(ContentHash.sha256Hex(bytes: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ContentHash.sha256Hex(of: ["x": 1]) == "5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22")
        let short = ContentHash.shortDigest(of: ["x": 1])
        #expect(short == "UEG_H3E98gR4Q1M")
        #expect(short.utf8.count == ContentHash.shortDigestLength)
    }

    /// Regression (memory): caches kept the arrays `serialized()` grew by doubling, up to twice
    /// the text's size; what is kept holds the same bytes in no more room than they need.
    @Test(arguments: [1, 100, 5_000])
    func keptTextHasTheSameBytesWithoutTheGrowth(entries: Int) throws {
        let value = JSONValue.object(Dictionary(uniqueKeysWithValues: (0..<entries).map { ("key-\($0)", JSONValue.string(String(repeating: "v", count: $0 % 40))) }))
        let grown = value.serialized(), kept = value.serializedToKeep()
        #expect(kept == grown)
        // malloc rounds small blocks up (12 bytes get 24).
        #expect(kept.capacity <= kept.count + max(kept.count / 16, 32), "kept \(kept.count) bytes in room for \(kept.capacity)")
        #expect(try JSONValue.parse(kept) == value)
    }
}
