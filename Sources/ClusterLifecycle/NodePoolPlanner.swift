import Foundation

/// What a pool's controller does next to bring its Machines to the pool's spec — a pure function
/// of the spec and the Machines, table-tested:
/// - fewer Machines than `replicas`: create, each in the zone with the fewest;
/// - more: delete the surplus — unhealthy first, then outdated, then the newest;
/// - Machines whose flavor or image differ from the spec are replaced as a Deployment rolls:
///   at most `replicas + maxSurge` Machines at once, and never fewer available (ready) than
///   `replicas - maxUnavailable`.
/// Unhealthy Machines are not replaced here: `Remediation` decides that (deleting them), and the
/// pool then creates their replacements.
public enum NodePoolPlanner {
    public struct Machine: Sendable, Equatable {
        public var name: String
        public var zone: String?
        public var flavor: String
        public var image: String
        public var created: Date
        /// Its Node is Ready (it counts as available).
        public var ready: Bool
        public var healthy: Bool

        public init(name: String, zone: String?, flavor: String, image: String, created: Date, ready: Bool, healthy: Bool = true) {
            self.name = name
            self.zone = zone
            self.flavor = flavor
            self.image = image
            self.created = created
            self.ready = ready
            self.healthy = healthy
        }
    }

    public enum Action: Sendable, Equatable {
        case create(zone: String?)
        case delete(String, reason: String)
    }

    /// - Parameter machines: the pool's Machines that are not being deleted.
    public static func plan(_ pool: NodePool, machines: [Machine]) -> [Action] {
        let replicas = pool.replicas
        let isCurrent: (Machine) -> Bool = { $0.flavor == pool.flavor && $0.image == pool.image }
        let current = machines.filter(isCurrent)
        let outdated = machines.filter { !isCurrent($0) }
        let surge = pool.maxSurge.resolve(total: replicas, roundUp: true)
        let unavailable = pool.maxUnavailable.resolve(total: replicas, roundUp: false)
        var actions: [Action] = []

        // Too many: remove the surplus beyond what a rolling update may have in flight.
        let ceiling = outdated.isEmpty ? replicas : replicas + surge
        if machines.count > ceiling {
            let order = machines.sorted { a, b in
                if a.healthy != b.healthy { return !a.healthy }
                if isCurrent(a) != isCurrent(b) { return !isCurrent(a) }
                if a.ready != b.ready { return !a.ready }
                return (a.created, a.name) > (b.created, b.name)
            }
            for machine in order.prefix(machines.count - ceiling) {
                actions.append(.delete(machine.name, reason: isCurrent(machine) ? "scale down to \(replicas)" : "scale down to \(replicas) (outdated)"))
            }
            return actions
        }

        // Too few current ones: create (within the surge while outdated ones remain).
        let room = outdated.isEmpty ? replicas - machines.count : min(replicas + surge - machines.count, replicas - current.count)
        if room > 0 {
            var perZone: [String: Int] = Dictionary(uniqueKeysWithValues: pool.availabilityZones.map { ($0, 0) })
            for machine in current { if let zone = machine.zone, perZone[zone] != nil { perZone[zone]! += 1 } }
            for _ in 0..<room {
                if let zone = pool.availabilityZones.min(by: { (perZone[$0]!, pool.availabilityZones.firstIndex(of: $0)!) < (perZone[$1]!, pool.availabilityZones.firstIndex(of: $1)!) }) {
                    perZone[zone]! += 1
                    actions.append(.create(zone: zone))
                } else {
                    actions.append(.create(zone: nil))
                }
            }
        }

        // Outdated ones go while enough stay available: an unready outdated Machine first (it
        // serves nothing), then the oldest.
        if !outdated.isEmpty {
            let available = machines.filter(\.ready).count
            let currentUnready = current.filter { !$0.ready }.count
            var budget = machines.count - (replicas - unavailable) - currentUnready
            budget = min(budget, max(0, available - (replicas - unavailable)) + outdated.filter { !$0.ready }.count)
            let order = outdated.sorted { a, b in a.ready != b.ready ? !a.ready : (a.created, a.name) < (b.created, b.name) }
            for machine in order.prefix(max(0, budget)) {
                actions.append(.delete(machine.name, reason: "replaced: flavor \(machine.flavor) → \(pool.flavor), image \(machine.image) → \(pool.image)"))
            }
        }
        return actions
    }
}
