import Foundation
import KubernetesModel
import LocalKube
import Logging
import TestSupport
@testable import KubernetesClient

/// What the client tests add to TestSupport's LocalKube fixture: the kinds they use, a second
/// client of the same cluster, and objects to write.
extension LocalKubeFixture {
    static let configMap = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
    static let namespace = GroupVersionKind(group: "", version: "v1", kind: "Namespace")
    static let deployment = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")
    static let crd = GroupVersionKind(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition")

    /// Another client of the same cluster (another "manager").
    func secondClient(retryPolicy: RetryPolicy = .init(), tls: ((inout TLSSettings) -> Void)? = nil, credentials: Credentials? = nil) throws -> KubernetesClient {
        var connection = try ClusterConnection.load(kubeconfig: kubeconfigPath, environment: [:])
        connection.retryPolicy = retryPolicy
        tls?(&connection.tls)
        if let credentials { connection.credentials = credentials }
        var logger = Logger(label: "second")
        logger.logLevel = .critical
        return try KubernetesClient(connection: connection, logger: logger)
    }

    static func configMap(_ name: String, namespace: String = "default", data: [String: String], labels: [String: String] = [:]) -> KubeObject {
        var object = KubeObject(apiVersion: "v1", kind: "ConfigMap", name: name, namespace: namespace)
        object["data"] = .object(data.mapValues(JSONValue.string))
        if !labels.isEmpty { object.labels = labels }
        return object
    }

    static func crd(group: String, kind: String, plural: String, scope: String = "Namespaced", statusSubresource: Bool = true) -> KubeObject {
        var object = KubeObject(apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "\(plural).\(group)")
        var version: JSONValue = [
            "name": "v1", "served": true, "storage": true,
            "schema": ["openAPIV3Schema": ["type": "object", "properties": [
                "spec": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                "status": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
            ]]],
        ]
        if statusSubresource { version["subresources"] = ["status": .emptyObject] }
        object["spec"] = [
            "group": .string(group), "scope": .string(scope),
            "names": ["kind": .string(kind), "plural": .string(plural), "singular": .string(kind.lowercased()), "listKind": .string(kind + "List")],
            "versions": [version],
        ]
        return object
    }
}
