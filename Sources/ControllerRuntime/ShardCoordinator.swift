import Foundation
import KubernetesClient
import KubernetesModel
import Logging
import Synchronization

/// Splits work between replicas through Leases: `shards` Leases (`<prefix>-shard-N`) and one
/// membership Lease per replica (`<prefix>-member-<identity>`). Each replica renews its
/// membership, counts the live members, and holds at most its fair share of shards — acquiring
/// free or expired ones, releasing extras when more replicas join. A replica that dies stops
/// renewing; its shards expire and the others take them over.
///
/// Two replicas never run one shard: a shard is owned only while its last successful renewal
/// (timed from when it was sent, on this replica's monotonic clock) is younger than the renew
/// deadline; failed renewals are retried until then; past it the shard is dropped and its work
/// stopped (`onChange`) within `handoverGrace`, before anyone may take it over. A shard handed
/// to another replica (extras, shutdown) is released only after its work stopped.
///
/// Which shards are held is read without entering the actor (`owns`, `heldShards`, `problem`):
/// the fleet asks on every Cluster event, and an actor entered from Swift's shared pool would run
/// its jobs there — the renewals included — however they were meant to run on the Lease thread.
public actor ShardCoordinator {
    public let identity: String
    public let shards: Int
    private let namespace: String
    private let prefix: String
    private let client: any ObjectReader & ObjectWriter
    private let leaseDuration: Duration
    private let renewDeadline: Duration
    private let retryPeriod: Duration
    private let requestTimeout: Duration
    private let clock: LeaseClock
    private let logger: Logger
    /// Where the renewals run (nil: with the rest of the process).
    private let executor: LeaseExecutor?
    /// Held shard → when its last successful renewal was sent.
    private var renewals: [Int: ContinuousClock.Instant] = [:] {
        didSet {
            let renewals = self.renewals
            heldSince = heldSince.filter { renewals[$0.key] != nil }
            let heldSince = self.heldSince
            snapshot.withLock {
                $0.renewals = renewals
                $0.heldSince = heldSince
            }
        }
    }
    /// Held shard → when this replica took it (when the request that took its Lease was sent).
    private var heldSince: [Int: ContinuousClock.Instant] = [:]
    /// Shards given back whose Leases are not released yet (their work is stopping): not
    /// taken again until then.
    private var releasing: Set<Int> = []
    private var releases: [Int: Task<Void, Never>] = [:]
    private var releaseCount = 0
    private var observations: [Int: LeaderElector.Observation] = [:]
    private var memberObservation = LeaderElector.Observation()
    private var liveness = MemberLiveness()
    private var members = 1 {
        didSet { let members = self.members; snapshot.withLock { $0.members = members } }
    }
    private let changes = OwnershipChanges()

    /// What the replica holds, as last written by the actor, for readers outside it.
    private struct Snapshot {
        var renewals: [Int: ContinuousClock.Instant] = [:]
        var heldSince: [Int: ContinuousClock.Instant] = [:]
        var members = 1
        var problem: String?
    }
    private let snapshot = Mutex(Snapshot())

    /// - Parameters:
    ///   - renewDeadline: how long failed renewals are retried before a shard is dropped; by
    ///     default two thirds of the lease duration (client-go: 10 s of 15 s).
    ///   - requestTimeout: the longest one Lease attempt may take; by default a quarter of the
    ///     renew deadline.
    ///   - clock: the monotonic and wall clocks (tests inject skewed ones).
    ///   - executor: the Lease thread the renewals run on (see `LeaseExecutor`); `onChange`
    ///     runs with the rest of the process.
    public init(client: any ObjectReader & ObjectWriter, namespace: String, prefix: String = "addon-manager", identity: String, shards: Int = 8,
                leaseDuration: Duration = .seconds(15), renewDeadline: Duration? = nil, retryPeriod: Duration = .seconds(2),
                requestTimeout: Duration? = nil, clock: LeaseClock = .system, executor: LeaseExecutor? = nil, logger: Logger) {
        self.executor = executor
        self.client = client
        self.namespace = namespace
        self.prefix = prefix
        self.identity = identity
        self.shards = max(1, shards)
        self.leaseDuration = leaseDuration
        self.renewDeadline = min(renewDeadline ?? leaseDuration * 2 / 3, leaseDuration)
        self.retryPeriod = retryPeriod
        self.requestTimeout = requestTimeout ?? self.renewDeadline / 4
        self.clock = clock
        self.logger = logger
    }

    /// Called after the set of owned shards changed (see `OwnershipChanges`): one call at a
    /// time, changes during a call coalesced into one more call. It must stop the work of shards
    /// no longer owned before it returns (bounded by `handoverGrace`), also when cancelled: a
    /// shard dropped cancels a call in progress, which may then cut short starting the work of
    /// shards taken. A released shard is given back only after a call that saw it gone returned.
    public nonisolated func setOnChange(_ handler: @escaping @Sendable () async -> Void) { changes.setHandler(handler) }

    /// How long the work of a dropped shard may take to stop: past it another replica may
    /// have taken the shard over (the lease duration minus the renew deadline).
    public nonisolated var handoverGrace: Duration { leaseDuration - renewDeadline }

    /// Whether this replica currently owns the shard of `key`.
    public nonisolated func owns(_ key: String) -> Bool {
        let shard = ShardAssignment.shard(of: key, shards: shards)
        return isOwned(shard, lastRenewal: snapshot.withLock { $0.renewals[shard] })
    }

    /// Since when this replica has owned the shard of `key` (nil: it does not). Another replica
    /// that ran the shard before stopped its work before then.
    public nonisolated func ownedSince(_ key: String) -> ContinuousClock.Instant? {
        let shard = ShardAssignment.shard(of: key, shards: shards)
        let (renewal, since) = snapshot.withLock { ($0.renewals[shard], $0.heldSince[shard]) }
        return isOwned(shard, lastRenewal: renewal) ? since : nil
    }

    /// The shards this replica owns now.
    public nonisolated var heldShards: Set<Int> {
        Set(snapshot.withLock { $0.renewals }.filter { isOwned($0.key, lastRenewal: $0.value) }.keys)
    }

    /// The live members this replica counted last (itself included).
    public nonisolated var memberCount: Int { snapshot.withLock { $0.members } }

    /// Why the last round could not take or renew a Lease or count the members (other than
    /// losing a race to another replica), nil when it could. It is shown (readiness).
    public nonisolated var problem: String? { snapshot.withLock { $0.problem } }

    private func isOwned(_ shard: Int) -> Bool { isOwned(shard, lastRenewal: renewals[shard]) }

    private nonisolated func isOwned(_ shard: Int, lastRenewal: ContinuousClock.Instant?) -> Bool {
        guard let lastRenewal else { return false }
        return LeaseTenure.of(lastRenewal: lastRenewal, now: clock.now(), renewDeadline: renewDeadline, leaseDuration: leaseDuration) == .held
    }

    /// Renews membership and shards until cancelled; then stops the work of every shard
    /// (`onChange`) and releases the Leases.
    public func run() async {
        await withTaskExecutorPreference(executor) {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.watchDeadlines() }
                while !Task.isCancelled {
                    await tick()
                    do { try await LeaseExecutor.sleep(for: retryPeriod, on: executor) } catch { break }
                }
                group.cancelAll()
            }
            await releaseAll()
        }
    }

    /// Drops shards whose renew deadline passed as soon as it passes, whatever the renewal
    /// round is waiting for.
    private func watchDeadlines() async {
        let interval = min(retryPeriod, renewDeadline) / 4
        while !Task.isCancelled {
            do { try await LeaseExecutor.sleep(for: interval, on: executor) } catch { return }
            await dropOverdue()
        }
    }

    private func dropOverdue() async {
        let overdue = renewals.keys.filter { !isOwned($0) }.sorted()
        guard !overdue.isEmpty else { return }
        for shard in overdue { renewals[shard] = nil }
        logger.warning("shard leases not renewed within the renew deadline: stopping their clusters",
                       metadata: ["identity": "\(identity)", "shards": "\(overdue)", "renewDeadline": "\(renewDeadline)"])
        announceChange(dropping: true)
    }

    /// One round: renew membership, count members, keep or take a fair share of shards.
    func tick() async {
        var problems: [String] = []
        var membership = memberObservation
        _ = await attempt(memberLease, &membership, problems: &problems)
        memberObservation = membership
        await countMembers(problems: &problems)
        let share = ShardAssignment.fairShare(shards: shards, replicas: members)

        await renewHeld(problems: &problems)
        // Give back extras when more replicas joined: their clusters stop first, then the
        // Leases are released, while the renewals of the others go on.
        let owned = renewals.keys.filter(isOwned).sorted()
        if owned.count > share {
            giveBack(Array(owned.suffix(owned.count - share)))
        }
        // Take free or expired shards up to the fair share. A failure ends the round: one
        // slow attempt after another must not hold up the next renewal of the shards held.
        var taken = false
        for shard in 0..<shards where renewals[shard] == nil && !releasing.contains(shard) && renewals.keys.filter(isOwned).count < share {
            var observation = observations[shard] ?? .init()
            let failures = problems.count
            if let renewed = await attempt(shardName(shard), &observation, problems: &problems) {
                heldSince[shard] = renewed
                renewals[shard] = renewed
                taken = true
            }
            observations[shard] = observation
            if problems.count > failures { break }
        }
        record(problems)
        // The clusters of the shards taken start without holding up the next renewal: at a
        // thousand clusters, starting them took longer than the renew deadline, the shards were
        // dropped for want of a renewal, and taken again, over and over.
        if taken { announceChange(dropping: false) }
    }

    /// Stops the work of `extras` and then releases their Leases, in a task of its own.
    private func giveBack(_ extras: [Int]) {
        for shard in extras {
            renewals[shard] = nil
            releasing.insert(shard)
        }
        let change = announceChange(dropping: true)
        let (changes, electors) = (self.changes, extras.map { ($0, elector(shardName($0))) })
        releaseCount += 1
        let release = releaseCount
        // On the Lease thread like the rest of the coordinator's work (nil: the default).
        releases[release] = Task(executorPreference: executor) {
            await changes.waitUntilHandled(change)
            for (shard, elector) in electors {
                await elector.releaseIfHeld()
                await self.released(shard)
            }
            await self.releaseEnded(release)
        }
    }

    private func released(_ shard: Int) {
        observations[shard] = nil
        releasing.remove(shard)
    }

    private func releaseEnded(_ release: Int) { releases[release] = nil }

    /// Renews every held shard at once (one slow Lease must not delay the others). A failed
    /// renewal keeps the shard until its renew deadline; a Lease seen held by another is
    /// dropped at once.
    private func renewHeld(problems: inout [String]) async {
        let held = renewals
        var lost: [Int] = []
        let results = await withTaskGroup(of: (Int, Result<ContinuousClock.Instant?, any Error>, LeaderElector.Observation).self) { group in
            for (shard, renewed) in held {
                let leaseElector = elector(shardName(shard))
                let limit = LeaseTenure.attemptLimit(lastRenewal: renewed, now: clock.now(), renewDeadline: renewDeadline, requestTimeout: requestTimeout)
                let start = observations[shard] ?? .init()
                group.addTask {
                    var observation = start
                    do {
                        let result = try await leaseElector.attempt(&observation, limit: limit)
                        return (shard, .success(result), observation)
                    } catch {
                        return (shard, .failure(error), observation)
                    }
                }
            }
            var results: [(Int, Result<ContinuousClock.Instant?, any Error>, LeaderElector.Observation)] = []
            for await result in group { results.append(result) }
            return results
        }
        for (shard, result, observation) in results.sorted(by: { $0.0 < $1.0 }) {
            observations[shard] = observation
            switch result {
            case .success(let renewed?):
                // Not brought back if dropped meanwhile: it is taken again like a free shard.
                if renewals[shard] != nil { renewals[shard] = renewed }
            case .success(nil):
                if renewals.removeValue(forKey: shard) != nil { lost.append(shard) }
            case .failure(let error):
                if !Self.isContention(error), !(error is CancellationError) { problems.append(describe(error, lease: shardName(shard))) }
            }
        }
        if !lost.isEmpty {
            logger.warning("shard leases held by another replica: stopping their clusters", metadata: ["identity": "\(identity)", "shards": "\(lost)"])
            announceChange(dropping: true)
        }
    }

    /// Counts the live members from their Leases as this replica saw them change. A failed
    /// listing is a problem and keeps the last count (not "one member", which would make this
    /// replica take every shard it can).
    private func countMembers(problems: inout [String]) async {
        let (client, namespace, prefix, limit) = (self.client, self.namespace, self.prefix, self.requestTimeout)
        do {
            let list = try await withTimeout(limit, on: executor, { LeaseError.timedOut(namespace: namespace, lease: "\(prefix)-member-*", after: limit) }) {
                try await client.list(LeaderElector.leaseKind, namespace: namespace, options: ListOptions())
            }
            liveness.observe(list.items.filter { $0.name.hasPrefix("\(prefix)-member-") }, at: clock.now())
            let count = liveness.liveCount(at: clock.now(), ownLease: memberLease)
            if count != members {
                logger.info("live replicas changed", metadata: ["identity": "\(identity)", "members": "\(count)", "before": "\(members)"])
                members = count
            }
        } catch is CancellationError {
            return
        } catch {
            problems.append("\(LeaseError.membersNotListed(namespace: namespace, prefix: prefix, reason: "\(error)"))")
        }
    }

    /// Takes or renews one Lease: when it counts as held from, nil when it is not held (another
    /// holds it, a race lost to another replica, a failure, or cancellation). Losing a race
    /// (409 on update, or on create when both create it) is the normal contention of Leases;
    /// any other failure is a problem a person must see.
    private func attempt(_ lease: String, _ observation: inout LeaderElector.Observation, problems: inout [String]) async -> ContinuousClock.Instant? {
        do {
            return try await elector(lease).attempt(&observation, limit: requestTimeout)
        } catch {
            if !Self.isContention(error), !(error is CancellationError) { problems.append(describe(error, lease: lease)) }
            return nil
        }
    }

    private func describe(_ error: any Error, lease: String) -> String {
        error is LeaseError ? "\(error)" : "lease \(namespace)/\(lease): \(error)"
    }

    private static func isContention(_ error: any Error) -> Bool {
        guard let error = error as? KubernetesError else { return false }
        return error.isConflict || error.isAlreadyExists
    }

    /// Logs when Lease access breaks (once per distinct problem) and when it comes back.
    private func record(_ problems: [String]) {
        guard let first = problems.first else {
            if problem != nil {
                logger.notice("shard leases can be taken and renewed again", metadata: ["identity": "\(identity)"])
                snapshot.withLock { $0.problem = nil }
            }
            return
        }
        let summary = problems.count > 1 ? "\(first) (and \(problems.count - 1) more)" : first
        if problem?.hasPrefix(first) != true {
            logger.error("cannot take or renew shard leases, or count the replicas: this replica may run fewer clusters until it can",
                         metadata: ["identity": "\(identity)", "namespace": "\(namespace)", "error": "\(first)"])
        }
        snapshot.withLock { $0.problem = summary }
    }

    /// Tells `onChange` (see `OwnershipChanges`) without waiting for it: the renewals go on
    /// meanwhile. A change that drops shards cuts short a call starting work.
    @discardableResult
    private func announceChange(dropping: Bool) -> Int {
        logger.info("shards changed", metadata: ["identity": "\(identity)", "held": "\(renewals.keys.filter(isOwned).sorted())", "members": "\(members)"])
        return changes.request(preempting: dropping)
    }

    /// On the way out: the clusters stop first, then every Lease is given back.
    private func releaseAll() async {
        let held = renewals.keys.sorted()
        renewals.removeAll()
        if !held.isEmpty { await changes.waitUntilHandled(announceChange(dropping: true)) }
        for release in releases.values { await release.value }
        for shard in held { await elector(shardName(shard)).releaseIfHeld() }
        await elector(memberLease).releaseIfHeld()
    }

    private func elector(_ name: String) -> LeaderElector {
        LeaderElector(client: client, namespace: namespace, name: name, identity: identity, leaseDuration: leaseDuration,
                      renewDeadline: renewDeadline, retryPeriod: retryPeriod, requestTimeout: requestTimeout, clock: clock, executor: executor, logger: logger)
    }

    private var memberLease: String { "\(prefix)-member-\(sanitized(identity))" }

    private func shardName(_ shard: Int) -> String { "\(prefix)-shard-\(shard)" }

    private func sanitized(_ text: String) -> String {
        String(text.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }.prefix(40))
    }
}
