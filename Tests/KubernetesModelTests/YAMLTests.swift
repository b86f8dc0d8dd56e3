import Testing
@testable import KubernetesModel

@Suite struct YAMLTests {
    @Test func readsYAML11ScalarsAsTheAPIServerDoes() throws {
        let value = try YAML.parse("""
            a: yes
            b: off
            c: y
            d: 1.10
            e: "yes"
            f: 0755
            g: 0x1F
            h: ~
            i: 2024-01-02
            j: 1_000
            k: +12
            l: .5
            m: plain text
            o: '1.10'
            n: 1
            """)
        #expect(value["a"] == .bool(true))
        #expect(value["b"] == .bool(false))
        #expect(value["c"] == .bool(true))
        #expect(value["d"] == .double(1.1))
        #expect(value["e"] == .string("yes"))
        #expect(value["f"] == .int(493))
        #expect(value["g"] == .int(31))
        #expect(value["h"] == .null)
        #expect(value["i"] == .string("2024-01-02"))
        #expect(value["j"] == .int(1000))
        #expect(value["k"] == .int(12))
        #expect(value["l"] == .double(0.5))
        #expect(value["m"] == .string("plain text"))
        #expect(value["o"] == .string("1.10"))
        // As in go-yaml v2, a plain `n` key is the boolean false, written as "false".
        #expect(value["false"] == .int(1))
    }

    @Test func splitsDocumentsWithLinesAndSkipsEmptyOnes() throws {
        let docs = try YAML.documents(in: """
            ---
            # only a comment
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: one
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: two
            data:
              key: value
            """, file: "x.yaml")
        #expect(docs.count == 2)
        #expect(docs[0].value["metadata"]["name"] == "one")
        #expect(docs[0].line == 4)
        #expect(docs[1].line == 9)
        #expect(docs[1].line(of: ["data", "key"]) == 14)
        #expect(docs[1].line(of: ["data"]) == 13)
        #expect(docs[1].line(of: ["data", "nothing"]) == 13)
    }

    @Test func reportsFileAndLineOfSyntaxErrors() {
        do {
            _ = try YAML.documents(in: "a: 1\nb: [1, 2\nc: 3\n", file: "bad.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "bad.yaml")
            #expect(error.line != nil)
            #expect(error.description.hasPrefix("bad.yaml:"))
        }
    }

    @Test func rejectsDuplicateKeys() {
        #expect(throws: YAMLParseError.self) { try YAML.parse("a: 1\na: 2\n") }
    }

    @Test func resolvesAnchorsAndMergeKeys() throws {
        let value = try YAML.parse("""
            base: &base
              a: 1
              b: 2
            derived:
              <<: *base
              b: 3
            """)
        #expect(value["derived"] == ["a": 1, "b": 3])
    }

    @Test func emitsYAMLThatReadsBackIdentically() throws {
        let value: JSONValue = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": "x", "labels": ["a": "yes", "b": "1.10", "c": "", "d": "- x", "e": "a: b", "f": "#c", "g": "*x"]],
            "data": ["script": "line one\nline two\n", "nested": "no trailing newline\nend", "spaces": " lead", "n": "null", "t": "true"],
            "list": [["name": "a", "ports": [1, 2]], [], [:], "plain", 1.5, -3, true, .null, [[1, 2], [3]]],
        ]
        let text = YAML.emit(value)
        #expect(try YAML.parse(text) == value)
        #expect(text.contains("a: \"yes\""))
    }

    /// As kubectl writes them: a YAML 1.1 reader (PyYAML, Ruby) takes an unquoted timestamp
    /// for a date. Found comparing `addonctl kube get -o yaml` with kubectl's output.
    @Test func timestampsAreQuoted() throws {
        let value: JSONValue = ["t": "2026-12-06T21:09:10Z", "d": "2026-12-06", "v": "1.30.1", "n": "2026", "w": "2026-x"]
        let text = YAML.emit(value)
        #expect(try YAML.parse(text) == value)
        #expect(text.contains("t: \"2026-12-06T21:09:10Z\"") && text.contains("d: \"2026-12-06\""), "\(text)")
        #expect(text.contains("v: 1.30.1") && text.contains("w: 2026-x"), "\(text)")
    }

    /// Apply bodies in JSON form take the JSON parser; what it refuses is read as YAML.
    @Test func bodyInJSONFormReadsAsItsYAMLReadingDoes() throws {
        let json = #"  {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"on":"yes","n":"1.10"},"list":[1,2.5,true,null]}"#
        #expect(try YAML.parse(body: Array(json.utf8)) == (try YAML.parse(json)))
        // A YAML flow mapping is not JSON: read as YAML, with YAML 1.1's booleans.
        let flow = "{a: yes, b: [1, 2]}"
        #expect(try YAML.parse(body: Array(flow.utf8)) == ["a": true, "b": [1, 2]])
        // Block YAML as before, and errors keep their line.
        #expect(try YAML.parse(body: Array("a: 1\nb: off\n".utf8)) == ["a": 1, "b": false])
        #expect(throws: YAMLParseError.self) { try YAML.parse(body: Array("a: 1\nb: [\n".utf8)) }
        do {
            _ = try YAML.parse(body: Array("{\"a\": 1,\n\"b\": [}".utf8))
            Issue.record("a broken body parsed")
        } catch {
            #expect(error.line == 2)
        }
    }
}
