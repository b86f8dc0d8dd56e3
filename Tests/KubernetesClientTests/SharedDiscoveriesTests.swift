import KubernetesModel
import Logging
import Testing
@testable import KubernetesClient

/// Clients whose clusters answer discovery alike hold one copy of it (`SharedDiscoveries`).
@Suite struct SharedDiscoveriesTests {
    static func apis(_ kinds: [String]) -> DiscoveredAPIs {
        DiscoveredAPIs(groups: [.init(name: "", versions: ["v1"])], resources: kinds.map {
            APIResource(groupVersion: GroupVersion(group: "", version: "v1"), name: $0.lowercased() + "s", singularName: $0.lowercased(),
                        kind: $0, namespaced: true, verbs: ["get", "list", "watch"])
        })
    }

    static func storage(_ apis: DiscoveredAPIs) -> UnsafeRawPointer? {
        apis.resources.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func equalDiscoveriesShareOneCopy() {
        let shared = SharedDiscoveries(capacity: 4)
        let first = shared.share(Self.apis(["ConfigMap", "Secret"]))
        let second = shared.share(Self.apis(["ConfigMap", "Secret"]))
        #expect(second == first)
        #expect(Self.storage(second) == Self.storage(first), "the second client holds the first one's storage")
        let other = shared.share(Self.apis(["ConfigMap"]))
        #expect(other != first)
        #expect(Self.storage(other) != Self.storage(first))
        #expect(shared.count == 2)
    }

    /// At most `capacity` are held for sharing; the one handed out longest ago goes first, and
    /// a discovery handed out again is held again as it was.
    @Test func theLeastRecentlySharedIsLetGo() {
        let shared = SharedDiscoveries(capacity: 2)
        let a = shared.share(Self.apis(["A"]))
        _ = shared.share(Self.apis(["B"]))
        _ = shared.share(Self.apis(["A"]))  // A is now the most recent
        _ = shared.share(Self.apis(["C"]))  // B goes
        #expect(shared.count == 2)
        #expect(Self.storage(shared.share(Self.apis(["A"]))) == Self.storage(a))
        let b = Self.apis(["B"])
        #expect(Self.storage(shared.share(b)) == Self.storage(b), "B was let go: the new value is held")
    }

    /// Two clients of equal clusters, through their discovery caches.
    @Test func twoClientsOfEqualClustersHoldOneCopy() async throws {
        let server = DiscoveryCacheTests.StubServer()
        server.set("/api", try JSONValue.parse(#"{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","items":[{"metadata":{},"versions":[{"version":"v1","resources":[{"resource":"configmaps","responseKind":{"kind":"ConfigMap"},"scope":"Namespaced","singularResource":"configmap","verbs":["get"]}]}]}]}"#))
        server.set("/apis", DiscoveryDocumentTests.aggregated)
        // Their own table: the process's is shared with tests running meanwhile.
        let sharing = SharedDiscoveries(capacity: 4)
        func cache() -> DiscoveryCache {
            DiscoveryCache(cluster: "stub", server: "https://stub", logger: Logger(label: "discovery-test"), sharing: sharing) { path, accept in
                try server.answer(path, accept: accept)
            }
        }
        let first = try await cache().apis()
        let second = try await cache().apis()
        #expect(Self.storage(first) == Self.storage(second))
        #expect(sharing.count == 1)
    }
}
