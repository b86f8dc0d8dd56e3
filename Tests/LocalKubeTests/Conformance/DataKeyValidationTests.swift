import TestSupport
import KubernetesModel
import LocalKube
import Testing

/// ConfigMap and Secret keys are checked as the API server checks them.
@Suite struct DataKeyValidationTests {
    @Test func invalidConfigMapAndSecretKeysAreRejected() async throws {
        try await LocalKubeFixture.with { fixture in
            try await fixture.createNamespace("keys")
            let configMap = try await fixture.create("/api/v1/namespaces/keys/configmaps",
                                                     ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c"], "data": ["a b": "x", "ok.key_1": "y"]])
            #expect(configMap.status == 422)
            #expect(configMap.statusObject?.details?.causes.map(\.field) == ["data[a b]"])
            #expect(configMap.body["message"].stringValue?.hasPrefix("ConfigMap \"c\" is invalid: data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'") == true)
            let secret = try await fixture.create("/api/v1/namespaces/keys/secrets",
                                                  ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"], "data": ["..x": "eA=="]])
            #expect(secret.status == 422)
            #expect(secret.body["message"].stringValue?.hasSuffix("must not start with '..'") == true)
            let fine = try await fixture.create("/api/v1/namespaces/keys/configmaps",
                                                ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "fine"], "data": ["config.yaml": "a: 1", "KEY_NAME": "v"]])
            #expect(fine.status == 201)
        }
    }
}
