import Testing
@testable import AddonCatalog

/// One broken fixture catalog per class of problem; each must be rejected with a precise
/// message naming the file and line.
@Suite struct FixtureCatalogTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var fixture: String
        var expected: [String]
        var testDescription: String { fixture }
    }

    static let cases: [Case] = [
        Case(fixture: "unknown-field", expected: [
            #"addons/demo/1.0.0/addon.yaml:5: addon: unknown field "owners" (known fields: conflictPolicy, deletePolicy, dependencies, description, health, kubernetesVersions, name, namespace, owner, secrets, values, version)"#,
        ]),
        Case(fixture: "missing-field", expected: [
            #"addons/demo/1.0.0/addon.yaml:1: addon: missing required field "owner""#,
        ]),
        Case(fixture: "bad-version", expected: [
            #"addons/demo/1.0.0/addon.yaml:2: version: "1.0" is not a semantic version (MAJOR.MINOR.PATCH, as a quoted string)"#,
        ]),
        Case(fixture: "bad-range", expected: [
            #"addons/demo/1.0.0/addon.yaml:5: kubernetesVersions: ">=1.28.0 <1.3x" is not a version range (e.g. ">=1.28.0 <1.31.0", "^1.29", "1.30.x")"#,
        ]),
        Case(fixture: "duplicate-version", expected: [
            "addons/demo/v1.0.0/addon.yaml: demo 1.0.0 is already defined by addons/demo/1.0.0/addon.yaml",
        ]),
        Case(fixture: "channel-unknown-version", expected: [
            "catalog/channels/stable.yaml:3: channel stable names demo 1.1.0, which does not exist (versions: 1.0.0)",
        ]),
        Case(fixture: "unknown-dependency", expected: [
            "addons/demo/1.0.0/addon.yaml:8: demo depends on storage, which is not in the catalog",
            "catalog/channels/stable.yaml:3: channel stable: demo 1.0.0 needs storage, which the channel does not publish",
        ]),
        Case(fixture: "dependency-cycle", expected: [
            "addons/demo/1.0.0/addon.yaml:8: dependency cycle: demo -> other -> demo",
            "catalog/channels/stable.yaml:3: channel stable: demo 1.0.0 needs other, which the channel does not publish",
        ]),
        Case(fixture: "template-syntax", expected: [
            "addons/demo/1.0.0/manifests/configmap.yaml:8: `endif` was not found.",
        ]),
        Case(fixture: "undefined-variable", expected: [
            "addons/demo/1.0.0/manifests/configmap.yaml:8: undefined variable cluster.regoin (cluster has: apiEndpoint, availabilityZones, extras, kubernetesVersion, labels, name, objectStorage, podCIDR, project, region, serviceCIDR) (rendering for cluster test-1)",
        ]),
        Case(fixture: "undefined-root", expected: [
            "addons/demo/1.0.0/manifests/configmap.yaml:8: undefined variable value (the template context has addon, cluster, secretData, secrets, values)",
        ]),
        Case(fixture: "undefined-in-loop", expected: [
            "addons/demo/1.0.0/manifests/configmap.yaml:9: undefined variable or null value zone.name (give it a default in the values schema, or use |default:...) (rendering for cluster test-1)",
        ]),
        Case(fixture: "not-yaml", expected: [
            "addons/demo/1.0.0/manifests/configmap.yaml:8: the rendered output for cluster test-1 is not valid YAML: mapping values are not allowed in this context (line 8 of the rendered output)",
        ]),
        Case(fixture: "missing-kind", expected: [
            "addons/demo/1.0.0/manifests/configmap.yaml:9: rendered object for cluster test-1 lacks kind (document at line 9 of the rendered output)",
        ]),
        Case(fixture: "scope-mismatch", expected: [
            #"addons/demo/1.0.0/manifests/clusterrole.yaml:5: ClusterRole.rbac.authorization.k8s.io demo-reader is cluster-scoped but has namespace "demo-system""#,
        ]),
        Case(fixture: "duplicate-object", expected: [
            "addons/demo/1.0.0/manifests/configmap.yaml:1: ConfigMap demo-system/demo-config is rendered twice (first at addons/demo/1.0.0/manifests/again.yaml:1)",
        ]),
        Case(fixture: "defaults-violate-schema", expected: [
            #"addons/demo/1.0.0/addon.yaml:7: the values schema's defaults violate it: values.port: expected integer, got "eighty""#,
        ]),
        Case(fixture: "health-rule-target", expected: [
            "addons/demo/1.0.0/addon.yaml:20: health rule \"server-available\" refers to Deployment.apps demo-system/demo-server, which the addon does not render for cluster test-1",
        ]),
        Case(fixture: "secret-leak", expected: [
            "addons/demo/1.0.0/manifests/configmap.yaml:1: ConfigMap demo-system/demo-config contains secret material for cluster test-1: secrets may only be used in Secret objects",
        ]),
        Case(fixture: "cluster-values-schema", expected: [
            "catalog/clusters/test-1.yaml: values for cluster test-1: values.colour: unknown property (known: greeting, port)",
            #"catalog/clusters/test-1.yaml: values for cluster test-1: values.port: expected integer, got "abc""#,
        ]),
    ]

    @Test(arguments: cases)
    func brokenFixtureIsRejectedWithItsMessage(_ testCase: Case) async {
        let errors = await Catalog.lint(directory: TestSupport.fixture(testCase.fixture))
        #expect(errors.map(\.description) == testCase.expected)
    }

    @Test func validFixtureLintsClean() async throws {
        let errors = await Catalog.lint(directory: TestSupport.fixture("valid"))
        #expect(errors.isEmpty, "\(errors)")
        let catalog = try Catalog.load(directory: TestSupport.fixture("valid"))
        #expect(catalog.addonNames == ["demo"])
        #expect(catalog.versions(of: "demo") == [SemanticVersion(1, 0, 0)])
    }

    @Test func loadingReportsEveryProblemNotOnlyTheFirst() async throws {
        let expected = [
            #"addons/demo/1.0.0/addon.yaml:5: addon: unknown field "owners" (known fields: conflictPolicy, deletePolicy, dependencies, description, health, kubernetesVersions, name, namespace, owner, secrets, values, version)"#,
            #"addons/demo/1.0.0/addon.yaml:6: kubernetesVersions: "1.28 -" is not a version range (e.g. ">=1.28.0 <1.31.0", "^1.29", "1.30.x")"#,
            "addons/demo/1.0.0/manifests/configmap.yaml:8: `endfor` was not found.",
            "catalog/channels/stable.yaml:5: channel stable names addon ghost, which is not in the catalog",
        ]
        do {
            _ = try Catalog.load(directory: TestSupport.fixture("many-problems"))
            Issue.record("loading a broken catalog succeeded")
        } catch {
            #expect(error.errors.map(\.description) == expected)
        }
    }

    @Test func errorKindsAreTyped() async {
        let errors = await Catalog.lint(directory: TestSupport.fixture("dependency-cycle"))
        #expect(errors.contains { $0.kind == .dependencyCycle && $0.line == 8 })
        let undefined = await Catalog.lint(directory: TestSupport.fixture("undefined-variable"))
        #expect(undefined.first?.kind == .undefinedVariable)
    }
}
