import Foundation
import KubernetesModel

/// The real server's OpenAPI v2 definitions (a bundled resource), read once.
enum OpenAPIDefinitions {
    static let builtin: [String: JSONValue] = {
        guard let url = Bundle.module.url(forResource: "openapi-v2-definitions", withExtension: "json"),
              let data = try? Data(contentsOf: url),
              let json = try? JSONValue.parse(Array(data))
        else { return [:] }
        if case .object(let o) = json["definitions"] { return o }
        return json.objectValue ?? [:]
    }()
}
