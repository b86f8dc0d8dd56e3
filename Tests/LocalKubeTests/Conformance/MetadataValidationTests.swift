import TestSupport
import KubernetesModel
import LocalKube
import Testing

/// `metadata` families every kind shares (generateName, finalizers, ownerReferences), through
/// the HTTP API, with the server's messages word for word.
@Suite struct MetadataValidationTests {
    typealias Case = ValidationFamilyTests.Case

    static let configMaps = "/api/v1/namespaces/v/configmaps"

    static func configMap(_ metadata: JSONValue) -> JSONValue {
        var m: JSONValue = ["name": "c"]
        for (key, value) in metadata.objectValue ?? [:] { m[key] = value }
        return ["apiVersion": "v1", "kind": "ConfigMap", "metadata": m]
    }

    static let qualifiedName = "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"

    static let cases: [Case] = [
        Case(about: "orphan and foregroundDeletion together; a bare finalizer name", path: configMaps,
             body: configMap(["finalizers": ["hold", "orphan", "foregroundDeletion"]]),
             message: "ConfigMap \"c\" is invalid: [metadata.finalizers: Invalid value: []string{\"hold\", \"orphan\", \"foregroundDeletion\"}: finalizer orphan and foregroundDeletion cannot be both set, "
                + "metadata.finalizers[0]: Invalid value: \"hold\": name is neither a standard finalizer name nor is it fully qualified]"),
        Case(about: "finalizer not a qualified name (checked by apimachinery and again per index by core)", path: configMaps,
             body: configMap(["finalizers": ["example.com/a/b"]]),
             message: "ConfigMap \"c\" is invalid: [metadata.finalizers: Invalid value: \"example.com/a/b\": \(qualifiedName), metadata.finalizers[0]: Invalid value: \"example.com/a/b\": \(qualifiedName)]"),
        Case(about: "owner references: version, uid, one controller", path: configMaps,
             body: configMap(["ownerReferences": [["apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "a", "uid": "u1", "controller": true],
                                                  ["apiVersion": "apps/", "kind": "ReplicaSet", "name": "b", "uid": "", "controller": true]]]),
             message: "ConfigMap \"c\" is invalid: [metadata.ownerReferences.apiVersion: Invalid value: \"apps/\": version must not be empty, "
                + "metadata.ownerReferences.uid: Invalid value: \"\": uid must not be empty, "
                + "metadata.ownerReferences: Invalid value: []v1.OwnerReference{v1.OwnerReference{APIVersion:\"apps/v1\", Kind:\"ReplicaSet\", Name:\"a\", UID:\"u1\", Controller:(*bool)(0xc000a10060), BlockOwnerDeletion:(*bool)(nil)}, "
                + "v1.OwnerReference{APIVersion:\"apps/\", Kind:\"ReplicaSet\", Name:\"b\", UID:\"\", Controller:(*bool)(0xc000a10068), BlockOwnerDeletion:(*bool)(nil)}}: "
                + "Only one reference can have Controller set to true. Found \"true\" in references for ReplicaSet/a and ReplicaSet/b]"),
        Case(about: "owner reference kind and name", path: configMaps,
             body: configMap(["ownerReferences": [["apiVersion": "v1", "kind": "", "name": "", "uid": "u1"]]]),
             message: "ConfigMap \"c\" is invalid: [metadata.ownerReferences.kind: Invalid value: \"\": kind must not be empty, metadata.ownerReferences.name: Invalid value: \"\": name must not be empty]"),
    ]

    @Test func refusedAsTheServerWordsIt() async throws {
        try await ValidationFamilyTests.expectRefused(Self.cases)
    }

    /// generateName is checked as a prefix (the name made from it is random, so the message is
    /// checked around it); on update only core's per-index finalizer check runs.
    @Test func generateNameAndFinalizersOnUpdate() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("v")
            let dotted = try await f.create(Self.configMaps, ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["generateName": "web."]])
            #expect(dotted.status == 422, "\(dotted.text)")
            let message = dotted.body["message"].stringValue ?? ""
            #expect(message.hasPrefix("ConfigMap \"web."))
            #expect(message.hasSuffix("\" is invalid: metadata.generateName: Invalid value: \"web.\": \(ObjectValidationMessages.subdomain)"), "\(message)")

            // core/v1 Events skip ObjectMeta validation: a generateName ending in "." is fine there (the event recorder uses one).
            let event = try await f.create("/api/v1/namespaces/v/events", ["apiVersion": "v1", "kind": "Event", "metadata": ["generateName": "web."],
                                                                         "involvedObject": ["kind": "ConfigMap", "name": "web", "namespace": "v"], "reason": "Test"])
            #expect(event.status == 201, "\(event.text)")

            let upper = try await f.create(Self.configMaps, ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["generateName": "Web-"]])
            #expect(upper.status == 422, "\(upper.text)")
            let fields = (upper.body["details"]["causes"].arrayValue ?? []).map { $0["field"].stringValue ?? "" }
            #expect(fields == ["metadata.generateName", "metadata.name"])

            #expect(try await f.create(Self.configMaps, Self.configMap(["finalizers": ["example.com/hold"]])).status == 201)
            let patched = try await f.request(.PATCH, "\(Self.configMaps)/c", rawBody: "{\"metadata\":{\"finalizers\":[\"hold\"]}}", contentType: "application/merge-patch+json")
            #expect(patched.status == 422)
            #expect(patched.body["message"] == "ConfigMap \"c\" is invalid: metadata.finalizers[0]: Invalid value: \"hold\": name is neither a standard finalizer name nor is it fully qualified")
            let released = try await f.request(.PATCH, "\(Self.configMaps)/c", rawBody: "{\"metadata\":{\"finalizers\":null}}", contentType: "application/merge-patch+json")
            #expect(released.status == 200, "\(released.text)")
        }
    }
}
