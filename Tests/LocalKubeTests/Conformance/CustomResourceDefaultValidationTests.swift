import TestSupport
import KubernetesModel
@testable import LocalKube
import Testing

/// What a v1 CRD's schema may say beyond being structural, as the server checks it: defaults that
/// fit their schema and hold no unknown fields, no defaults in the root's metadata, defaults only
/// with `preserveUnknownFields: false`, patterns that compile as Go regular expressions, and the
/// scale subresource's paths. (Before: LocalKube took a CRD whose default broke its own schema —
/// every object then defaulted to a value the server would refuse — and a lookahead pattern that
/// no real API server compiles.)
@Suite struct CustomResourceDefaultValidationTests {
    typealias Case = ValidationFamilyTests.Case
    static let crds = ClusterPolicyValidationTests.crds
    static let root = CustomResourceSchemaValidationTests.root

    static func crd(_ specProperties: JSONValue, extraRoot: JSONValue = [:], subresources: JSONValue = nil, preserveUnknownFields: Bool = false,
                    specRules: JSONValue = nil) -> JSONValue {
        var spec: JSONValue = ["type": "object", "properties": specProperties]
        if !specRules.isNull { spec["x-kubernetes-validations"] = specRules }
        var schema: JSONValue = ["type": "object", "properties": ["spec": spec]]
        for (key, value) in extraRoot.objectValue ?? [:] { schema["properties"][key] = value }
        var version = ClusterPolicyValidationTests.version("v1", schema: ["openAPIV3Schema": schema])
        if !subresources.isNull { version["subresources"] = subresources }
        var crd = ClusterPolicyValidationTests.crd(versions: [version])
        if preserveUnknownFields { crd["spec"]["preserveUnknownFields"] = true }
        return crd
    }

    static let refused = CustomResourceSchemaValidationTests.refused

    static let cases: [Case] = [
        Case(about: "a scalar default of the wrong type: the value's own path is empty", path: crds,
             body: crd(["replicas": ["type": "integer", "default": "three"]]),
             message: refused("\(root).properties[spec].properties[replicas].default: Invalid value: \"string\":  in body must be of type integer: \"string\"")),
        Case(about: "an object default with a field its schema does not declare", path: crds,
             body: crd(["limits": ["type": "object", "properties": ["cpu": ["type": "string"]], "default": ["cpu": "1", "gpu": 2]]]),
             message: refused("\(root).properties[spec].properties[limits].default: Invalid value: map[string]interface {}{\"cpu\":\"1\", \"gpu\":2}: must not have unknown fields")),
        Case(about: "an object default with an unknown field and a field of the wrong type: both reported", path: crds,
             body: crd(["limits": ["type": "object", "properties": ["cpu": ["type": "string"]], "default": ["cpu": 1, "gpu": 2]]]),
             message: refused("[\(root).properties[spec].properties[limits].default: Invalid value: map[string]interface {}{\"cpu\":1, \"gpu\":2}: must not have unknown fields, "
                 + "\(root).properties[spec].properties[limits].default.cpu: Invalid value: \"integer\": cpu in body must be of type string: \"integer\"]")),
        Case(about: "an object default whose field breaks its enum and bound", path: crds,
             body: crd(["policy": ["type": "object", "properties": ["mode": ["type": "string", "enum": ["fast", "slow"]], "retries": ["type": "integer", "minimum": 1]],
                                   "default": ["mode": "warp", "retries": 0]]]),
             message: refused("[\(root).properties[spec].properties[policy].default.mode: Unsupported value: \"warp\": supported values: \"fast\", \"slow\", "
                 + "\(root).properties[spec].properties[policy].default.retries: Invalid value: 0: retries in body should be greater than or equal to 1]")),
        Case(about: "a default in the root's metadata", path: crds,
             body: crd(["size": ["type": "integer"]], extraRoot: ["metadata": ["type": "object", "properties": ["name": ["type": "string", "default": "thing"]]]]),
             message: refused("\(root).properties[metadata].properties[name].default: Forbidden: must not be set in top-level metadata")),
        Case(about: "defaults with preserveUnknownFields", path: crds,
             body: crd(["size": ["type": "integer", "default": 1]], preserveUnknownFields: true),
             message: refused("[spec.preserveUnknownFields: Invalid value: true: must be false in order to use defaults in the schema, "
                 + "spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-preserve-unknown-fields to true in spec.versions[*].schema instead]")),
        Case(about: "a pattern with a lookahead, which Go's regexp does not have", path: crds,
             body: crd(["name": ["type": "string", "pattern": "^(?=x)[a-z]+$"]]),
             message: refused("\(root).properties[spec].properties[name].pattern: Invalid value: \"^(?=x)[a-z]+$\": must be a valid regular expression, "
                 + "but isn't: error parsing regexp: invalid or unsupported Perl syntax: `(?=`")),
        Case(about: "scale paths outside .spec and .status", path: crds,
             body: crd(["replicas": ["type": "integer"]], subresources: ["scale": ["specReplicasPath": ".spec", "statusReplicasPath": "status.replicas",
                                                                                   "labelSelectorPath": ".metadata.labels"]]),
             message: refused("[spec.subresources.scale.specReplicasPath: Invalid value: \".spec\": should be a json path under .spec, "
                 + "spec.subresources.scale.statusReplicasPath: Invalid value: \"status.replicas\": must be a simple json path starting with ., "
                 + "spec.subresources.scale.labelSelectorPath: Invalid value: \".metadata.labels\": should be a json path under either .spec or .status]")),
    ]

    @Test func badDefaultsPatternsAndScalePathsRefusedAsTheServerWordsThem() async throws {
        try await ValidationFamilyTests.expectRefused(Self.cases)
    }

    /// A CRD in a protected group (`*.k8s.io`, `*.kubernetes.io`) needs the API approval annotation.
    @Test func protectedGroupsNeedTheApprovalAnnotation() async throws {
        func crd(annotation: String?) -> JSONValue {
            var body = ClusterPolicyValidationTests.crd(group: "snapshot.storage.k8s.io", versions: [ClusterPolicyValidationTests.version("v1")])
            if let annotation { body["metadata"]["annotations"] = ["api-approved.kubernetes.io": .string(annotation)] }
            return body
        }
        let field = "metadata.annotations[api-approved.kubernetes.io]"
        let prefix = "CustomResourceDefinition.apiextensions.k8s.io \"things.snapshot.storage.k8s.io\" is invalid: "
        try await ValidationFamilyTests.expectRefused([
            Case(about: "no annotation", path: Self.crds, body: crd(annotation: nil),
                 message: prefix + "\(field): Required value: protected groups must have approval annotation \"api-approved.kubernetes.io\", "
                     + "see https://github.com/kubernetes/enhancements/pull/1111"),
            Case(about: "neither a URL nor unapproved", path: Self.crds, body: crd(annotation: "yes please"),
                 message: prefix + "\(field): Invalid value: \"yes please\": protected groups must have approval annotation \"api-approved.kubernetes.io\" "
                     + "with either a URL or a reason starting with \"unapproved\", see https://github.com/kubernetes/enhancements/pull/1111"),
        ])
        try await LocalKubeFixture.with { f in
            let approved = try await f.create(Self.crds, crd(annotation: "https://github.com/kubernetes-csi/external-snapshotter/pull/419"))
            #expect(approved.status == 201, "\(approved.text)")
        }
        try await LocalKubeFixture.with { f in
            let bypassed = try await f.create(Self.crds, crd(annotation: "unapproved, experimental"))
            #expect(bypassed.status == 201, "\(bypassed.text)")
        }
    }

    /// The internal `JSONSchemaProps` as Go's `%#v` prints it, every field at its zero value but those given.
    static func goSchema(type: String, maxProperties: String = "(*int64)(nil)", properties: String = "map[string]apiextensions.JSONSchemaProps(nil)") -> String {
        "apiextensions.JSONSchemaProps{ID:\"\", Schema:\"\", Ref:(*string)(nil), Description:\"\", Type:\"\(type)\", Nullable:false, Format:\"\", Title:\"\", "
            + "Default:(*apiextensions.JSON)(nil), Maximum:(*float64)(nil), ExclusiveMaximum:false, Minimum:(*float64)(nil), ExclusiveMinimum:false, "
            + "MaxLength:(*int64)(nil), MinLength:(*int64)(nil), Pattern:\"\", MaxItems:(*int64)(nil), MinItems:(*int64)(nil), UniqueItems:false, "
            + "MultipleOf:(*float64)(nil), Enum:[]apiextensions.JSON(nil), MaxProperties:\(maxProperties), MinProperties:(*int64)(nil), Required:[]string(nil), "
            + "Items:(*apiextensions.JSONSchemaPropsOrArray)(nil), AllOf:[]apiextensions.JSONSchemaProps(nil), OneOf:[]apiextensions.JSONSchemaProps(nil), "
            + "AnyOf:[]apiextensions.JSONSchemaProps(nil), Not:(*apiextensions.JSONSchemaProps)(nil), Properties:\(properties), "
            + "AdditionalProperties:(*apiextensions.JSONSchemaPropsOrBool)(nil), PatternProperties:map[string]apiextensions.JSONSchemaProps(nil), "
            + "Dependencies:apiextensions.JSONSchemaDependencies(nil), AdditionalItems:(*apiextensions.JSONSchemaPropsOrBool)(nil), "
            + "Definitions:apiextensions.JSONSchemaDefinitions(nil), ExternalDocs:(*apiextensions.ExternalDocumentation)(nil), Example:(*apiextensions.JSON)(nil), "
            + "XPreserveUnknownFields:(*bool)(nil), XEmbeddedResource:false, XIntOrString:false, XListMapKeys:[]string(nil), XListType:(*string)(nil), "
            + "XMapType:(*string)(nil), XValidations:apiextensions.ValidationRules(nil)}"
    }

    /// With the status subresource on, the root may hold only what survives splitting off
    /// `properties[status]`: the first other field is reported with the whole schema.
    @Test func statusSubresourceLimitsTheRoot() async throws {
        func crd(_ schema: JSONValue) -> JSONValue {
            var version = ClusterPolicyValidationTests.version("v1", schema: ["openAPIV3Schema": schema])
            version["subresources"] = ["status": .emptyObject]
            return ClusterPolicyValidationTests.crd(versions: [version])
        }
        let allowed = "[Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems "
            + "UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations]"
        let dump = Self.goSchema(type: "object", maxProperties: "(*int64)(0xc000b20000)",
                                 properties: "map[string]apiextensions.JSONSchemaProps{\"spec\":\(Self.goSchema(type: "object"))}")
        let cases = [
            Case(about: "maxProperties at the root", path: Self.crds,
                 body: crd(["type": "object", "maxProperties": 5, "properties": ["spec": ["type": "object"]]]),
                 message: Self.refused("\(Self.root): Invalid value: \(dump): only \(allowed) fields are allowed at the root of the schema if the status subresource is enabled")),
        ]
        try await ValidationFamilyTests.expectRefused(cases)
        try await LocalKubeFixture.with { f in
            let taken = try await f.create(Self.crds, crd(["type": "object", "description": "d", "required": ["spec"], "x-kubernetes-preserve-unknown-fields": true,
                                                            "properties": ["spec": ["type": "object"]]]))
            #expect(taken.status == 201, "\(taken.text)")
        }
    }

    /// Defaults that fit, a Go-compatible pattern, scale paths under .spec and .status: taken, and
    /// the default is applied to a new object; CEL rules are dropped as v1.24 drops them.
    @Test func fittingDefaultsAreTakenAndApplied() async throws {
        let body = Self.crd(["replicas": ["type": "integer", "minimum": 1, "default": 2],
                             "policy": ["type": "object", "properties": ["mode": ["type": "string", "enum": ["fast", "slow"]]], "default": ["mode": "slow"]],
                             "name": ["type": "string", "pattern": #"^[a-z]+(\.[a-z]+)*$"#]],
                            subresources: ["scale": ["specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"]],
                            specRules: [["rule": "self.replicas < 10"]])
        try await LocalKubeFixture.with { f in
            let created = try await f.create(Self.crds, body)
            #expect(created.status == 201, "\(created.text)")
            // CEL rules are gated off in v1.24: dropped on write, never enforced.
            #expect(created.body["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["x-kubernetes-validations"].isNull)
            try await f.createNamespace("v")
            let thing: JSONValue = ["apiVersion": "example.com/v1", "kind": "Thing", "metadata": ["name": "t"], "spec": ["name": "a.b"]]
            let stored = try await f.eventually("things to be served") {
                let answer = try await f.create("/apis/example.com/v1/namespaces/v/things", thing)
                return answer.status == 404 ? nil : answer
            }
            #expect(stored.status == 201, "\(stored.text)")
            #expect(stored.body["spec"]["replicas"] == 2)
            #expect(stored.body["spec"]["policy"] == ["mode": "slow"])
        }
    }

    /// Go's regexp parser errors, as `regexp.Compile` words them.
    @Test(arguments: [
        ("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", nil), (#"^\d+\.\d+$"#, nil), ("(?i)^abc$", nil), ("(?P<name>x)", nil), (#"\Qa.b\E"#, nil),
        ("[[:alpha:]]+", nil), (#"\x41\x{263a}\101"#, nil), ("a{2,3}?", nil), ("x{", nil), (#"[\]]"#, nil), ("[]a]", nil), ("a*?", nil),
        ("(", "missing closing ): `(`"), ("a)", "unexpected ): `a)`"), ("[a", "missing closing ]: `[a`"),
        ("*a", "missing argument to repetition operator: `*`"), ("(|+)", "missing argument to repetition operator: `+`"),
        ("a**", "invalid nested repetition operator: `**`"), ("a{2}*", "invalid nested repetition operator: `{2}*`"),
        ("a{1001}", "invalid repeat count: `{1001}`"), ("a{3,2}", "invalid repeat count: `{3,2}`"),
        (#"(a)\1"#, #"invalid escape sequence: `\1`"#), (#"abc\Z"#, #"invalid escape sequence: `\Z`"#),
        ("(?!a)", "invalid or unsupported Perl syntax: `(?!`"), ("(?<n>a)", "invalid or unsupported Perl syntax: `(?<`"),
        ("(?P<>a)", "invalid named capture: `(?P<>`"), ("[z-a]", "invalid character class range: `z-a`"),
        ("[[:word1:]]", "invalid character class range: `[:word1:]`"), (#"a\"#, "trailing backslash at end of expression: ``"),
        (#"^[\w-.]+$"#, nil), (#"[\t-\n]"#, nil), (#"[\d-z]"#, nil), ("a{0001001}", nil), ("(?)", nil), ("(?i-s:x)", nil), (#"a*\Q\E*"#, nil),
        (#"[a-\d]"#, #"invalid escape sequence: `\d`"#), ("a{99999999999999999999}", "invalid repeat count: `{99999999999999999999}`"),
        ("a{2,99999999999}", "invalid repeat count: `{2,99999999999}`"), ("(?-)", "invalid or unsupported Perl syntax: `(?-)`"),
        ("(?i-)", "invalid or unsupported Perl syntax: `(?i-)`"), (#"\p"#, #"invalid character class range: `\p`"#),
        (#"\p{}"#, #"invalid character class range: `\p{}`"#), (#"\x{"#, #"invalid escape sequence: `\x{`"#), (#"\x{g}"#, #"invalid escape sequence: `\x{g`"#),
        ("(?P<", "invalid or unsupported Perl syntax: `(?P`"), (#"\Q\E*"#, "missing argument to repetition operator: `*`"),
    ] as [(String, String?)])
    func goRegexpSyntax(pattern: String, error: String?) {
        #expect(GoRegexpSyntax.compileError(pattern) == error.map { "error parsing regexp: \($0)" }, "\(pattern)")
    }
}
