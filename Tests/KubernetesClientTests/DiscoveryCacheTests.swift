import KubernetesModel
import Logging
import Synchronization
import Testing
@testable import KubernetesClient

/// Discovery's loading strategy against a stub server: aggregated first, per-group fallback,
/// failing group versions isolated, refresh when a kind is unknown.
@Suite struct DiscoveryCacheTests {
    typealias D = DiscoveryDocumentTests

    /// Answers discovery paths from a table; counts requests.
    final class StubServer: Sendable {
        private let state = Mutex<(documents: [String: JSONValue], failing: Set<String>, requests: [String])>(([:], [], []))

        func set(_ path: String, _ document: JSONValue) { state.withLock { $0.documents[path] = document } }
        func fail(_ path: String) { _ = state.withLock { $0.failing.insert(path) } }
        var requests: [String] { state.withLock { $0.requests } }

        func cache() -> DiscoveryCache {
            var logger = Logger(label: "discovery-test")
            logger.logLevel = .critical
            return DiscoveryCache(cluster: "stub", server: "https://stub", logger: logger) { path, accept in
                try self.answer(path, accept: accept)
            }
        }

        func answer(_ path: String, accept: String) throws -> JSONValue {
            try state.withLock { state in
                state.requests.append(path)
                if state.failing.contains(path) {
                    throw KubernetesError(kind: .serviceUnavailable, httpStatus: 503, message: "the server is currently unable to handle the request")
                }
                guard let document = state.documents[path] else { throw KubernetesError(kind: .notFound, httpStatus: 404, message: "404 page not found") }
                return document
            }
        }
    }

    static let metricsGroupList: JSONValue = try! JSONValue.parse(#"""
        {"kind":"APIGroupList","groups":[
          {"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},
          {"name":"metrics.k8s.io","versions":[{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}],"preferredVersion":{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}}]}
        """#)

    @Test func aggregatedDiscoveryTakesTwoRequests() async throws {
        let server = StubServer()
        server.set("/api", try JSONValue.parse(#"{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","items":[{"metadata":{},"versions":[{"version":"v1","resources":[{"resource":"configmaps","responseKind":{"kind":"ConfigMap"},"scope":"Namespaced","singularResource":"configmap","verbs":["get"]}]}]}]}"#))
        server.set("/apis", D.aggregated)
        let cache = server.cache()
        let cm = try await cache.resource(for: GroupVersionKind(group: "", version: "v1", kind: "ConfigMap"))
        #expect(cm.name == "configmaps")
        let deployment = try await cache.resource(for: GroupVersionKind(group: "apps", version: "v1", kind: "Deployment"))
        #expect(deployment.hasStatus)
        // The Stale group version is asked for on its own endpoint (and fails here: 404).
        #expect(server.requests.sorted() == ["/api", "/apis", "/apis/example.com/v1"])
        #expect(try await cache.apis().failedGroupVersions.keys.contains(GroupVersion(group: "example.com", version: "v1")))
    }

    @Test func oneFailingGroupVersionLeavesTheOthersUsable() async throws {
        let server = StubServer()
        server.set("/api", D.apiVersions)
        server.set("/api/v1", D.coreV1)
        server.set("/apis", Self.metricsGroupList)
        server.set("/apis/apps/v1", D.appsV1)
        server.fail("/apis/metrics.k8s.io/v1beta1")
        let cache = server.cache()
        #expect(try await cache.resource(for: GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")).name == "deployments")
        #expect(try await cache.resource(for: GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")).name == "configmaps")
        await #expect {
            try await cache.resource(for: GroupVersionKind(group: "metrics.k8s.io", version: "v1beta1", kind: "PodMetrics"))
        } throws: { error in
            guard let error = error as? KubernetesError else { return false }
            return error.kind == .unknownKind && error.message.contains("discovery of metrics.k8s.io/v1beta1 failed")
        }
    }

    @Test func unknownKindRefreshesOnceAndFindsANewCRD() async throws {
        let server = StubServer()
        server.set("/api", D.apiVersions)
        server.set("/api/v1", D.coreV1)
        server.set("/apis", try JSONValue.parse(#"{"kind":"APIGroupList","groups":[]}"#))
        let cache = server.cache()
        _ = try await cache.apis()
        let before = server.requests.count

        // A CRD is created: its group appears.
        server.set("/apis", try JSONValue.parse(#"{"kind":"APIGroupList","groups":[{"name":"example.com","versions":[{"groupVersion":"example.com/v1","version":"v1"}],"preferredVersion":{"groupVersion":"example.com/v1","version":"v1"}}]}"#))
        server.set("/apis/example.com/v1", try JSONValue.parse(#"{"kind":"APIResourceList","groupVersion":"example.com/v1","resources":[{"name":"widgets","singularName":"widget","namespaced":true,"kind":"Widget","verbs":["get","list","patch"]},{"name":"widgets/status","singularName":"","namespaced":true,"kind":"Widget","verbs":["get","patch"]}]}"#))
        let widget = GroupVersionKind(group: "example.com", version: "v1", kind: "Widget")
        async let a = cache.resource(for: widget)
        async let b = cache.resource(for: widget)
        let (ra, rb) = try await (a, b)
        #expect(ra == rb)
        #expect(ra.hasStatus)
        // One reload (the two callers shared it): /api, /apis, /api/v1, /apis/example.com/v1.
        #expect(server.requests.count - before == 4)
        // Known kinds need no request at all.
        _ = try await cache.resource(for: widget)
        #expect(server.requests.count - before == 4)
    }
}
