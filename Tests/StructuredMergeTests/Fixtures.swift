import Foundation
import KubernetesModel
@testable import StructuredMerge

/// Shared test inputs: the real server's definitions and the recorded conformance cases.
enum Fixtures {
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let definitionsURL = repoRoot.appendingPathComponent("Sources/LocalKube/Resources/openapi-v2-definitions.json")

    /// The project's copy of the recorded cases (a LocalKubeTests test keeps it equal to
    /// `../shared/kube-conformance`), so these tests run wherever the checkout is.
    static let casesURL = repoRoot.appendingPathComponent("Tests/LocalKubeTests/Fixtures/kube-conformance/cases")

    static let catalog: SchemaCatalog = {
        let data = try! Data(contentsOf: definitionsURL)
        return try! SchemaCatalog(definitionsJSON: [UInt8](data))
    }()

    static func type(_ apiVersion: String, _ kind: String) -> ObjectType {
        catalog.objectType(for: GroupVersionKind(apiVersion: apiVersion, kind: kind))!
    }

    static func loadCase(_ name: String) throws -> JSONValue {
        let data = try Data(contentsOf: casesURL.appendingPathComponent(name + ".json"))
        return try JSONValue.parse([UInt8](data))
    }

    static func object(_ yaml: String) throws -> KubeObject {
        KubeObject(try YAML.parse(yaml))
    }

    /// managedFields as comparable values: fieldsV1, manager, operation, apiVersion, subresource (time left out).
    static func entries(_ object: JSONValue) -> [JSONValue] {
        (object["metadata"]["managedFields"].arrayValue ?? []).map { entry in
            var e = entry
            _ = e.removeValue(forKey: "time")
            return e
        }
    }
}
