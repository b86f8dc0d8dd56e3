import Foundation
import KubernetesModel
import NIOHTTP1
import Testing
@testable import KubernetesClient

/// Every error answer recorded from a real v1.24 API server, classified.
@Suite struct ErrorClassificationTests {
    typealias Kind = KubernetesError.Kind

    static let expected: [String: Kind] = [
        "crd/map-list-merge#6": .applyConflict,
        "crd/validation#3": .permanentServerError,
        "crd/validation#4": .invalid,
        "crd/validation#5": .invalid,
        "crd/validation#6": .invalid,
        "crud/already-exists#2": .alreadyExists,
        "crud/invalid-name#1": .invalid,
        "crud/json-patch#3": .invalid,
        "crud/namespace-mismatch#1": .badRequest,
        "crud/not-found#1": .notFound,
        "crud/not-found#2": .notFound,
        "crud/not-found#3": .notFound,
        "crud/stale-update#3": .conflict,
        "crud/unknown-resource#0": .notFound,
        "delete/finalizers#6": .notFound,
        "delete/namespace#3": .forbidden,
        "delete/plain#3": .notFound,
        "delete/plain#4": .notFound,
        "delete/uid-precondition#2": .conflict,
        "list/bad-continue#8": .badRequest,
        "list/field-selectors#11": .badRequest,
        "list/label-selectors#16": .badRequest,
        "ssa/atomic-list-conflict#2": .applyConflict,
        "ssa/conflict-one-field#2": .applyConflict,
        "ssa/conflict-several-fields#3": .applyConflict,
        "ssa/conflict-with-update-manager#2": .applyConflict,
        "ssa/dry-run#2": .notFound,
        "ssa/dry-run#4": .applyConflict,
        "ssa/env-merge-by-name#3": .applyConflict,
        "ssa/force-on-merge-patch#2": .invalid,
        "ssa/invalid-object#1": .invalid,
        "ssa/invalid-yaml#1": .badRequest,
        "ssa/missing-field-manager#1": .invalid,
        "ssa/missing-kind#1": .badRequest,
        "ssa/missing-kind#2": .badRequest,
        "ssa/missing-name-in-body#1": .badRequest,
        "ssa/missing-namespace#0": .notFound,
        "ssa/name-mismatch#1": .badRequest,
        "ssa/namespaced-path-for-cluster-kind#0": .notFound,
        "ssa/stale-resource-version#3": .conflict,
        "ssa/unknown-field#1": .permanentServerError,
        "ssa/update-takes-field-from-applier#3": .applyConflict,
        "ssa/wrong-kind-for-resource#1": .permanentServerError,
        "ssa/wrong-type#1": .permanentServerError,
        "ssa/yaml-1-1-scalars#1": .permanentServerError,
        "ssa/yaml-1-1-scalars#2": .permanentServerError,
        "ssa/yaml-1-1-scalars#4": .permanentServerError,
    ]

    static let conflicts: [String: [KubernetesError.ApplyConflict]] = [
        "crd/map-list-merge#6": [.init(manager: "two", field: ".spec.tags")],
        "ssa/conflict-one-field#2": [.init(manager: "one", field: ".data.a")],
        "ssa/conflict-several-fields#3": [.init(manager: "one", field: ".data.a"), .init(manager: "one", field: ".data.b"), .init(manager: "two", field: ".data.c")],
        "ssa/conflict-with-update-manager#2": [.init(manager: "creator", field: ".data.a")],
        "ssa/update-takes-field-from-applier#3": [.init(manager: "editor", field: ".data.a")],
        "ssa/dry-run#4": [.init(manager: "manager-a", field: ".data.a")],
        "ssa/atomic-list-conflict#2": [.init(manager: "one", field: ".spec.template.spec.containers[name=\"main\"].args")],
        "ssa/env-merge-by-name#3": [.init(manager: "one", field: ".spec.template.spec.containers[name=\"main\"].env[name=\"A\"].value")],
    ]

    static func error(_ entry: RecordedStatuses.Entry, headers: HTTPHeaders = [:]) -> KubernetesError {
        let context = KubernetesError.RequestContext(cluster: "recorded", server: "https://192.0.2.2:6443", verb: "apply")
        return Transport.apiError(status: entry.httpStatus, headers: headers, body: Array(entry.body.utf8), context: context)
    }

    @Test func everyRecordedErrorIsClassified() {
        #expect(RecordedStatuses.all.count == Self.expected.count)
        for entry in RecordedStatuses.all {
            let expected = Self.expected[entry.source]
            #expect(expected != nil, "no expectation for \(entry.source)")
            let error = Self.error(entry)
            #expect(error.kind == expected, "\(entry.source): \(error.kind) instead of \(String(describing: expected))")
            #expect(error.status != nil, "\(entry.source): Status not decoded")
            #expect(error.httpStatus == entry.httpStatus)
        }
    }

    @Test func applyConflictsNameManagerAndField() {
        for entry in RecordedStatuses.all {
            let error = Self.error(entry)
            if let expected = Self.conflicts[entry.source] {
                #expect(error.applyConflicts == expected, "\(entry.source)")
                #expect(error.isApplyConflict)
            } else {
                #expect(error.applyConflicts.isEmpty, "\(entry.source) has no field-manager conflicts")
            }
        }
    }

    @Test func noRecordedErrorIsRetried() {
        let policy = RetryPolicy()
        for entry in RecordedStatuses.all {
            let error = Self.error(entry)
            #expect(!error.isRetryable, "\(entry.source)")
            for request in [RetryPolicy.Request.read, .apply, .write] {
                #expect(policy.delay(after: error, attempt: 1, request: request) == nil, "\(entry.source) \(request)")
            }
        }
    }

    @Test func invalidCarriesItsCauses() throws {
        let entry = try #require(RecordedStatuses.all.first { $0.source == "ssa/invalid-object#1" })
        let error = Self.error(entry)
        #expect(error.isInvalid)
        #expect(Set(error.causes.compactMap(\.field)) == ["spec.ports[0].name", "spec.ports[0].port", "spec.ports[0].targetPort", "spec.ports[1].name", "spec.ports[1].port", "spec.ports[1].targetPort"])
        #expect(error.message.hasPrefix("Service \"svc\" is invalid"))
    }

    @Test func errorDescriptionNamesClusterVerbAndObject() throws {
        let entry = try #require(RecordedStatuses.all.first { $0.source == "ssa/conflict-one-field#2" })
        let context = KubernetesError.RequestContext(cluster: "prod-1", server: "https://10.0.0.1:6443", verb: "apply",
                                                     object: ObjectReference(groupKind: GroupKind(group: "", kind: "ConfigMap"), namespace: "ns", name: "c1"))
        let error = Transport.apiError(status: 409, headers: [:], body: Array(entry.body.utf8), context: context)
        let text = error.description
        #expect(text.contains("prod-1"))
        #expect(text.contains("ConfigMap ns/c1"))
        #expect(text.contains("conflict with \"one\": .data.a"))
    }

    @Test func goneAndExpiredAreGone() {
        let expired = KubeStatus(message: "The provided continue parameter is too old", reason: "Expired", code: 410)
        #expect(KubernetesError.classify(httpStatus: 410, status: expired) == .gone)
        let tooOld = KubeStatus(message: "too old resource version: 1 (5)", reason: "Expired", code: 410)
        #expect(KubernetesError.classify(httpStatus: 410, status: tooOld) == .gone)
        #expect(KubernetesError.classify(httpStatus: 410, status: nil) == .gone)
    }

    @Test func retryAfterIsReadFromHeaderAndDetails() {
        let context = KubernetesError.RequestContext(cluster: "c", server: "https://x", verb: "get")
        let fromHeader = Transport.apiError(status: 429, headers: ["Retry-After": "3"], body: Array(#"{"kind":"Status","code":429,"status":"Failure","reason":"TooManyRequests","message":"slow down"}"#.utf8), context: context)
        #expect(fromHeader.kind == .tooManyRequests)
        #expect(fromHeader.retryAfter == .seconds(3))
        let fromDetails = Transport.apiError(status: 429, headers: [:], body: Array(#"{"kind":"Status","code":429,"status":"Failure","reason":"TooManyRequests","details":{"retryAfterSeconds":2}}"#.utf8), context: context)
        #expect(fromDetails.retryAfter == .seconds(2))
        let notJSON = Transport.apiError(status: 503, headers: [:], body: Array("upstream unavailable".utf8), context: context)
        #expect(notJSON.kind == .serviceUnavailable)
        #expect(notJSON.message == "upstream unavailable")
        #expect(notJSON.isRetryable)
    }
    /// The embedded bodies are every Status error answer of `../shared/kube-conformance/cases`, as
    /// recorded (source `case#step`, 0-based): a new or changed recording fails here until
    /// RecordedStatuses.swift and `expected` follow. Skipped where the shared cases are absent.
    @Test func recordedStatusesFollowTheSharedCases() throws {
        let cases = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/kube-conformance/cases")
        guard let files = FileManager.default.enumerator(at: cases, includingPropertiesForKeys: nil) else { return }
        var recorded: [String: (status: Int, body: JSONValue)] = [:]
        for case let url as URL in files where url.pathExtension == "json" {
            let json = try JSONValue.parse(Array(try Data(contentsOf: url)))
            let id = json["case"].stringValue ?? url.path
            for (index, step) in (json["steps"].arrayValue ?? []).enumerated() {
                let response = step["response"]
                guard let status = response["status"].intValue, status >= 400, response["body"]["kind"].stringValue == "Status" else { continue }
                recorded["\(id)#\(index)"] = (Int(status), response["body"])
            }
        }
        guard !recorded.isEmpty else { return }
        let embedded = Dictionary(RecordedStatuses.all.map { ($0.source, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(Set(recorded.keys) == Set(embedded.keys), "missing: \(Set(recorded.keys).subtracting(embedded.keys).sorted()), no longer recorded: \(Set(embedded.keys).subtracting(recorded.keys).sorted())")
        for (source, answer) in recorded {
            guard let entry = embedded[source] else { continue }
            #expect(entry.httpStatus == answer.status, "\(source)")
            #expect((try? JSONValue.parse(entry.body)) == answer.body, "\(source): body differs from the recording")
            #expect(Self.expected[source] != nil, "\(source) has no expected classification")
        }
    }
}
