import TestSupport
import KubernetesModel
import LocalKube
import Testing

/// A CRD's `openAPIV3Schema` checked as the server checks a v1 CRD: the OpenAPI keywords CRDs do
/// not support, the `x-kubernetes-*` extensions, and the structural rules — refused through the
/// HTTP API with the server's message, word for word. (Before: LocalKube took any schema, so a
/// non-structural CRD that a real cluster refuses could ship in an addon.)
@Suite struct CustomResourceSchemaValidationTests {
    typealias Case = ValidationFamilyTests.Case
    static let crds = ClusterPolicyValidationTests.crds

    static func crd(_ schema: JSONValue) -> JSONValue {
        ClusterPolicyValidationTests.crd(versions: [ClusterPolicyValidationTests.version("v1", schema: ["openAPIV3Schema": schema])])
    }

    static func refused(_ message: String) -> String {
        "CustomResourceDefinition.apiextensions.k8s.io \"things.example.com\" is invalid: \(message)"
    }

    static let root = "spec.validation.openAPIV3Schema"

    static let cases: [Case] = [
        Case(about: "a field without a type", path: crds,
             body: crd(["type": "object", "properties": ["spec": ["properties": ["replicas": ["type": "integer"]]]]]),
             message: refused("\(root).properties[spec].type: Required value: must not be empty for specified object fields")),
        Case(about: "uniqueItems and an array without items: the walk's error, then the structural one", path: crds,
             body: crd(["type": "object", "properties": ["spec": ["type": "object", "properties": ["tags": ["type": "array", "uniqueItems": true]]]]]),
             message: refused("[\(root).properties[spec].properties[tags].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic, "
                + "\(root).properties[spec].properties[tags].items: Required value: must be specified]")),
        Case(about: "metadata with more than name and generateName", path: crds,
             body: crd(["type": "object", "properties": ["metadata": ["type": "object", "properties": ["labels": ["type": "object", "additionalProperties": ["type": "string"]]]]]]),
             message: refused("\(root).properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified")),
        Case(about: "the root: no type, additionalProperties", path: crds,
             body: crd(["additionalProperties": ["type": "string"]]),
             message: refused("[\(root).additionalProperties: Forbidden: must not be used at the root, \(root).type: Required value: must not be empty at the root]")),
        Case(about: "the root must be an object, its kind a string", path: crds,
             body: crd(["type": "array", "items": ["type": "string"], "properties": ["kind": ["type": "integer"]]]),
             message: refused("[\(root).properties[kind].type: Invalid value: \"integer\": must be string, \(root).type: Invalid value: \"array\": must be object at the root]")),
        Case(about: "unsupported keywords, an unknown type, null type", path: crds,
             body: crd(["type": "object", "properties": ["a": ["$ref": "#/definitions/x"], "b": ["type": "float"], "c": ["type": "null"]]]),
             message: refused("[\(root).properties[a].$ref: Forbidden: $ref is not supported, "
                + "\(root).properties[b].type: Unsupported value: \"float\": supported values: \"array\", \"boolean\", \"integer\", \"number\", \"object\", \"string\", "
                + "\(root).properties[c].type: Forbidden: type cannot be set to null, use nullable as an alternative, "
                + "\(root).properties[c].type: Unsupported value: \"null\": supported values: \"array\", \"boolean\", \"integer\", \"number\", \"object\", \"string\"]")),
        Case(about: "properties with additionalProperties; preserve-unknown-fields false", path: crds,
             body: crd(["type": "object", "properties": ["spec": ["type": "object", "properties": ["a": ["type": "string"]], "additionalProperties": false,
                                                                   "x-kubernetes-preserve-unknown-fields": false]]]),
             message: refused("[\(root).properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive, "
                + "\(root).properties[spec].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined]")),
        Case(about: "list and map types", path: crds,
             body: crd(["type": "object", "properties": [
                 "ports": ["type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["port"],
                           "items": ["type": "object", "properties": ["port": ["type": "integer"]]]],
                 "tags": ["type": "object", "x-kubernetes-list-type": "set"],
                 "labels": ["type": "object", "x-kubernetes-map-type": "merge"],
             ]]),
             message: refused("[\(root).properties[labels].x-kubernetes-map-type: Unsupported value: \"merge\": supported values: \"atomic\", \"granular\", "
                + "\(root).properties[ports].items.properties[port].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property, "
                + "\(root).properties[tags].type: Invalid value: \"object\": must be array if x-kubernetes-list-type is specified]")),
        Case(about: "int-or-string with preserve-unknown-fields; an embedded resource that is not an object", path: crds,
             body: crd(["type": "object", "properties": [
                 "port": ["x-kubernetes-int-or-string": true, "x-kubernetes-preserve-unknown-fields": true],
                 "template": ["type": "string", "x-kubernetes-embedded-resource": true],
             ]]),
             message: refused("[\(root).properties[port].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true, "
                + "\(root).properties[template].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields, "
                + "\(root).properties[template].type: Invalid value: \"string\": must be object if x-kubernetes-embedded-resource is true]")),
        Case(about: "two versions with their own schemas: a nested type, and what the nested schema names missing", path: crds,
             body: ClusterPolicyValidationTests.crd(versions: [
                 ClusterPolicyValidationTests.version("v1"),
                 ClusterPolicyValidationTests.version("v2", storage: false, schema: ["openAPIV3Schema": ["type": "object", "anyOf": [["properties": ["spec": ["type": "object"]]]]]]),
             ]),
             message: refused("[spec.versions[1].schema.openAPIV3Schema.anyOf[0].properties[spec].type: Forbidden: must be empty to be structural, "
                + "spec.versions[1].schema.openAPIV3Schema.properties[spec]: Required value: because it is defined in spec.versions[1].schema.openAPIV3Schema.anyOf[0].properties[spec]]")),
    ]

    @Test func nonStructuralSchemasRefusedAsTheServerWordsIt() async throws {
        try await ValidationFamilyTests.expectRefused(Self.cases)
    }

    /// What the structural rules allow: int-or-string spelled with `anyOf`, value validations in
    /// `allOf`, an embedded resource, a map list with a required key, metadata naming `name`.
    @Test func structuralSchemasAreTaken() async throws {
        let schema: JSONValue = ["type": "object", "properties": [
            "metadata": ["type": "object", "properties": ["name": ["type": "string", "maxLength": 63]]],
            "spec": ["type": "object", "allOf": [["required": ["port"]]], "properties": [
                "port": ["x-kubernetes-int-or-string": true, "anyOf": [["type": "integer"], ["type": "string"]]],
                "template": ["type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true],
                "ports": ["type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["port"],
                          "items": ["type": "object", "required": ["port"], "properties": ["port": ["type": "integer"]]]],
                "extra": ["type": "object", "additionalProperties": ["type": "string"]],
                "free": ["x-kubernetes-preserve-unknown-fields": true],
            ]],
        ]]
        try await LocalKubeFixture.with { f in
            let answer = try await f.create(Self.crds, Self.crd(schema))
            #expect(answer.status == 201, "\(answer.text)")
        }
    }

    /// Once Established, a CRD keeps its scope and kind; its group and plural never change.
    @Test func anEstablishedCRDKeepsWhatDecidesItsStorage() async throws {
        try await LocalKubeFixture.with { f in
            let created = try await f.create(Self.crds, ClusterPolicyValidationTests.crd(versions: [ClusterPolicyValidationTests.version("v1")]))
            #expect(created.status == 201, "\(created.text)")
            let patch = #"{"spec":{"scope":"Cluster","names":{"plural":"items","kind":"Item"}}}"#
            let moved = try await f.request(.PATCH, "\(Self.crds)/things.example.com", rawBody: patch, contentType: "application/merge-patch+json")
            #expect(moved.status == 422, "\(moved.text)")
            #expect(moved.body["message"] == .string(Self.refused("[spec.scope: Invalid value: \"Cluster\": field is immutable, spec.names.kind: Invalid value: \"Item\": field is immutable, "
                + "spec.names.plural: Invalid value: \"items\": field is immutable]")))
        }
    }
}
