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
        #expect(rules.count == 2)
        #expect(rules.first?["resources"] == ["secrets"])
        #expect(rules.first?["verbs"] == ["get", "list", "watch"])
        // The node pools' user data templates: read one by one, never listed.
        #expect(rules.last?["resources"] == ["configmaps"] && rules.last?["verbs"] == ["get"])
    }

    /// deploy/alerts.yaml: every rule complete, and every series it names is one the manager
    /// exports (a metric's name written in the sources) — a renamed metric breaks this test,
    /// not an operator's pager.
    @Test func alertRulesNameSeriesTheManagerExports() throws {
        let rules = try #require(try Self.documents("deploy/alerts.yaml").first)["groups"].arrayValue?.flatMap { $0["rules"].arrayValue ?? [] } ?? []
        #expect(rules.count >= 5)
        let sources = try FileManager.default.subpathsOfDirectory(atPath: DocumentedCommandLineTests.repository.appendingPathComponent("Sources").path)
            .filter { $0.hasSuffix(".swift") }
            .map { try String(contentsOf: DocumentedCommandLineTests.repository.appendingPathComponent("Sources/" + $0), encoding: .utf8) }
            .joined()
        let metricName = try Regex("addon_manager_[a-z_]+")
        for rule in rules {
            let name = rule["alert"].stringValue ?? "(no name)"
            #expect(rule["alert"].stringValue != nil && rule["for"].stringValue != nil && rule["labels"]["severity"].stringValue != nil, "\(name)")
            let expr = try #require(rule["expr"].stringValue, "\(name) has no expr")
            let names = expr.matches(of: metricName).map { String(expr[$0.range]) }
            #expect(!names.isEmpty, "\(name): \(expr)")
            for series in names {
                #expect(sources.contains("\"\(series)\"") || sources.contains("\(series){"), "\(name) uses \(series), which no source exports")
            }
        }
    }
}
