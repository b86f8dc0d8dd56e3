import Foundation
import Testing
@testable import KubernetesModel

@Suite struct ObjectModelTests {
    @Test func objectMetadataAccessors() {
        var object = KubeObject(apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "prod")
        object.labels = ["app": "web"]
        object.finalizers = ["x/y"]
        #expect(object.groupVersionKind == GroupVersionKind(group: "apps", version: "v1", kind: "Deployment"))
        #expect(object.reference.description == "Deployment.apps prod/web")
        #expect(object.body["metadata"]["labels"]["app"] == "web")
        object.namespace = nil
        #expect(object.namespace == nil)
        #expect(object.reference.description == "Deployment.apps web")
        object.labels = [:]
        #expect(object.body["metadata"]["labels"] == .null)
    }

    @Test func groupVersionParsing() {
        #expect(GroupVersion(apiVersion: "v1").group == "")
        #expect(GroupVersion(apiVersion: "v1").pathPrefix == "/api/v1")
        #expect(GroupVersion(apiVersion: "apps/v1").pathPrefix == "/apis/apps/v1")
        #expect(GroupKind(parsing: "Deployment.apps") == GroupKind(group: "apps", kind: "Deployment"))
        #expect(GroupKind(parsing: "ConfigMap").description == "ConfigMap")
    }

    @Test func statusRoundTripWithCauses() throws {
        let body = try JSONValue.parse(#"""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
             "message":"Apply failed with 1 conflict: conflict with \"one\": .data.a","reason":"Conflict",
             "details":{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \"one\"","field":".data.a"}]},"code":409}
            """#)
        let status = try #require(KubeStatus(json: body))
        #expect(status.code == 409)
        #expect(status.details?.causes.first?.field == ".data.a")
        #expect(KubeStatus(json: status.json) == status)
        #expect(KubeStatus(json: ["kind": "ConfigMap"]) == nil)
    }

    @Test(arguments: [
        ("app=web", ["app": "web"], true),
        ("app=web", ["app": "db"], false),
        ("app==web,tier!=front", ["app": "web", "tier": "back"], true),
        ("env in (prod, staging)", ["env": "staging"], true),
        ("env notin (prod)", [:], true),
        ("env notin (prod)", ["env": "prod"], false),
        ("legacy", ["legacy": ""], true),
        ("!legacy", ["legacy": "x"], false),
        ("!legacy,app", ["app": "x"], true),
        ("", ["x": "y"], true),
    ] as [(String, [String: String], Bool)])
    func labelSelectors(selector: String, labels: [String: String], matches: Bool) throws {
        #expect(try LabelSelector(parsing: selector).matches(labels) == matches)
    }

    @Test func labelSelectorErrorsAndObjectForm() throws {
        #expect(throws: SelectorParseError.self) { try LabelSelector(parsing: "a in b") }
        #expect(throws: SelectorParseError.self) { try LabelSelector(parsing: "a=b,,") }
        let selector = try LabelSelector(json: ["matchLabels": ["app": "x"], "matchExpressions": [["key": "tier", "operator": "In", "values": ["a"]]]])
        #expect(selector.matches(["app": "x", "tier": "a"]))
        #expect(!selector.matches(["app": "x", "tier": "b"]))
    }

    @Test func kubeTimeRoundTrip() throws {
        let date = try #require(KubeTime.parse("2024-02-29T23:59:58Z"))
        #expect(KubeTime.format(date) == "2024-02-29T23:59:58Z")
        let micro = try #require(KubeTime.parse("2026-11-27T10:00:00.123456Z"))
        #expect(KubeTime.formatMicro(micro) == "2026-11-27T10:00:00.123456Z")
        #expect(KubeTime.parse("2026-11-27T12:00:00+02:00") == KubeTime.parse("2026-11-27T10:00:00Z"))
        #expect(KubeTime.parse("yesterday") == nil)
    }

    /// The digits are written by hand (no `String(format:)`): the same text as Foundation's
    /// ISO 8601 formatter, over a spread of dates, leap days and the ends of days included.
    @Test func kubeTimeFormatsAsISO8601() throws {
        let iso = ISO8601DateFormatter()
        let fixed: [TimeInterval] = [0, 86_399, 951_782_399, 1_709_251_199, 4_102_444_799]
        // A fixed sweep (a prime step of about 95 days and 7 hours: every time of day and day
        // of the year is met over the years), the same dates on every run.
        let sweep = stride(from: 0, through: 4_102_444_799, by: 8_204_891).map(TimeInterval.init)
        for seconds in fixed + sweep {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(KubeTime.format(date) == iso.string(from: date))
        }
        let micro = try #require(KubeTime.parse("1999-12-31T23:59:59.000042Z"))
        #expect(KubeTime.formatMicro(micro) == "1999-12-31T23:59:59.000042Z")
    }
}
