import Foundation

/// The clusters of one server by name, read on every request without an actor hop.
final class ClusterRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var clusters: [String: LocalKubeCluster] = [:]

    func get(_ name: String) -> LocalKubeCluster? {
        lock.lock()
        defer { lock.unlock() }
        return clusters[name]
    }

    /// Insert unless the name is taken; returns false when it is.
    func insert(_ cluster: LocalKubeCluster) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if clusters[cluster.name] != nil { return false }
        clusters[cluster.name] = cluster
        return true
    }

    func remove(_ name: String) -> LocalKubeCluster? {
        lock.lock()
        defer { lock.unlock() }
        return clusters.removeValue(forKey: name)
    }

    var all: [LocalKubeCluster] {
        lock.lock()
        defer { lock.unlock() }
        return Array(clusters.values)
    }

    var names: [String] {
        lock.lock()
        defer { lock.unlock() }
        return clusters.keys.sorted()
    }
}
