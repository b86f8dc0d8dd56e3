import KubernetesModel
import Testing
@testable import AddonCatalog

/// The template pitfalls of DESIGN.md: values that change YAML structure, YAML 1.1 booleans,
/// HTML escaping, undefined variables rendered as empty strings.
@Suite struct TemplateTests {
    static let configMap = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
        data:
          text: {{ values.text|quote }}

        """

    func renderedText(_ value: String) async throws -> String? {
        let rendered = try await TestSupport.render([Self.configMap], values: ["text": .string(value)])
        return rendered.objects.first?.body["data"]["text"].stringValue
    }

    @Test(arguments: [
        "key: value", "# not a comment", "two\nlines\n", "yes", "no", "on", "off", "y", "~", "null", "1.10", "0755", "*alias", "&anchor",
        "- item", "[1, 2]", "{a: b}", "\"quoted\"", "it's", "tab\there", "<b>bold</b> & \"more\"", "back\\slash", "ünïcödé ✓", " padded ", "",
    ])
    func quotedValuesSurviveExactly(_ value: String) async throws {
        #expect(try await renderedText(value) == value)
    }

    @Test func noHTMLEscaping() async throws {
        let manifest = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: html
            data:
              raw: '{{ values.text }}'

            """
        let rendered = try await TestSupport.render([manifest], values: ["text": "<a href=\"x\">&amp;</a>"])
        #expect(rendered.objects[0].body["data"]["raw"] == "<a href=\"x\">&amp;</a>")
    }

    @Test func unquotedYesWouldBecomeABooleanSoQuoteMatters() async throws {
        let manifest = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: bools
            data:
              unquoted: {{ values.text }}
              quoted: {{ values.text|quote }}

            """
        // The API server reads YAML 1.1: an unquoted yes is a boolean, which a ConfigMap rejects.
        let rendered = try await TestSupport.render([manifest], values: ["text": "yes"])
        #expect(rendered.objects[0].body["data"]["unquoted"] == .bool(true))
        #expect(rendered.objects[0].body["data"]["quoted"] == "yes")
    }

    @Test func undefinedVariableIsAnErrorWithFileAndLine() async {
        let manifest = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
            data:
              a: {{ values.txt|quote }}

            """
        let errors = await TestSupport.renderErrors([manifest])
        #expect(errors == ["manifests/m0.yaml:6: undefined variable values.txt (values has: replicas, text) (rendering for cluster test-1)"])
    }

    @Test func undefinedInsideIfAndForIsAnError() async {
        let inIf = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
            {% if values.enabled %}
            data: {}
            {% endif %}

            """
        #expect(await TestSupport.renderErrors([inIf]) == ["manifests/m0.yaml:5: undefined variable values.enabled (values has: replicas, text) (rendering for cluster test-1)"])
        let inFor = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
            data:
            {% for zone in cluster.availabilityZones %}
              {{ zone }}: {{ cluster.zoneLabel|quote }}
            {% endfor %}

            """
        #expect(await TestSupport.renderErrors([inFor]).first?.hasPrefix("manifests/m0.yaml:7: undefined variable cluster.zoneLabel") == true)
        let loopOverMissing = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
            {% for item in values.items %}
            {% endfor %}

            """
        #expect(await TestSupport.renderErrors([loopOverMissing]).first?.hasPrefix("manifests/m0.yaml:5: undefined variable values.items") == true)
    }

    @Test func loopVariablesAreOnlyInScopeInsideTheirLoop() async {
        let manifest = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
            data:
            {% for zone in cluster.availabilityZones %}
              z{{ forloop.counter }}: {{ zone|quote }}
            {% endfor %}
              last: {{ zone|quote }}

            """
        #expect(await TestSupport.renderErrors([manifest]) == [
            "manifests/m0.yaml:9: undefined variable zone (the template context has addon, cluster, secretData, secrets, values)",
        ])
    }

    @Test func printingNullOrAnObjectIsAnError() async {
        let addon = TestSupport.simpleAddon + "\n    optional:\n      type: [string, \"null\"]\n      default: null\n"
        let manifest = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
            data:
              a: {{ values.optional }}
              b: {{ cluster.labels }}

            """
        #expect(await TestSupport.renderErrors([manifest], addon: addon) == [
            "manifests/m0.yaml:6: undefined variable or null value values.optional (give it a default in the values schema, or use |default:...) (rendering for cluster test-1)",
        ])
        let withDefault = manifest.replacingOccurrences(of: "{{ values.optional }}", with: "{{ values.optional|default:\"none\"|quote }}")
            .replacingOccurrences(of: "{{ cluster.labels }}", with: "{{ cluster.labels|json|quote }}")
        #expect(await TestSupport.renderErrors([withDefault], addon: addon) == [])
    }

    @Test func filters() async throws {
        let manifest = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: filters
              labels: {{ cluster.labels|toYaml|nindent:4 }}
            data:
              b64: {{ values.text|b64enc }}
              json: {{ cluster.availabilityZones|json|quote }}
              nested: |
            {{ cluster.objectStorage|toYaml|indent:4 }}
              zones: {{ cluster.availabilityZones|join:","|quote }}
              count: {{ values.replicas|quote }}
              fallback: {{ cluster.extras.missing|default:"x" }}

            """
        let errors = await TestSupport.renderErrors([manifest])
        // `default` does not excuse an undefined member: only null and "".
        #expect(errors.first?.contains("undefined variable cluster.extras.missing") == true)
        let fixed = manifest.replacingOccurrences(of: "{{ cluster.extras.missing|default:\"x\" }}", with: "{{ \"\"|default:\"x\" }}")
        let rendered = try await TestSupport.render([fixed], values: ["text": "hi there"])
        let object = rendered.objects[0]
        #expect(object.labels["env"] == "test")
        #expect(object.body["data"]["b64"] == "aGkgdGhlcmU=")
        #expect(object.body["data"]["json"] == #"["r1-a","r1-b"]"#)
        #expect(object.body["data"]["nested"] == "bucket: proj-test-1\nendpoint: https://s3.example.net\nregion: r1\n")
        #expect(object.body["data"]["zones"] == "r1-a,r1-b")
        #expect(object.body["data"]["count"] == "1")
        #expect(object.body["data"]["fallback"] == "x")
    }

    @Test func requiredFilterFailsOnEmpty() async {
        let manifest = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
            data:
              a: {{ values.text|required:"values.text must be set"|quote }}

            """
        #expect(await TestSupport.renderErrors([manifest], values: ["text": ""]) == [
            "manifests/m0.yaml:6: required: values.text must be set (rendering for cluster test-1)",
        ])
    }

    @Test func standaloneTagsLeaveNoBlankLinesAndKeepLineNumbers() throws {
        let text = "a:\n  {% if x %}\n  b: 1\n  {% endif %}\nc: {{ y }}\n"
        let trimmed = TemplateEngine.standaloneTagsTrimmed(text)
        #expect(trimmed == "a:\n{% if x \n%}  b: 1\n{% endif \n%}c: {{ y }}\n")
        #expect(trimmed.filter { $0 == "\n" }.count == text.filter { $0 == "\n" }.count)
    }

    @Test func unsupportedTagsAreRejected() async {
        let manifest = "{% include \"other.yaml\" %}\napiVersion: v1\n"
        let errors = await TestSupport.renderErrors([manifest])
        #expect(errors.first == #"manifests/m0.yaml:1: the tag "include" is not supported in templates (use if, for, filter)"#)
    }

    @Test func linesAreRightForRepeatedLines() async {
        // Stencil's own line numbers point at the first of identical lines.
        let manifest = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
            data:
              a: {{ values.text|quote }}
              b: {{ values.text|quote }}
              c: {{ values.nope|quote }}
              d: {{ values.nope|quote }}

            """
        #expect(await TestSupport.renderErrors([manifest]).first?.hasPrefix("manifests/m0.yaml:8:") == true)
    }
}
