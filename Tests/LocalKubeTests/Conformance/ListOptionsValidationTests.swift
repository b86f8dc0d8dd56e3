import TestSupport
import KubernetesModel
import LocalKube
import Testing

/// A list's resourceVersionMatch is checked before anything is listed, as the server does.
@Suite struct ListOptionsValidationTests {
    @Test func resourceVersionMatchNeedsAResourceVersion() async throws {
        try await LocalKubeFixture.with { fixture in
            try await fixture.createNamespace("lo")
            let forbidden = try await fixture.get("/api/v1/namespaces/lo/configmaps", query: ["resourceVersionMatch": "NotOlderThan"])
            #expect(forbidden.status == 422)
            #expect(forbidden.body["message"] == "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided")
            let unsupported = try await fixture.get("/api/v1/namespaces/lo/configmaps", query: ["resourceVersionMatch": "Newest", "resourceVersion": "5"])
            #expect(unsupported.status == 422)
            #expect(unsupported.statusObject?.details?.causes.first?.reason == "FieldValueNotSupported")
            let fine = try await fixture.get("/api/v1/namespaces/lo/configmaps", query: ["resourceVersionMatch": "NotOlderThan", "resourceVersion": "0"])
            #expect(fine.status == 200)
        }
    }
}
