import TestSupport
import KubernetesModel
import LocalKube
import Testing

/// Refusals before an object is looked at: a body the serializers cannot decode (415) and an
/// Accept header the server cannot answer (406), each with the server's Status body.
@Suite struct TransportRefusalTests {
    static func status(_ message: String, _ reason: String, _ code: Int64) -> JSONValue {
        ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "message": .string(message), "reason": .string(reason), "code": .int(code)]
    }

    static let builtinBody = "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"

    @Test func undecodableBodiesAre415() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("t")
            let configMap = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}"
            let text = try await f.request(.POST, "/api/v1/namespaces/t/configmaps", rawBody: configMap, contentType: "text/plain")
            #expect(text.status == 415)
            #expect(text.body == Self.status(Self.builtinBody, "UnsupportedMediaType", 415))
            // A patch media type is not a body format for a create or an update.
            let applyCreate = try await f.request(.POST, "/api/v1/namespaces/t/configmaps", query: ["fieldManager": "m"], rawBody: configMap,
                                                  contentType: "application/apply-patch+yaml")
            #expect(applyCreate.body == Self.status(Self.builtinBody, "UnsupportedMediaType", 415))
            #expect(try await f.request(.POST, "/api/v1/namespaces/t/configmaps", rawBody: configMap, contentType: "application/json; charset=utf-8").status == 201)
            let merge = try await f.request(.PUT, "/api/v1/namespaces/t/configmaps/c", rawBody: configMap, contentType: "application/merge-patch+json")
            #expect(merge.body == Self.status(Self.builtinBody, "UnsupportedMediaType", 415))
            let yaml = try await f.request(.PUT, "/api/v1/namespaces/t/configmaps/c", rawBody: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n",
                                           contentType: "application/yaml")
            #expect(yaml.status == 200, "\(yaml.text)")
        }
    }

    @Test func unanswerableAcceptIs406() async throws {
        try await LocalKubeFixture.with { f in
            let html = try await f.request(.GET, "/api/v1/namespaces/default", accept: "text/html")
            #expect(html.status == 406)
            #expect(html.body == Self.status("only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf", "NotAcceptable", 406))
            #expect(try await f.request(.GET, "/api/v1/namespaces/default", accept: "text/html, */*").status == 200)
            #expect(try await f.request(.GET, "/api/v1/namespaces", accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json").status == 200)
        }
    }
}
