import Foundation
import KubernetesModel

/// The real server's OpenAPI v2 definitions (a bundled resource), read once.
enum OpenAPIDefinitions {
    static let builtin: [String: JSONValue] = {
        guard let url = Bundle.module.url(forResource: "openapi-v2-definitions", withExtension: "json"),
              let data = try? Data(contentsOf: url),
              let json = try? JSONValue.parse(Array(data))
        else { return [:] }
        var definitions: [String: JSONValue]
        if case .object(let o) = json["definitions"] { definitions = o } else { definitions = json.objectValue ?? [:] }
        restoreDescriptionFields(&definitions)
        return definitions
    }()

    /// The recording was shipped with every `description` removed to keep it small, which also
    /// removed the API fields that are *named* `description`. The real server has them (a CRD
    /// schema's descriptions, a printer column's description, a PriorityClass's description):
    /// put them back.
    static func restoreDescriptionFields(_ definitions: inout [String: JSONValue]) {
        for name in [
            "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps",
            "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.ExternalDocumentation",
            "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceColumnDefinition",
            "io.k8s.api.scheduling.v1.PriorityClass",
        ] {
            guard var definition = definitions[name], definition["properties"]["description"].isNull else { continue }
            definition.setValue(["type": "string"], at: ["properties", "description"])
            definitions[name] = definition
        }
    }
}
