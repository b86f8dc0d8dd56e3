import TestSupport
import KubernetesModel
@testable import LocalKube
import Testing

/// Custom objects checked against their CRD's schema beyond types, bounds and enums: string
/// formats, `multipleOf`, property counts, `anyOf`/`oneOf`/`not`, and list sets and maps — each
/// refused through the HTTP API with the server's wording. (Before: LocalKube stored a Cluster
/// whose `date-time` field held "yesterday", which a real server refuses.)
@Suite struct CustomResourceValueValidationTests {
    static let gizmos = "/apis/example.com/v1/namespaces/v/gizmos"

    static let schema: JSONValue = [
        "type": "object",
        "properties": ["spec": ["type": "object", "properties": [
            "started": ["type": "string", "format": "date-time"],
            "timeout": ["type": "string", "format": "duration"],
            "host": ["type": "string", "format": "hostname"],
            "endpoint": ["type": "string", "format": "uri"],
            "address": ["type": "string", "format": "ipv4"],
            "network": ["type": "string", "format": "cidr"],
            "zone": ["type": "string", "format": "ip"],
            "size": ["type": "integer", "multipleOf": 4],
            "labels": ["type": "object", "additionalProperties": ["type": "string"], "maxProperties": 2],
            "tags": ["type": "array", "items": ["type": "string"], "x-kubernetes-list-type": "set"],
            "ports": ["type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                      "items": ["type": "object", "required": ["name"], "properties": ["name": ["type": "string"], "port": ["type": "integer"]]]],
            "target": ["type": "object", "properties": ["name": ["type": "string"], "selector": ["type": "string"]],
                       "oneOf": [["required": ["name"]], ["required": ["selector"]]]],
            "mode": ["type": "string", "anyOf": [["enum": ["fast", "slow"]], ["pattern": "^x-"]]],
            "name": ["type": "string", "not": ["enum": ["forbidden"]]],
            "code": ["type": "string", "pattern": #"^\d+$"#],
        ]]],
    ]

    static let crd: JSONValue = ClusterPolicyValidationTests.crd(
        names: ["plural": "gizmos", "singular": "gizmo", "kind": "Gizmo", "listKind": "GizmoList"],
        versions: [ClusterPolicyValidationTests.version("v1", schema: ["openAPIV3Schema": schema])])

    static func gizmo(_ spec: JSONValue) -> JSONValue {
        ["apiVersion": "example.com/v1", "kind": "Gizmo", "metadata": ["name": "g"], "spec": spec]
    }

    static func refused(_ message: String) -> String { "Gizmo.example.com \"g\" is invalid: \(message)" }

    static let cases: [ValidationFamilyTests.Case] = [
        .init(about: "a date-time that is not one", path: gizmos, body: gizmo(["started": "yesterday"]),
              message: refused("spec.started: Invalid value: \"yesterday\": spec.started in body must be of type date-time: \"yesterday\"")),
        .init(about: "a duration, a hostname, a URI, an IPv4 address and a CIDR that are not", path: gizmos,
              body: gizmo(["timeout": "soon", "host": "-bad-.example.com", "endpoint": "not a uri", "address": "10.0.0.256", "network": "10.0.0.0/33"]),
              message: refused("[spec.address: Invalid value: \"10.0.0.256\": spec.address in body must be of type ipv4: \"10.0.0.256\", "
                  + "spec.endpoint: Invalid value: \"not a uri\": spec.endpoint in body must be of type uri: \"not a uri\", "
                  + "spec.host: Invalid value: \"-bad-.example.com\": spec.host in body must be of type hostname: \"-bad-.example.com\", "
                  + "spec.network: Invalid value: \"10.0.0.0/33\": spec.network in body must be of type cidr: \"10.0.0.0/33\", "
                  + "spec.timeout: Invalid value: \"soon\": spec.timeout in body must be of type duration: \"soon\"]")),
        .init(about: "multipleOf and maxProperties (the bound printed as the value)", path: gizmos,
              body: gizmo(["size": 6, "labels": ["a": "1", "b": "2", "c": "3"]]),
              message: refused("[spec.labels: Invalid value: 2: spec.labels in body should have at most 2 properties, "
                  + "spec.size: Invalid value: 6: spec.size in body should be a multiple of 4]")),
        .init(about: "a set holding a value three times: reported once", path: gizmos, body: gizmo(["tags": ["a", "b", "a", "a"]]),
              message: refused("spec.tags[2]: Duplicate value: \"a\"")),
        .init(about: "a map list with a key twice", path: gizmos,
              body: gizmo(["ports": [["name": "http", "port": 80], ["name": "http", "port": 81]]]),
              message: refused("spec.ports[1]: Duplicate value: map[string]interface {}{\"name\":\"http\"}")),
        .init(about: "oneOf with no branch valid: the composite error and the first failing branch's", path: gizmos, body: gizmo(["target": .emptyObject]),
              message: refused("[<nil>: Invalid value: \"\": \"spec.target\" must validate one and only one schema (oneOf). Found none valid, spec.target.name: Required value]")),
        .init(about: "oneOf with both branches valid", path: gizmos, body: gizmo(["target": ["name": "a", "selector": "b"]]),
              message: refused("<nil>: Invalid value: \"\": \"spec.target\" must validate one and only one schema (oneOf). Found 2 valid alternatives")),
        .init(about: "a pattern's \\d is ASCII digits, as in Go (an Arabic-Indic three is not one)", path: gizmos, body: gizmo(["code": "12\u{0663}"]),
              message: refused("spec.code: Invalid value: \"12\u{0663}\": spec.code in body should match '^\\d+$'")),
        .init(about: "anyOf with no branch valid; not with its schema valid", path: gizmos, body: gizmo(["mode": "warp", "name": "forbidden"]),
              message: refused("[<nil>: Invalid value: \"\": \"spec.mode\" must validate at least one schema (anyOf), "
                  + "<nil>: Invalid value: \"\": \"spec.name\" must not validate the schema (not), "
                  + "spec.mode: Unsupported value: \"warp\": supported values: \"fast\", \"slow\"]")),
    ]

    static func establish(_ f: LocalKubeFixture) async throws {
        let created = try await f.create(ClusterPolicyValidationTests.crds, crd)
        #expect(created.status == 201, "\(created.text)")
        _ = try await f.eventually("gizmos to be served") {
            try await f.get("/apis/example.com/v1/namespaces/v/gizmos").status == 200 ? true : nil
        }
    }

    @Test func invalidValuesRefusedAsTheServerWordsThem() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("v")
            try await Self.establish(f)
            for c in Self.cases {
                let answer = try await f.create(c.path, c.body)
                #expect(answer.status == 422, "\(c.about): \(answer.text)")
                #expect(answer.body["message"].stringValue == c.message, "\(c.about)")
            }
        }
    }

    @Test func validValuesAreStored() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("v")
            try await Self.establish(f)
            let spec: JSONValue = [
                "started": "2026-12-04T20:30:00Z", "timeout": "3 days", "host": "db-1.example.com", "endpoint": "https://example.com:8443/x",
                "address": "10.0.0.1", "network": "10.0.0.0/16", "zone": "not checked: ip is no registered format", "size": 8,
                "labels": ["a": "1"], "tags": ["a", "b"], "ports": [["name": "http", "port": 80], ["name": "https", "port": 443]],
                "target": ["name": "a"], "mode": "x-turbo", "name": "allowed", "code": "0042",
            ]
            let answer = try await f.create(Self.gizmos, Self.gizmo(spec))
            #expect(answer.status == 201, "\(answer.text)")
            #expect(answer.body["spec"] == spec)
        }
    }

    /// The formats as strfmt's validators decide them (a table of the pure checks).
    @Test(arguments: [
        ("date-time", "2026-12-04T20:30:00Z", true), ("date-time", "2026-12-04t20:30:00.5+01:00", true), ("date-time", "2026-12-04 20:30:00Z", false),
        ("date-time", "2026-02-30T10:00:00Z", false), ("date-time", "2026-12-04T24:00:00Z", false), ("date", "2024-02-29", true), ("date", "2023-02-29", false),
        ("duration", "1h30m", true), ("duration", "90 minutes", true), ("duration", "2w", true), ("duration", "1.5h", true), ("duration", "", false),
        ("duration", "10 parsecs", false), ("hostname", "a", true), ("hostname", "db-1.example.com", true), ("hostname", "a_b.example.com", false),
        ("hostname", "example.", false), ("uri", "/path", true), ("uri", "mailto:x@example.com", true), ("uri", "https://h:80/p?q#f", true),
        ("uri", "https://h:port/", false), ("uri", "relative/path", false), ("uri", "1http://h", false), ("ipv4", "192.168.0.1", true),
        ("ipv4", "192.168.01.1", false), ("ipv4", "::1", false), ("ipv6", "fe80::1", true), ("ipv6", "10.0.0.1", false), ("cidr", "fd00::/8", true),
        ("cidr", "10.0.0.1", false), ("byte", "aGVsbG8=", true), ("byte", "aGVsbG8", false), ("uuid", "123e4567-e89b-12d3-a456-426614174000", true),
        ("uuid4", "123e4567-e89b-12d3-a456-426614174000", false), ("mac", "00:1a:2b:3c:4d:5e", true), ("mac", "00:1a:2b", false),
        ("bsonobjectid", "507f1f77bcf86cd799439011", true), ("int32", "anything", true),
    ] as [(String, String, Bool)])
    func stringFormats(format: String, value: String, valid: Bool) {
        #expect((SchemaStringFormat.accepts(format, value) ?? true) == valid, "\(format) \(value)")
    }

    /// The hand-written time-of-day scan agrees with strfmt's pattern (kept here as the oracle)
    /// on every string built from the pieces that matter: digits in and out of range, the
    /// separators, fractions whose first character is anything but a newline, and zones.
    @Test func timeOfDayAgreesWithStrfmtsPattern() {
        let clocks = ["10:30:00", "23:59:59", "24:00:00", "10:60:00", "10:30:60", "1:30:00", "10:3:00", "10-30-00", "ab:cd:ef", "10:30"]
        let fractions = ["", ".5", ".123456", ",5", "x9", "5", "12", ".", ".a", "\n5", "é1", "\r5", "\u{85}5", "\u{2028}5", "e\u{301}5", "\u{301}5"]
        let zones = ["z", "+01:00", "-23:59", "+0100", "+01:0", "01:00", "zz", "", "+01:00z", "z+01:00"]
        var checked = 0
        for clock in clocks {
            for fraction in fractions {
                for zone in zones {
                    let text = clock + fraction + zone
                    let oracle = Self.strfmtTimeOfDay(text)
                    #expect(SchemaStringFormat.isTimeOfDay(Array(text.unicodeScalars)) == oracle, "\(text.debugDescription)")
                    checked += 1
                }
            }
        }
        #expect(checked == clocks.count * fractions.count * zones.count)
        #expect(SchemaStringFormat.isDateTime("2026-12-05T07:45:12.345678+05:30"))
        #expect(SchemaStringFormat.isDateTime("2026-12-05T07:45:12Zt"), "strfmt reads only the part after the first t")
        #expect(!SchemaStringFormat.isDateTime("2026-12-05T07:45:12"), "a zone is required")
    }

    private static func strfmtTimeOfDay(_ text: String) -> Bool {
        // Go's `.` is any code point but "\n" (Swift's also refuses "\r", U+0085 and U+2028).
        let pattern = /([0-9]{2}):([0-9]{2}):([0-9]{2})([^\n][0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))/
        guard let match = text.wholeMatch(of: pattern.matchingSemantics(.unicodeScalar)) else { return false }
        return match.1 <= "23" && match.2 <= "59" && match.3 <= "59"
    }
}
