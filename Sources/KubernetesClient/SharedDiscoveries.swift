import Synchronization

/// Discovery documents as clusters of one fleet answer them: mostly equal (the same Kubernetes
/// version, the same CRDs). Each client keeps its discovery for as long as it lives; handing
/// every client whose discovery equals one already held that same value shares its storage
/// (every resource, every index) instead of keeping a copy per cluster.
///
/// Holds the last `capacity` distinct discoveries, the most recently handed out first; one
/// pushed out is still held by its clients, only no longer shared with newcomers.
final class SharedDiscoveries: Sendable {
    static let shared = SharedDiscoveries(capacity: 16)

    private let capacity: Int
    private let recent = Mutex<[DiscoveredAPIs]>([])

    init(capacity: Int) { self.capacity = capacity }

    /// The discovery held equal to `apis`, or `apis`, held from now on.
    func share(_ apis: DiscoveredAPIs) -> DiscoveredAPIs {
        recent.withLock { recent in
            if let index = recent.firstIndex(of: apis) {
                let known = recent.remove(at: index)
                recent.insert(known, at: 0)
                return known
            }
            recent.insert(apis, at: 0)
            if recent.count > capacity { recent.removeLast() }
            return apis
        }
    }

    var count: Int { recent.withLock { $0.count } }
}
