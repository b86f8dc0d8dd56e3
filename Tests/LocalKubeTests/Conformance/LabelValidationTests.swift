import TestSupport
import KubernetesModel
import LocalKube
import Testing

/// Label and annotation keys and values are checked as the API server checks them, on every write.
@Suite struct LabelValidationTests {
    func configMap(_ name: String, labels: JSONValue = [:], annotations: JSONValue = [:]) -> JSONValue {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "labels": labels, "annotations": annotations]]
    }

    @Test func invalidLabelValueIsRejectedWithTheServersMessage() async throws {
        try await LocalKubeFixture.with { fixture in
            try await fixture.createNamespace("labels")
            let answer = try await fixture.create("/api/v1/namespaces/labels/configmaps", configMap("bad", labels: ["a": "-x-"]))
            #expect(answer.status == 422)
            #expect(answer.body["reason"] == "Invalid")
            #expect(answer.body["message"].stringValue == "ConfigMap \"bad\" is invalid: metadata.labels: Invalid value: \"-x-\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
        }
    }

    @Test func invalidKeysAreRejectedAndQualifiedNamesAccepted() async throws {
        try await LocalKubeFixture.with { fixture in
            try await fixture.createNamespace("keys")
            let good = try await fixture.create("/api/v1/namespaces/keys/configmaps",
                                                configMap("good", labels: ["app.kubernetes.io/name": "web", "empty": ""], annotations: ["example.com/Note_1": "anything at all"]))
            #expect(good.status == 201)
            let badKey = try await fixture.create("/api/v1/namespaces/keys/configmaps", configMap("bad-key", labels: ["a/b/c": "x"]))
            #expect(badKey.status == 422)
            #expect(badKey.statusObject?.details?.causes.first?.field == "metadata.labels")
            let badPrefix = try await fixture.create("/api/v1/namespaces/keys/configmaps", configMap("bad-prefix", annotations: ["Example.com/x": "y"]))
            #expect(badPrefix.status == 201, "annotation keys are checked lower-cased")
            let apply = try await fixture.apply("/api/v1/namespaces/keys/configmaps/good", """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: good
                  labels: {tier: "front end"}
                """, manager: "test")
            #expect(apply.status == 422)
        }
    }
}
