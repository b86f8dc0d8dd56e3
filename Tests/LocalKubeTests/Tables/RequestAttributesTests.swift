import KubernetesModel
@testable import LocalKube
import Testing

/// What the server's RequestInfo resolver makes of a request, for the authorizer.
@Suite struct RequestAttributesTests {
    /// The request attributes the server's RequestInfo resolver derives.
    @Test(arguments: [
        ("GET", "/api/v1/namespaces/p/configmaps", [:], "list configmaps ns=p name="),
        ("GET", "/api/v1/namespaces/p/configmaps", ["watch": "1"], "watch configmaps ns=p name="),
        ("GET", "/api/v1/namespaces/p/configmaps", ["fieldSelector": "metadata.name=x"], "list configmaps ns=p name=x"),
        ("GET", "/api/v1/namespaces/p/configmaps/x", [:], "get configmaps ns=p name=x"),
        ("DELETE", "/api/v1/namespaces/p/configmaps", [:], "deletecollection configmaps ns=p name="),
        ("PATCH", "/apis/apps/v1/namespaces/p/deployments/d/status", [:], "patch apps deployments/status ns=p name=d"),
        ("GET", "/api/v1/namespaces/p", [:], "get namespaces ns=p name=p"),
        ("PUT", "/api/v1/namespaces/p/finalize", [:], "update namespaces/finalize ns=p name=p"),
        ("GET", "/api/v1/nodes", [:], "list nodes ns= name="),
        ("POST", "/apis/addon-manager.io/v1/namespaces/p/clusters", [:], "create addon-manager.io clusters ns=p name="),
        ("GET", "/apis/apps/v1", [:], "path get /apis/apps/v1"),
        ("GET", "/api/v1", [:], "path get /api/v1"),
        ("GET", "/healthz", [:], "path get /healthz"),
    ] as [(String, String, [String: String], String)])
    func requestAttributes(method: String, path: String, query: [String: String], expected: String) {
        let request = APIRequest(method: method, path: path, query: query, contentType: nil, accept: nil, userAgent: nil, body: [], user: UserInfo(name: "alice", groups: ["system:authenticated"]))
        let a = AuthorizationAttributes(request)
        let text = a.isResourceRequest
            ? "\(a.verb) \(a.group.isEmpty ? "" : a.group + " ")\(a.resource)\(a.subresource.isEmpty ? "" : "/" + a.subresource) ns=\(a.namespace) name=\(a.name)"
            : "path \(a.verb) \(a.path)"
        #expect(text == expected)
    }
}
