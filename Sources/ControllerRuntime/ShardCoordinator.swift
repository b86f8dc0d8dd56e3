import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// Splits work between replicas through Leases: `shards` Leases (`<prefix>-shard-N`) and one
/// membership Lease per replica (`<prefix>-member-<identity>`). Each replica renews its
/// membership, counts the live members, and holds at most its fair share of shards — acquiring
/// free or expired ones, releasing extras when more replicas join. A replica that dies stops
/// renewing; its shards expire and the others take them over.
public actor ShardCoordinator {
    public let identity: String
    public let shards: Int
    private let namespace: String
    private let prefix: String
    private let client: any ObjectReader & ObjectWriter
    private let leaseDuration: Duration
    private let retryPeriod: Duration
    private let logger: Logger
    private var held: Set<Int> = []
    private var observations: [Int: LeaderElector.Observation] = [:]
    private var memberObservation = LeaderElector.Observation()
    private var onChange: (@Sendable () async -> Void)?
    /// Why the last round could not take or renew a Lease (other than losing a race to another
    /// replica), nil when it could. A replica in this state runs no clusters, so it is shown.
    public private(set) var problem: String?

    public init(client: any ObjectReader & ObjectWriter, namespace: String, prefix: String = "addon-manager", identity: String, shards: Int = 8,
                leaseDuration: Duration = .seconds(15), retryPeriod: Duration = .seconds(2), logger: Logger) {
        self.client = client
        self.namespace = namespace
        self.prefix = prefix
        self.identity = identity
        self.shards = max(1, shards)
        self.leaseDuration = leaseDuration
        self.retryPeriod = retryPeriod
        self.logger = logger
    }

    /// Called after the set of held shards changed.
    public func setOnChange(_ handler: @escaping @Sendable () async -> Void) { onChange = handler }

    /// Whether this replica currently holds the shard of `key`.
    public func owns(_ key: String) -> Bool { held.contains(ShardAssignment.shard(of: key, shards: shards)) }

    public var heldShards: Set<Int> { held }

    /// Renews membership and shards until cancelled; releases everything on the way out.
    public func run() async {
        while !Task.isCancelled {
            await tick()
            do { try await Task.sleep(for: retryPeriod) } catch { break }
        }
        await releaseAll()
    }

    /// One round: renew membership, count members, keep or take a fair share of shards.
    func tick() async {
        let before = held
        var problems: [String] = []
        let memberElector = elector(name: "\(prefix)-member-\(sanitized(identity))")
        var membership = memberObservation
        _ = await attempt(memberElector, &membership, problems: &problems)
        memberObservation = membership
        let members = await liveMembers()
        let share = ShardAssignment.fairShare(shards: shards, replicas: members)

        // Renew what we hold; drop what we cannot renew.
        for shard in held.sorted() {
            var observation = observations[shard] ?? .init()
            // Cancelled (shutting down): keep it, so that it is released rather than left to expire.
            if await attempt(elector(name: shardName(shard)), &observation, problems: &problems) == false { held.remove(shard) }
            observations[shard] = observation
        }
        // Give back extras when more replicas joined.
        while held.count > share, let shard = held.max() {
            await release(shard)
        }
        // Take free or expired shards up to the fair share.
        if held.count < share {
            for shard in 0..<shards where !held.contains(shard) && held.count < share {
                var observation = observations[shard] ?? .init()
                if await attempt(elector(name: shardName(shard)), &observation, problems: &problems) == true { held.insert(shard) }
                observations[shard] = observation
            }
        }
        record(problems)
        if held != before {
            logger.info("shards changed", metadata: ["identity": "\(identity)", "held": "\(held.sorted())", "members": "\(members)"])
            await onChange?()
        }
    }

    /// Takes or renews one Lease: whether this replica holds it, nil when cancelled (shutting
    /// down: unknown). Losing a race to another replica (409 on update, or on create when both
    /// create it) is the normal contention of Leases; any other failure is a problem a person
    /// must see.
    private func attempt(_ elector: LeaderElector, _ observation: inout LeaderElector.Observation, problems: inout [String]) async -> Bool? {
        do {
            return try await elector.tryAcquireOrRenew(&observation)
        } catch let error as KubernetesError where error.isConflict || error.isAlreadyExists {
            return false
        } catch is CancellationError {
            return nil
        } catch {
            problems.append("lease \(namespace)/\(elector.name): \(error)")
            return false
        }
    }

    /// Logs when Lease access breaks (once per distinct problem) and when it comes back.
    private func record(_ problems: [String]) {
        guard let first = problems.first else {
            if problem != nil {
                logger.notice("shard leases can be taken and renewed again", metadata: ["identity": "\(identity)"])
                problem = nil
            }
            return
        }
        let summary = problems.count > 1 ? "\(first) (and \(problems.count - 1) more)" : first
        if problem?.hasPrefix(first) != true {
            logger.error("cannot take or renew shard leases: this replica runs no clusters until it can",
                         metadata: ["identity": "\(identity)", "namespace": "\(namespace)", "error": "\(first)"])
        }
        problem = summary
    }

    private func liveMembers() async -> Int {
        guard let leases = try? await client.list(LeaderElector.leaseKind, namespace: namespace, options: ListOptions()) else { return 1 }
        let now = Date()
        let live = leases.items.filter { lease in
            guard lease.name.hasPrefix("\(prefix)-member-") else { return false }
            let record = LeaseRecord(lease: lease)
            guard record.holderIdentity != nil, let renewed = record.renewTime.flatMap(KubeTime.parse) else { return false }
            return now.timeIntervalSince(renewed) < Double(record.leaseDurationSeconds)
        }
        return max(1, live.count)
    }

    private func release(_ shard: Int) async {
        held.remove(shard)
        observations[shard] = nil
        await elector(name: shardName(shard)).releaseIfHeld()
    }

    private func releaseAll() async {
        for shard in held { await elector(name: shardName(shard)).releaseIfHeld() }
        held.removeAll()
        await elector(name: "\(prefix)-member-\(sanitized(identity))").releaseIfHeld()
    }

    private func elector(name: String) -> LeaderElector {
        LeaderElector(client: client, namespace: namespace, name: name, identity: identity, leaseDuration: leaseDuration,
                      renewDeadline: leaseDuration, retryPeriod: retryPeriod, logger: logger)
    }

    private func shardName(_ shard: Int) -> String { "\(prefix)-shard-\(shard)" }

    private func sanitized(_ text: String) -> String {
        String(text.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }.prefix(40))
    }
}
