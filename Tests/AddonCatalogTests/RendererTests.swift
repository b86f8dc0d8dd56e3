import KubernetesModel
import Testing
@testable import AddonCatalog

@Suite struct RendererTests {
    static let manifests = [
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: {{ values.replicas }}
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
                - name: web
                  image: registry.example.net/web:1.0
                  env:
                    - name: TEXT
                      value: {{ values.text|quote }}
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: creds
        stringData:
          password: {{ secrets.creds.password|quote }}
        ---
        apiVersion: v1
        kind: Namespace
        metadata:
          name: demo
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: demo-reader
        rules: []
        """,
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: zones
          namespace: other
        data:
          zones: {{ cluster.availabilityZones|join:" "|quote }}
        """,
    ]

    @Test func objectsComeInApplyOrderWithOwnershipLabelsAndNamespaces() async throws {
        let rendered = try await TestSupport.render(Self.manifests)
        #expect(rendered.objects.map(\.reference.description) == [
            "Namespace demo", "Secret demo/creds", "ConfigMap other/zones", "ClusterRole.rbac.authorization.k8s.io demo-reader", "Deployment.apps demo/web",
        ])
        for object in rendered.objects {
            #expect(object.labels[OwnershipLabels.managedByKey] == "addon-manager")
            #expect(object.labels[OwnershipLabels.addonNameKey] == "demo")
            #expect(object.labels[OwnershipLabels.addonVersionKey] == "1.0.0")
        }
        // Selectors and pod templates are left alone.
        let deployment = rendered.objects.last!
        #expect(deployment.body["spec"]["template"]["metadata"]["labels"] == ["app": "web"])
        #expect(deployment.body["spec"]["replicas"] == 1)
    }

    static let hashKey = ContentHashKey(bytes: Array(repeating: 7, count: ContentHashKey.byteCount))!

    @Test func hashIsStableAcrossRuns() async throws {
        let first = try await TestSupport.render(Self.manifests).contentHash(key: Self.hashKey)
        let second = try await TestSupport.render(Self.manifests).contentHash(key: Self.hashKey)
        #expect(first == second)
        #expect(first.count == 64)
    }

    /// The hash goes where people without access to the Secrets read it (a ClusterAddon's
    /// status, a ConfigMap in the workload cluster): without the key it must not be computable
    /// from the objects, or guesses of a weak password could be checked against it offline.
    @Test func hashOfSecretDataIsKeyed() async throws {
        let rendered = try await TestSupport.render(Self.manifests, secrets: ["password": "pa55-w0rd-long"])
        let hash = rendered.contentHash(key: Self.hashKey)
        #expect(hash != ContentHash.sha256Hex(of: rendered.objects.map(\.body)))
        #expect(hash != rendered.contentHash(key: ContentHashKey.random()))
        #expect(hash == ContentHash.keyedHex(of: rendered.objects.map(\.body), key: Self.hashKey))
        #expect("\(Self.hashKey)" == "ContentHashKey(<redacted>)")
        #expect(ContentHashKey(bytes: Array(repeating: 1, count: ContentHashKey.byteCount - 1)) == nil)
    }

    @Test func hashChangesWhenAnyInputChanges() async throws {
        let base = try await TestSupport.render(Self.manifests).contentHash(key: Self.hashKey)
        var otherFacts = TestSupport.facts
        otherFacts.availabilityZones = ["r1-a"]
        let changed: [String] = [
            try await TestSupport.render(Self.manifests, values: ["text": "other"]),
            try await TestSupport.render(Self.manifests, values: ["replicas": 2]),
            try await TestSupport.render(Self.manifests, facts: otherFacts),
            try await TestSupport.render(Self.manifests, secrets: ["password": "rotated-password"]),
            try await TestSupport.render([Self.manifests[0], Self.manifests[1] + "\n  more: \"1\""]),
            try await TestSupport.render(Self.manifests, addon: TestSupport.simpleAddon.replacingOccurrences(of: "version: \"1.0.0\"", with: "version: \"1.0.1\"")),
        ].map { $0.contentHash(key: Self.hashKey) }
        for hash in changed { #expect(hash != base) }
        #expect(Set(changed).count == changed.count)
    }

    @Test func secretsAreRedactedInEveryPrintedForm() async throws {
        let password = "pa55-w0rd-long"
        let rendered = try await TestSupport.render(Self.manifests, secrets: ["password": password])
        #expect(rendered.secretObjects == [ObjectReference(groupKind: GroupKind(group: "", kind: "Secret"), namespace: "demo", name: "creds")])
        // The objects to apply carry it ...
        #expect(rendered.objects.contains { $0.body["stringData"]["password"] == .string(password) })
        // ... nothing printed does, unless asked.
        #expect(!rendered.yaml().contains(password))
        #expect(!"\(rendered)".contains(password))
        #expect(!rendered.redactedObjects.map { $0.body.jsonString() }.joined().contains(password))
        #expect(rendered.yaml().contains(RenderedAddon.redactedMarker))
        #expect(rendered.yaml(showSecrets: true).contains(password))
    }

    @Test func secretMaterialOutsideSecretsIsRejected() async {
        let leaking = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: leak
            data:
              b64: {{ secrets.creds.password|b64enc }}

            """
        #expect(await TestSupport.renderErrors([leaking]) == [
            "manifests/m0.yaml:1: ConfigMap demo/leak contains secret material for cluster test-1: secrets may only be used in Secret objects",
        ])
    }

    /// The byte search the leak check uses: anywhere in the text, overlapping starts, multi-byte text.
    @Test(arguments: [
        ("s3cr3t-value", "s3cr3t-value", true), ("prefix s3cr3t-value", "s3cr3t-value", true), ("s3cr3t-value suffix", "s3cr3t-value", true),
        ("aaaab", "aaab", true), ("aaab", "aaaab", false), ("abcabd", "abd", true), ("abcab", "abd", false), ("", "x", false), ("x", "", true),
        ("pässwörd-ünd-mehr", "wörd-ü", true), ("passwort", "pässwort", false),
    ] as [(String, String, Bool)])
    func secretSearchFindsTheBytes(text: String, secret: String, found: Bool) {
        #expect(RenderedAddon.containsBytes(text, secret) == found)
    }

    @Test func missingSecretOrKeyIsReported() async throws {
        let definition = try TestSupport.definition(TestSupport.simpleAddon, manifests: [Self.manifests[1]])
        do {
            _ = try await Renderer.render(definition: definition, facts: TestSupport.facts, secrets: InMemorySecretSource(["demo-credentials": ["user": "x"]]))
            Issue.record("rendering without the password succeeded")
        } catch {
            #expect(error.errors.map(\.description) == [#"addon.yaml: secret demo-credentials for cluster test-1 has no key "password" (needed as secrets.creds.password)"#])
        }
        do {
            _ = try await Renderer.render(definition: definition, facts: TestSupport.facts, secrets: InMemorySecretSource())
            Issue.record("rendering without the secret succeeded")
        } catch {
            #expect(error.errors.first?.kind == .secretUnavailable)
        }
    }

    @Test func unsupportedKubernetesVersionIsRefused() async throws {
        var old = TestSupport.facts
        old.kubernetesVersion = SemanticVersion(1, 27, 3)
        let definition = try TestSupport.definition(TestSupport.simpleAddon, manifests: [Self.manifests[1]])
        do {
            _ = try await Renderer.render(definition: definition, facts: old, secrets: InMemorySecretSource(["demo-credentials": ["password": "p4ssw0rd-x"]]))
            Issue.record("rendered for an unsupported Kubernetes version")
        } catch {
            #expect(error.errors.map(\.description) == ["addon.yaml: demo@1.0.0 supports Kubernetes >=1.28.0, cluster test-1 runs 1.27.3"])
        }
    }

    @Test func customResourcesTakeTheirScopeFromRenderedCRDs() async throws {
        let crd = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.example.net
            spec:
              group: example.net
              scope: Cluster
              names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
              versions:
                - name: v1
                  served: true
                  storage: true
                  schema:
                    openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
            ---
            apiVersion: example.net/v1
            kind: Widget
            metadata:
              name: w1
              namespace: demo
            """
        #expect(await TestSupport.renderErrors([crd]) == [
            #"manifests/m0.yaml:20: Widget.example.net w1 is cluster-scoped but has namespace "demo""#,
        ])
    }

    @Test func messagesAboutRenderedObjectsGiveTemplateLines() async {
        // The ClusterRole's namespace is on template line 14, which is output line 11 or so:
        // standalone tags vanish and toYaml adds lines.
        let manifest = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: a
              labels: {{ cluster.labels|toYaml|nindent:4 }}
            {% if values.replicas %}
            data:
              zones: {{ cluster.availabilityZones|join:","|quote }}
            {% endif %}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: reader
              namespace: {{ addon.namespace }}
            rules: []
            """
        #expect(await TestSupport.renderErrors([manifest]) == [
            #"manifests/m0.yaml:15: ClusterRole.rbac.authorization.k8s.io reader is cluster-scoped but has namespace "demo""#,
        ])
        let looped = """
            {% for zone in cluster.availabilityZones %}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: same
            {% endfor %}
            """
        #expect(await TestSupport.renderErrors([looped]) == [
            "manifests/m0.yaml:1: ConfigMap demo/same is rendered twice (first at manifests/m0.yaml:1)",
        ])
    }

    @Test func definitionsParseFromPublishedTexts() async throws {
        let definition = try AddonDefinition.parse(addonYAML: TestSupport.simpleAddon, file: "demo@1.0.0/addon.yaml",
                                                   manifests: [.init(file: "demo@1.0.0/zones.yaml", text: Self.manifests[1])])
        #expect(definition.name == "demo" && definition.version == SemanticVersion(1, 0, 0))
        #expect(definition.defaultValues == ["text": "plain", "replicas": 1])
        let rendered = try await Renderer.render(definition: definition, facts: TestSupport.facts, secrets: InMemorySecretSource(["demo-credentials": ["password": "pa55-w0rd-long"]]))
        #expect(rendered.objects.map(\.name) == ["zones"])
        #expect(throws: CatalogErrors.self) {
            try AddonDefinition.parse(addonYAML: TestSupport.simpleAddon, file: "a.yaml", manifests: [.init(file: "bad.yaml", text: "{% if x %}")])
        }
    }

    @Test func objectsNearTheAPISizeLimitAreRefused() async {
        let addon = TestSupport.simpleAddon.replacingOccurrences(of: "      default: plain", with: "      default: plain\n      maxLength: 2000000")
        let manifest = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: huge
            data:
              blob: {{ values.text|quote }}
            """
        let errors = await TestSupport.renderErrors([manifest], values: ["text": .string(String(repeating: "x", count: 1_000_000))], addon: addon)
        #expect(errors == ["manifests/m0.yaml:1: ConfigMap demo/huge is 976 KiB: too close to the API's 1 MiB object limit"])
    }

    @Test func healthRulesResolveScheduleIntervals() async throws {
        let addon = TestSupport.simpleAddon + """

            health:
              - name: backup-recent
                object: {apiVersion: batch/v1, kind: CronJob, name: backup}
                succeededWithinSchedules: 2
              - name: web-available
                object: {apiVersion: apps/v1, kind: Deployment, name: web}
                condition: {type: Available}
            """
        let cronJob = """
            apiVersion: batch/v1
            kind: CronJob
            metadata:
              name: backup
            spec:
              schedule: "0 */6 * * *"
              jobTemplate:
                spec:
                  template:
                    spec:
                      restartPolicy: OnFailure
                      containers: [{name: backup, image: busybox:1.36}]
            """
        let rendered = try await TestSupport.render([Self.manifests[0], cronJob], addon: addon)
        #expect(rendered.healthRules.map(\.name) == ["backup-recent", "web-available"])
        #expect(rendered.healthRules[0].check == .succeededWithin(seconds: 12 * 3600))
        #expect(rendered.healthRules[0].target.namespace == "demo")
        #expect(rendered.healthRules[1].check == .condition(type: "Available", status: "True"))
    }

    @Test func cronIntervals() {
        #expect(CronSchedule("0 */6 * * *")?.longestIntervalSeconds == Double(6 * 3600))
        #expect(CronSchedule("@daily")?.longestIntervalSeconds == 86400)
        #expect(CronSchedule("30 1 * * 1-5")?.longestIntervalSeconds == Double(3 * 86400))
        #expect(CronSchedule("*/15 * * * *")?.longestIntervalSeconds == 900)
        #expect(CronSchedule("61 * * * *") == nil)
        #expect(CronSchedule("* * *") == nil)
    }
}
