import Foundation

/// The clusters of one server by name and by bearer token, read on every request without an
/// actor hop.
final class ClusterRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var clusters: [String: LocalKubeCluster] = [:]
    private var byToken: [String: LocalKubeCluster] = [:]

    /// The cluster whose bearer token this is (each cluster has its own random token).
    func get(token: String) -> LocalKubeCluster? {
        lock.lock()
        defer { lock.unlock() }
        return byToken[token]
    }

    /// The cluster that knows this bearer token (its admin token or a user's) and the user it stands for.
    func authenticate(token: String) -> (LocalKubeCluster, UserInfo)? {
        if let owner = get(token: token) { return (owner, UserInfo.clusterAdmin) }
        for cluster in all {
            if let user = cluster.users.user(token: token) { return (cluster, user) }
        }
        return nil
    }

    func get(_ name: String) -> LocalKubeCluster? {
        lock.lock()
        defer { lock.unlock() }
        return clusters[name]
    }

    /// Insert unless the name is taken; returns false when it is.
    func insert(_ cluster: LocalKubeCluster) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if clusters[cluster.name] != nil || byToken[cluster.token] != nil { return false }
        clusters[cluster.name] = cluster
        byToken[cluster.token] = cluster
        return true
    }

    func remove(_ name: String) -> LocalKubeCluster? {
        lock.lock()
        defer { lock.unlock() }
        guard let cluster = clusters.removeValue(forKey: name) else { return nil }
        byToken[cluster.token] = nil
        return cluster
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
