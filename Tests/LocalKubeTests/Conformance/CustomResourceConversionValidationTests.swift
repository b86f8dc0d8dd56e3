import TestSupport
import KubernetesModel
import LocalKube
import Testing

/// A CRD's conversion settings refused as the server words them (internal field names:
/// `webhookClientConfig`, `conversionReviewVersions`), and a well-formed webhook taken.
@Suite struct CustomResourceConversionValidationTests {
    typealias Case = ValidationFamilyTests.Case
    static let crds = ClusterPolicyValidationTests.crds

    static func crd(_ conversion: JSONValue) -> JSONValue {
        var body = ClusterPolicyValidationTests.crd(versions: [ClusterPolicyValidationTests.version("v1")])
        body["spec"]["conversion"] = conversion
        return body
    }

    static let refused = CustomResourceSchemaValidationTests.refused
    static let dns1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, "
        + "and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

    @Test func conversionRefusedAsTheServerWordsIt() async throws {
        try await ValidationFamilyTests.expectRefused([
            Case(about: "an unknown strategy", path: Self.crds, body: Self.crd(["strategy": "Magic"]),
                 message: Self.refused("spec.conversion.strategy: Unsupported value: \"Magic\": supported values: \"None\", \"Webhook\"")),
            Case(about: "a webhook without a client config; review versions repeated, not labels, none the server speaks", path: Self.crds,
                 body: Self.crd(["strategy": "Webhook", "webhook": ["conversionReviewVersions": ["v2", "v2", "V3"]]]),
                 message: Self.refused("[spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook, "
                     + "spec.conversion.conversionReviewVersions[1]: Invalid value: \"v2\": duplicate version, "
                     + "spec.conversion.conversionReviewVersions[2]: Invalid value: \"V3\": \(Self.dns1035), "
                     + "spec.conversion.conversionReviewVersions: Invalid value: []string{\"v2\", \"v2\", \"V3\"}: must include at least one of v1, v1beta1]")),
            Case(about: "a webhook client config with both a URL and a service", path: Self.crds,
                 body: Self.crd(["strategy": "Webhook", "webhook": ["conversionReviewVersions": ["v1"],
                                                                   "clientConfig": ["url": "https://convert.example.com", "service": ["name": "c", "namespace": "n"]]]]),
                 message: Self.refused("spec.conversion.webhookClientConfig: Required value: exactly one of url or service is required")),
            Case(about: "webhook settings with strategy None", path: Self.crds,
                 body: Self.crd(["strategy": "None", "webhook": ["conversionReviewVersions": ["v1"], "clientConfig": ["url": "https://convert.example.com"]]]),
                 message: Self.refused("[spec.conversion.webhookClientConfig: Forbidden: should not be set when strategy is not set to Webhook, "
                     + "spec.conversion.conversionReviewVersions: Forbidden: should not be set when strategy is not set to Webhook]")),
        ])
    }

    @Test func aWellFormedWebhookIsTaken() async throws {
        try await LocalKubeFixture.with { f in
            let answer = try await f.create(Self.crds, Self.crd(["strategy": "Webhook", "webhook": [
                "conversionReviewVersions": ["v1", "v1beta1"], "clientConfig": ["service": ["name": "convert", "namespace": "system", "path": "/convert"]]]]))
            #expect(answer.status == 201, "\(answer.text)")
        }
    }
}
