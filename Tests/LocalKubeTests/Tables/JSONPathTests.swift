import Foundation
import KubernetesModel
@testable import LocalKube
import Testing

/// The JSONPath evaluator against what client-go's jsonpath (missing keys allowed) gives.
@Suite struct JSONPathTests {
    static let object: JSONValue = [
        "metadata": ["name": "dev-1", "labels": ["app.kubernetes.io/name": "web", "tier": "front"]],
        "spec": ["cluster": "dev-1", "replicas": 3, "ratio": 0.5, "paused": false, "big": 1e6,
                 "list": [1, 2, 3, 4, 5], "html": ["a": "<b>&"]],
        "status": [
            "conditions": [
                ["type": "Ready", "status": "False", "reason": "Pending", "priority": 2],
                ["type": "AddonsHealthy", "status": "True", "reason": "AllHealthy", "priority": 1],
                ["type": "Degraded", "status": "False", "priority": 3],
            ],
            "empty": [],
            "nothing": nil,
        ],
    ]

    struct Case: CustomTestStringConvertible, Sendable {
        let path: String
        let expected: [JSONValue]
        var testDescription: String { path }
    }

    static let cases: [Case] = [
        Case(path: ".spec.cluster", expected: ["dev-1"]),
        Case(path: "$.spec.cluster", expected: ["dev-1"]),
        Case(path: ".spec.missing", expected: []),
        Case(path: ".spec.cluster.deeper", expected: []),
        Case(path: ".status.nothing", expected: [nil]),
        Case(path: ".status.conditions[0].type", expected: ["Ready"]),
        Case(path: ".status.conditions[-1].type", expected: ["Degraded"]),
        Case(path: ".status.conditions[*].type", expected: ["Ready", "AddonsHealthy", "Degraded"]),
        Case(path: ".status.conditions[1:].type", expected: ["AddonsHealthy", "Degraded"]),
        Case(path: ".status.conditions[:2].type", expected: ["Ready", "AddonsHealthy"]),
        Case(path: ".spec.list[0:5:2]", expected: [1, 3, 5]),
        Case(path: ".spec.list[0,3]", expected: [1, 4]),
        Case(path: ".spec.list[2:2]", expected: []),
        Case(path: ".status.conditions[?(@.type==\"AddonsHealthy\")].status", expected: ["True"]),
        Case(path: ".status.conditions[?(@.type=='AddonsHealthy')].reason", expected: ["AllHealthy"]),
        Case(path: ".status.conditions[?(@.type!=\"Ready\")].type", expected: ["AddonsHealthy", "Degraded"]),
        Case(path: ".status.conditions[?(@.priority>1)].type", expected: ["Ready", "Degraded"]),
        Case(path: ".status.conditions[?(@.priority<=1)].type", expected: ["AddonsHealthy"]),
        Case(path: ".status.conditions[?(@.reason)].type", expected: ["Ready", "AddonsHealthy"]),
        Case(path: ".status.conditions[?(@.type==\"Nope\")].status", expected: []),
        Case(path: ".status.missing[?(@.type==\"Ready\")].status", expected: []),
        Case(path: "..reason", expected: ["Pending", "AllHealthy"]),
        Case(path: ".metadata.labels.*", expected: ["web", "front"]),
        Case(path: ".metadata.labels['app.kubernetes.io/name']", expected: ["web"]),
        Case(path: ".metadata.labels.app\\.kubernetes\\.io/name", expected: ["web"]),
        Case(path: ".metadata['name','labels']", expected: ["dev-1", ["app.kubernetes.io/name": "web", "tier": "front"]]),
        Case(path: ".status.empty[*]", expected: []),
    ]

    @Test(arguments: cases) func evaluates(_ c: Case) throws {
        let path = try JSONPath(parsing: "{\(c.path)}")
        #expect(try path.results(in: Self.object) == [c.expected])
    }

    struct Failure: CustomTestStringConvertible, Sendable {
        let path: String
        let message: String
        var testDescription: String { path }
    }

    /// Templates that do not parse, and evaluations the server gives up on (its cell is then empty).
    static let failures: [Failure] = [
        Failure(path: "{.spec.cluster", message: "unclosed action"),
        Failure(path: "{.spec.list[1}", message: "unterminated array"),
        Failure(path: "{.spec.list[a]}", message: "invalid array index a"),
        Failure(path: "{.status.conditions[?(@.type==\"x\"}", message: "unterminated filter"),
        Failure(path: "{....a}", message: "invalid multiple recursive descent"),
        Failure(path: "{|a}", message: "unrecognized character in action: U+007C '|'"),
        Failure(path: "{.spec.list[9]}", message: "array index out of bounds: index 9, length 5"),
        Failure(path: "{.spec.list[-9]}", message: "array index out of bounds: index -4, length 5"),
        Failure(path: "{.spec.list[3:1]}", message: "starting index 3 is greater than ending index 1"),
        Failure(path: "{.spec.list[::0]}", message: "step must be > 0"),
        Failure(path: "{.spec.cluster[0]}", message: "string is not array or slice"),
        Failure(path: "{.spec[?(@.a==1)]}", message: "map[string]interface {} is not array or slice and cannot be filtered"),
        Failure(path: "{.status.conditions[?(@.priority==\"2\")]}", message: "incompatible types for comparison"),
        Failure(path: "{.status.conditions[?(@.status<true)]}", message: "incompatible types for comparison"),
    ]

    @Test(arguments: failures) func refuses(_ f: Failure) {
        #expect(throws: JSONPathError(f.message)) {
            _ = try JSONPath(parsing: f.path).results(in: Self.object)
        }
    }

    @Test func textOutsideActionsIsKept() throws {
        let path = try JSONPath(parsing: "name={.metadata.name} replicas={.spec.replicas}")
        #expect(try path.results(in: Self.object) == [["name="], ["dev-1"], [" replicas="], [3]])
    }

    /// A `string` column prints what kubectl's jsonpath prints; other types keep their own kind.
    @Test func cellsByColumnType() {
        let now = Date()
        let created = KubeTime.format(now.addingTimeInterval(-14))
        #expect(TableColumns.cell("True", type: "string", now: now) == "True")
        #expect(TableColumns.cell(3, type: "string", now: now) == "3")
        #expect(TableColumns.cell(0.5, type: "string", now: now) == "0.5")
        #expect(TableColumns.cell(1e6, type: "string", now: now) == "1e+06")
        #expect(TableColumns.cell(false, type: "string", now: now) == "false")
        #expect(TableColumns.cell(nil, type: "string", now: now) == "<no value>")
        #expect(TableColumns.cell(["b": 1, "a": "<b>&"], type: "string", now: now) == "{\"a\":\"\\u003cb\\u003e\\u0026\",\"b\":1}")
        #expect(TableColumns.cell(3.9, type: "integer", now: now) == 3)
        #expect(TableColumns.cell("3", type: "integer", now: now) == nil)
        #expect(TableColumns.cell(3, type: "number", now: now) == .double(3))
        #expect(TableColumns.cell("yes", type: "boolean", now: now) == nil)
        #expect(TableColumns.cell(.string(created), type: "date", now: now) == "14s")
        #expect(TableColumns.cell("yesterday", type: "date", now: now) == "<invalid>")
        #expect(TableColumns.cell("0001-01-01T00:00:00Z", type: "date", now: now) == "<unknown>")
        #expect(TableColumns.cell(nil, type: "date", now: now) == nil)
    }

    @Test func goFloatFormatting() {
        let cases: [(Double, String)] = [(0.5, "0.5"), (123456, "123456"), (1234567, "1.234567e+06"), (1e-5, "1e-05"),
                                         (0.0001, "0.0001"), (-2.5, "-2.5"), (100, "100"), (1e21, "1e+21"), (3, "3")]
        for (value, text) in cases { #expect(JSONPath.goFloat(value) == text, "\(value)") }
    }

    /// apimachinery's HumanDuration at each boundary.
    @Test func humanDurations() {
        let cases: [(TimeInterval, String)] = [
            (-5, "<invalid>"), (-1.5, "0s"), (0, "0s"), (14, "14s"), (119, "119s"), (120, "2m"), (310, "5m10s"),
            (599, "9m59s"), (600, "10m"), (179 * 60, "179m"), (3 * 3600, "3h"), (3 * 3600 + 20 * 60, "3h20m"),
            (8 * 3600 + 59, "8h"), (47 * 3600, "47h"), (48 * 3600, "2d"), (76 * 3600, "3d4h"), (8 * 86400, "8d"),
            (729 * 86400, "729d"), (730 * 86400, "2y"), (775 * 86400, "2y45d"), (8 * 365 * 86400, "8y"),
        ]
        for (seconds, text) in cases { #expect(HumanDuration.string(seconds) == text, "\(seconds)") }
    }
}
