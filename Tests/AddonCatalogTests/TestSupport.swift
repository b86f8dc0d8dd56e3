import Foundation
import KubernetesModel
@testable import AddonCatalog

/// Paths and small builders shared by the catalog tests.
enum TestSupport {
    /// A fixture catalog under Fixtures/.
    static func fixture(_ name: String) -> String {
        Bundle.module.resourcePath! + "/Fixtures/" + name
    }

    /// The repository's own catalog (addons/ and catalog/ at the package root).
    static var repositoryCatalog: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    static let facts = ClusterFacts(
        name: "test-1", project: "proj", labels: ["env": "test"], region: "r1", availabilityZones: ["r1-a", "r1-b"],
        kubernetesVersion: SemanticVersion("1.30.2")!, apiEndpoint: "https://10.0.0.1:6443",
        podCIDR: "10.244.0.0/16", serviceCIDR: "10.96.0.0/12",
        objectStorage: .init(endpoint: "https://s3.example.net", bucket: "proj-test-1"))

    /// An addon definition made from an addon.yaml text and manifest texts (named m0.yaml, m1.yaml...).
    static func definition(_ addonYAML: String, manifests: [String]) throws -> AddonDefinition {
        var diagnostics = Diagnostics()
        let templates = manifests.enumerated().map { AddonDefinition.ManifestTemplate(file: "manifests/m\($0.offset).yaml", text: $0.element) }
        guard let definition = AddonDefinition.read(text: addonYAML, file: "addon.yaml", manifests: templates, diagnostics: &diagnostics) else {
            throw CatalogErrors(diagnostics.errors)
        }
        return definition
    }

    static let simpleAddon = """
        name: demo
        version: "1.0.0"
        description: demo
        owner: tests
        kubernetesVersions: ">=1.28.0"
        namespace: demo
        secrets:
          - name: creds
            secretName: demo-credentials
            keys: [password]
        values:
          type: object
          properties:
            text:
              type: string
              default: plain
            replicas:
              type: integer
              default: 1
        """

    /// Renders templates with `values` as cluster overrides.
    static func render(_ manifests: [String], values: JSONValue = .emptyObject, facts: ClusterFacts = TestSupport.facts,
                       secrets: [String: String] = ["password": "pa55-w0rd-long"], addon: String = simpleAddon) async throws -> RenderedAddon {
        let definition = try definition(addon, manifests: manifests)
        return try await Renderer.render(definition: definition, facts: facts, clusterValues: values,
                                         secrets: InMemorySecretSource(["demo-credentials": secrets]))
    }

    /// The error descriptions a render throws (empty when it succeeds).
    static func renderErrors(_ manifests: [String], values: JSONValue = .emptyObject, addon: String = simpleAddon) async -> [String] {
        do {
            _ = try await render(manifests, values: values, addon: addon)
            return []
        } catch let error as CatalogErrors {
            return error.errors.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }
}
