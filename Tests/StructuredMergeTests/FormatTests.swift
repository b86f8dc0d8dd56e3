import KubernetesModel
import Testing
@testable import StructuredMerge

/// Quantities stored in canonical form, base64 checked: what decoding into Go types does.
struct FormatTests {
    @Test(arguments: [
        ("0.5", "500m"), ("500m", "500m"), ("1", "1"), ("1000", "1k"), ("1500", "1500"), ("1.5", "1500m"),
        ("100Mi", "100Mi"), ("1024Mi", "1Gi"), ("1.5Gi", "1536Mi"), ("0.5Ki", "512"), ("100", "100"),
        ("0.1n", "1n"), ("1e3", "1e3"), ("1E6", "1e6"), ("12e2", "1200"), ("0", "0"), ("0Mi", "0"), ("-1", "-1"),
        ("2000000k", "2G"), ("10G", "10G"), ("1.25", "1250m"), (".5", "500m"), ("1000Ki", "1000Ki"), ("1023", "1023"),
    ])
    func canonicalQuantities(input: String, canonical: String) throws {
        #expect(try Quantity(parsing: input).description == canonical)
    }

    @Test(arguments: ["", "abc", "1.2.3", "1Q", "--1", "1ki", "1e"])
    func invalidQuantities(input: String) {
        #expect(throws: Quantity.ParseError.self) { try Quantity(parsing: input) }
    }

    @Test func numbersAreQuantitiesToo() throws {
        #expect(try Quantity.canonical(.double(0.5)) == "500m")
        #expect(try Quantity.canonical(.int(2)) == "2")
        #expect(try Quantity.canonical(.double(0.25)) == "250m")
    }

    @Test func resourcesAreStoredCanonical() throws {
        let pod = try Fixtures.object("""
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec:
              containers:
              - name: c
                resources:
                  requests: {cpu: 0.5, memory: 1024Mi}
                  limits: {cpu: "2", memory: 1.5Gi}
            """)
        let normalized = try Fixtures.type("v1", "Pod").normalizingFormats(pod.body)
        let resources = normalized["spec"]["containers"][0]["resources"]
        #expect(resources == ["requests": ["cpu": "500m", "memory": "1Gi"], "limits": ["cpu": "2", "memory": "1536Mi"]])
        var bad = pod.body
        bad.setValue(["name": "c", "resources": ["limits": ["cpu": "lots"]]], at: ["spec", "containers"])
        bad.setValue([bad["spec"]["containers"]], at: ["spec", "containers"])
        let error = #expect(throws: StructuredMergeError.self) { try Fixtures.type("v1", "Pod").normalizingFormats(bad) }
        #expect(error?.code == 400)
        #expect(error?.message == "Pod in version \"v1\" cannot be handled as a Pod: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    }

    @Test(arguments: [("aHVudGVyMg==", nil), ("aGVsbG8=", nil), ("", nil), ("aGVsbG8", 4), ("a", 0), ("ab!c", 2), ("aGk=x", 4), ("a===", 1)] as [(String, Int?)])
    func base64Validity(text: String, invalidAt: Int?) {
        #expect(Base64.firstInvalidByte(text) == invalidAt)
    }

    @Test func secretDataMustBeBase64() throws {
        let secret: JSONValue = ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"], "data": ["password": "not base64!"]]
        let error = #expect(throws: StructuredMergeError.self) { try Fixtures.type("v1", "Secret").normalizingFormats(secret) }
        #expect(error?.message == "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 3")
        let good: JSONValue = ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"], "data": ["password": "aHVudGVyMg=="]]
        #expect(try Fixtures.type("v1", "Secret").normalizingFormats(good) == good)
    }
}
