import Foundation
import Infrastructure
import KubernetesModel

/// Servers tagged for a cluster that no Machine accounts for — left by a manager stopped between
/// creating a server and recording it, by a Machine deleted by hand past its finalizer, or made
/// by someone else with the cluster's tag. Each is reported when first seen and deleted once it
/// has stayed unaccounted for through `grace`: a server whose Machine is only just being written
/// is never taken for an orphan. A cluster's servers are looked at for orphans at most every
/// `interval`, from the list its reconcile makes anyway.
public actor OrphanServers {
    public struct Decision: Sendable, Equatable {
        /// Seen for the first time now: report them.
        public var found: [Server]
        /// Unaccounted for through the grace period: delete them.
        public var expired: [Server]
        /// Orphans still within their grace period: the cluster is looked at again.
        public var waiting: Bool = false
    }

    public let grace: Duration
    public let interval: Duration
    /// Per cluster: when each unaccounted server was first seen.
    private var firstSeen: [String: [String: ContinuousClock.Instant]] = [:]
    private var lastListed: [String: ContinuousClock.Instant] = [:]

    public init(grace: Duration = .seconds(600), interval: Duration = .seconds(300)) {
        self.grace = grace
        self.interval = interval
    }

    /// Per cluster: its pools with a server group at the last look.
    private var groupedPoolsSeen: [String: Set<String>] = [:]

    /// Whether the cluster's servers are due to be looked at: `interval` after the last look, or
    /// at once when a pool with a server group (`groupedPools`: those it has now) was removed
    /// since — its group waits for its Machines to go from that look on. (Regression: a pool
    /// removed, and its Machines gone, within one interval left its group to the idle poll.)
    public func due(cluster: String, groupedPools: Set<String> = [], now: ContinuousClock.Instant = .now) -> Bool {
        guard let last = lastListed[cluster] else { return true }
        if let seen = groupedPoolsSeen[cluster], !seen.isSubset(of: groupedPools) { return true }
        return last.duration(to: now) >= interval
    }

    /// The cluster's servers were listed; `accountedNames` and `accountedIDs` are the server
    /// names and IDs its Machines (going ones included) account for.
    public func listed(cluster: String, servers: [Server], accountedNames: Set<String>, accountedIDs: Set<String>,
                       groupedPools: Set<String> = [], now: ContinuousClock.Instant = .now) -> Decision {
        lastListed[cluster] = now
        groupedPoolsSeen[cluster] = groupedPools.isEmpty ? nil : groupedPools
        let before = firstSeen[cluster] ?? [:]
        var seen: [String: ContinuousClock.Instant] = [:]
        var decision = Decision(found: [], expired: [])
        for server in servers where !accountedNames.contains(server.name) && !accountedIDs.contains(server.id) && server.state != .deleting {
            if let first = before[server.id] {
                seen[server.id] = first
                if first.duration(to: now) >= grace { decision.expired.append(server) }
            } else {
                seen[server.id] = now
                decision.found.append(server)
            }
        }
        // A server accounted for again, or gone, is forgotten.
        firstSeen[cluster] = seen.isEmpty ? nil : seen
        decision.waiting = seen.count > decision.expired.count
        return decision
    }

    /// Whether orphans of the cluster wait out their grace period, or a removed pool's server
    /// group waits for its Machines to go.
    public func isWaiting(cluster: String) -> Bool { !(firstSeen[cluster] ?? [:]).isEmpty || groupsWaiting.contains(cluster) }

    /// Clusters with a removed pool's server group still waiting for its Machines to go.
    private var groupsWaiting: Set<String> = []

    /// Notes whether the cluster has a removed pool's server group that waits for its Machines.
    public func setGroupWaiting(cluster: String, _ waiting: Bool) {
        if waiting { groupsWaiting.insert(cluster) } else { groupsWaiting.remove(cluster) }
    }

    /// The cluster is gone: what was remembered of it goes too.
    public func forget(cluster: String) {
        groupsWaiting.remove(cluster)
        groupedPoolsSeen[cluster] = nil
        lastListed[cluster] = nil
        firstSeen[cluster] = nil
    }
}
