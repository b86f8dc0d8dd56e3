import KubernetesModel
import Testing
@testable import AddonCatalog

@Suite struct ValuesTests {
    static let schemaYAML = """
        values:
          type: object
          additionalProperties: false
          required: [elasticsearch]
          properties:
            elasticsearch:
              type: object
              additionalProperties: false
              properties:
                host:
                  type: string
                  format: hostname
                port:
                  type: integer
                  minimum: 1
                  maximum: 65535
                  default: 9200
                scheme:
                  type: string
                  enum: [http, https]
                  default: https
            buffer:
              type: object
              properties:
                size:
                  type: string
                  format: quantity
                  default: 64Mi
                flush:
                  type: string
                  format: duration
                  default: 5s
            tags:
              type: array
              items: {type: string, pattern: "^[a-z]+$"}
              default: []
        """

    func schema() throws -> ValuesSchema {
        var diagnostics = Diagnostics()
        let node = try #require(YAMLNode.documents(text: Self.schemaYAML, file: "addon.yaml", diagnostics: &diagnostics)?.first?.child("values"))
        let schema = try #require(ValuesSchema.read(node, diagnostics: &diagnostics))
        #expect(diagnostics.isEmpty)
        return schema
    }

    @Test func defaultsFillNestedObjects() throws {
        let defaults = try schema().defaults
        #expect(defaults == ["elasticsearch": ["port": 9200, "scheme": "https"], "buffer": ["size": "64Mi", "flush": "5s"], "tags": []])
    }

    @Test func mergeOrderIsDefaultsThenChannelThenCluster() throws {
        let channel: JSONValue = ["elasticsearch": ["host": "logs.example.net", "port": 9300], "tags": ["channel"]]
        let cluster: JSONValue = ["elasticsearch": ["port": 443], "buffer": ["size": "128Mi"]]
        let (values, problems) = Values.resolve(schema: try schema(), channel: channel, cluster: cluster)
        #expect(problems.isEmpty)
        #expect(values["elasticsearch"] == ["host": "logs.example.net", "port": 443, "scheme": "https"])
        #expect(values["buffer"] == ["size": "128Mi", "flush": "5s"])
        // Lists replace, they do not merge.
        #expect(values["tags"] == ["channel"])
    }

    @Test func schemaErrorsNameThePath() throws {
        let cluster: JSONValue = [
            "elasticsearch": ["host": "bad_host!", "port": "abc", "scheme": "ftp", "user": "x"],
            "buffer": ["size": "lots", "flush": "soon"],
            "tags": ["ok", "Not-OK"],
            "extra": true,
        ]
        let (_, problems) = Values.resolve(schema: try schema(), channel: .emptyObject, cluster: cluster)
        #expect(problems == [
            #"values.buffer.flush: "soon" is not a valid duration: expected a duration such as 90s, 30m, 1h30m"#,
            #"values.buffer.size: "lots" is not a valid quantity: expected a Kubernetes quantity such as 100m, 128Mi"#,
            #"values.elasticsearch.host: "bad_host!" is not a valid hostname: labels hold letters, digits and inner hyphens"#,
            #"values.elasticsearch.port: expected integer, got "abc""#,
            #"values.elasticsearch.scheme: "ftp" is not one of "http", "https""#,
            "values.elasticsearch.user: unknown property (known: host, port, scheme)",
            "values.extra: unknown property (known: buffer, elasticsearch, tags)",
            #"values.tags[1]: "Not-OK" does not match the pattern ^[a-z]+$"#,
        ])
    }

    @Test func requiredAndRangeViolations() throws {
        let (_, problems) = Values.resolve(schema: try schema(), channel: .emptyObject, cluster: ["elasticsearch": ["port": 70000]])
        #expect(problems == ["values.elasticsearch.port: 70000 is greater than the maximum 65535"])
        var diagnostics = Diagnostics()
        let node = try #require(YAMLNode.documents(text: "type: object\nrequired: [a]\nproperties:\n  a: {type: string}\n", file: "x", diagnostics: &diagnostics)?.first)
        let strict = try #require(ValuesSchema.read(node, diagnostics: &diagnostics))
        #expect(strict.validate(.emptyObject) == ["values.a: required"])
    }

    @Test func unknownSchemaKeywordsAreReported() throws {
        var diagnostics = Diagnostics()
        let node = try #require(YAMLNode.documents(text: "type: object\nproperties:\n  a:\n    type: strin\n    defualt: x\n", file: "addon.yaml", diagnostics: &diagnostics)?.first)
        _ = ValuesSchema.read(node, diagnostics: &diagnostics)
        #expect(diagnostics.errors.map(\.description) == [
            #"addon.yaml:4: properties.a.type: unknown type "strin" (one of: string, integer, number, boolean, object, array, null)"#,
            #"addon.yaml:5: values schema: unknown field "properties.a.defualt" (known fields: additionalProperties, default, description, enum, format, items, maxLength, maximum, minLength, minimum, pattern, properties, required, type)"#,
        ])
    }
}
