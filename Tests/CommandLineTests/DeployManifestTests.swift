import Foundation
import KubernetesModel
import Testing

/// What deploy/ grants the manager: no Secret of any namespace unless an operator binds a
/// project (deploy/project-access.yaml).
@Suite struct DeployManifestTests {
    static func documents(_ path: String) throws -> [JSONValue] {
        let text = try String(contentsOf: DocumentedCommandLineTests.repository.appendingPathComponent(path), encoding: .utf8)
        return try YAML.documents(in: text, file: path).map(\.value)
    }

    @Test func noClusterWideAccessToSecrets() throws {
        let documents = try Self.documents("deploy/addon-manager.yaml")
        let clusterRoles = Dictionary(uniqueKeysWithValues: documents.filter { $0["kind"] == "ClusterRole" }.map { ($0["metadata"]["name"].stringValue ?? "", $0) })
        let bound = documents.filter { $0["kind"] == "ClusterRoleBinding" }.compactMap { $0["roleRef"]["name"].stringValue }
        #expect(!bound.isEmpty)
        for name in bound {
            let rules = try #require(clusterRoles[name], "ClusterRoleBinding names ClusterRole \(name), which deploy/addon-manager.yaml does not define")["rules"].arrayValue ?? []
            for rule in rules {
                let resources = (rule["resources"].arrayValue ?? []).compactMap(\.stringValue)
                #expect(!resources.contains("secrets") && !resources.contains("*"), "ClusterRole \(name) is bound cluster-wide and grants \(resources)")
            }
        }
    }

    @Test func aProjectIsGrantedItsSecretsByARoleBinding() throws {
        let binding = try #require(try Self.documents("deploy/project-access.yaml").first)
        #expect(binding["kind"] == "RoleBinding")
        #expect(binding["metadata"]["namespace"] == "PROJECT")
        let role = binding["roleRef"]["name"].stringValue
        let defined = try Self.documents("deploy/addon-manager.yaml").first { $0["kind"] == "ClusterRole" && $0["metadata"]["name"].stringValue == role }
        let rules = try #require(defined, "the ClusterRole \(role ?? "") is not in deploy/addon-manager.yaml")["rules"].arrayValue ?? []
        #expect(rules.count == 1)
        #expect(rules.first?["resources"] == ["secrets"])
        #expect(rules.first?["verbs"] == ["get", "list", "watch"])
    }
}
