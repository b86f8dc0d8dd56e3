import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// Leader election on a `coordination.k8s.io/v1` Lease (client-go's timings: 15 s lease, 10 s
/// renew deadline, 2 s retry). The Lease is read and written with its resourceVersion
/// (optimistic concurrency), never applied. `run` calls `whileLeading` when this candidate
/// becomes leader and cancels it when leadership is lost; then it tries again.
///
/// Every attempt (read and write) is cut off after `requestTimeout`, and never runs past the
/// renew deadline; all ownership timing is on the injected `clock`'s monotonic time (see
/// `LeaseTenure`, `LeaseDecision`).
public final class LeaderElector: Sendable {
    public static let leaseKind = GroupVersionKind(group: "coordination.k8s.io", version: "v1", kind: "Lease")

    public let namespace: String
    public let name: String
    public let identity: String
    private let client: any ObjectReader & ObjectWriter
    public let leaseDuration: Duration
    public let renewDeadline: Duration
    public let retryPeriod: Duration
    public let requestTimeout: Duration
    private let clock: LeaseClock
    private let logger: Logger
    /// Where the campaign and the renewals run (nil: with the rest of the process).
    private let executor: LeaseExecutor?

    /// - Parameters:
    ///   - requestTimeout: the longest one attempt (a read and a write) may take; by default a
    ///     quarter of the renew deadline, so several attempts fit before it.
    ///   - executor: the Lease thread the campaign and renewals run on (see `LeaseExecutor`);
    ///     `whileLeading` runs with the rest of the process.
    public init(client: any ObjectReader & ObjectWriter, namespace: String, name: String, identity: String,
                leaseDuration: Duration = .seconds(15), renewDeadline: Duration = .seconds(10), retryPeriod: Duration = .seconds(2),
                requestTimeout: Duration? = nil, clock: LeaseClock = .system, executor: LeaseExecutor? = nil, logger: Logger) {
        self.executor = executor
        self.client = client
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.renewDeadline = min(renewDeadline, leaseDuration)
        self.retryPeriod = retryPeriod
        self.requestTimeout = requestTimeout ?? self.renewDeadline / 4
        self.clock = clock
        self.logger = logger
    }

    /// Campaigns, leads, and campaigns again after losing the lease, until cancelled. On
    /// cancellation while leading, `whileLeading` is cancelled and awaited, then the lease is
    /// released (holder cleared) so a successor does not wait for it to expire.
    public func run(whileLeading: @escaping @Sendable () async -> Void) async {
        await withTaskExecutorPreference(executor) { await campaign(whileLeading: whileLeading) }
    }

    private func campaign(whileLeading: @escaping @Sendable () async -> Void) async {
        var observation = Observation()
        while !Task.isCancelled {
            // Campaign.
            var renewed: ContinuousClock.Instant?
            while !Task.isCancelled {
                if let held = try? await attempt(&observation, limit: requestTimeout) {
                    renewed = held
                    break
                }
                try? await LeaseExecutor.sleep(for: retryPeriod, on: executor)
            }
            guard var lastRenewal = renewed, !Task.isCancelled else { return }
            logger.info("became leader", metadata: ["lease": "\(namespace)/\(name)", "identity": "\(identity)"])

            // Lead until the lease is seen held by another, or no renewal succeeded before the
            // renew deadline, or we are cancelled.
            let leading = Task(executorPreference: globalConcurrentExecutor) { await whileLeading() }
            while !Task.isCancelled {
                try? await LeaseExecutor.sleep(for: retryPeriod, on: executor)
                if Task.isCancelled { break }
                let limit = LeaseTenure.attemptLimit(lastRenewal: lastRenewal, now: clock.now(), renewDeadline: renewDeadline, requestTimeout: requestTimeout)
                do {
                    guard let held = try await attempt(&observation, limit: limit) else {
                        logger.warning("lost leadership: another candidate holds the lease", metadata: ["lease": "\(namespace)/\(name)", "identity": "\(identity)"])
                        break
                    }
                    lastRenewal = held
                } catch {
                    logger.notice("lease renewal failed, retrying until the renew deadline",
                                  metadata: ["lease": "\(namespace)/\(name)", "identity": "\(identity)", "error": "\(error)"])
                }
                if LeaseTenure.of(lastRenewal: lastRenewal, now: clock.now(), renewDeadline: renewDeadline, leaseDuration: leaseDuration) != .held {
                    logger.warning("lost leadership: could not renew the lease in time", metadata: ["lease": "\(namespace)/\(name)", "identity": "\(identity)"])
                    break
                }
            }
            leading.cancel()
            await leading.value
            if Task.isCancelled {
                await releaseIfHeld()
                return
            }
        }
    }

    /// One attempt to take or renew the lease, cut off after `limit` (`LeaseError.timedOut`).
    /// Returns the instant (by this candidate's monotonic clock, taken before the request was
    /// sent) from which the lease counts as held, or nil when another candidate holds it.
    public func attempt(_ observation: inout Observation, limit: Duration) async throws -> ContinuousClock.Instant? {
        let (namespace, name) = (self.namespace, self.name)
        let start = observation
        let (held, seen) = try await withTimeout(limit, on: executor, { LeaseError.timedOut(namespace: namespace, lease: name, after: limit) }) {
            try await self.attemptOnce(start)
        }
        observation = seen
        return held
    }

    private func attemptOnce(_ observation: Observation) async throws -> (ContinuousClock.Instant?, Observation) {
        let sent = clock.now()
        var observation = observation
        let leaseSeconds = max(1, Int((leaseDuration + .milliseconds(999)).components.seconds))
        // Renewing a lease this candidate holds, as it last wrote it: written at once with that
        // resourceVersion, without reading it first (client-go's optimistic renewal). The write
        // succeeds only when nobody changed the Lease since (so never without a resourceVersion
        // to hold it to); a conflict falls back to reading it.
        if var lease = observation.lease, observation.resourceVersion != nil, observation.record?.holderIdentity == identity, let written = observation.observedAt,
           written.duration(to: sent) < leaseDuration,
           case .update(let record) = LeaseDecision.decide(current: observation.record, unchangedFor: nil, identity: identity, leaseDuration: leaseSeconds, stamp: clock.wallTime())
        {
            lease["spec"] = record.spec
            do {
                let renewed = try await client.update(lease, options: WriteOptions(fieldManager: "addon-manager"))
                return (sent, Observation(lease: renewed, observedAt: sent))
            } catch let error as KubernetesError where error.kind == .conflict || error.isNotFound {
                // Changed or deleted since: decide on what is there now.
            }
        }
        var existing: KubeObject?
        do {
            existing = try await client.get(Self.leaseKind, name: name, namespace: namespace)
        } catch let error as KubernetesError where error.isNotFound {
            existing = nil
        }
        let current = existing.map(LeaseRecord.init(lease:))
        if let existing, !observation.matches(existing) {
            // Seen changed now, after the read: the holder sent that renewal before this moment.
            observation = Observation(lease: existing, observedAt: clock.now())
        }
        let unchangedFor = observation.observedAt.map { $0.duration(to: clock.now()) }
        switch LeaseDecision.decide(current: current, unchangedFor: unchangedFor, identity: identity, leaseDuration: leaseSeconds, stamp: clock.wallTime()) {
        case .wait:
            return (nil, observation)
        case .create(let record):
            var lease = KubeObject(apiVersion: "coordination.k8s.io/v1", kind: "Lease", name: name, namespace: namespace)
            lease["spec"] = record.spec
            let written = try await client.create(lease, options: WriteOptions(fieldManager: "addon-manager"))
            return (sent, Observation(lease: written, observedAt: sent))
        case .update(let record):
            guard var lease = existing else { return (nil, observation) }
            lease["spec"] = record.spec
            let written = try await client.update(lease, options: WriteOptions(fieldManager: "addon-manager"))
            return (sent, Observation(lease: written, observedAt: sent))
        }
    }

    /// Clears the holder if this candidate holds the lease (a successor need not wait for
    /// expiry). Call it only once the work the lease guarded has stopped.
    public func releaseIfHeld() async {
        // Called on the way out, usually from a cancelled task, whose requests would be
        // refused at once: the release runs in a task of its own, bounded by `requestTimeout`.
        let (client, name, namespace, identity, limit, executor) = (self.client, self.name, self.namespace, self.identity, self.requestTimeout, self.executor)
        await Task(executorPreference: executor) {
            _ = try? await withTimeout(limit, on: executor, { LeaseError.timedOut(namespace: namespace, lease: name, after: limit) }) {
                guard var lease = try? await client.get(Self.leaseKind, name: name, namespace: namespace) else { return false }
                var record = LeaseRecord(lease: lease)
                guard record.holderIdentity == identity else { return false }
                record.holderIdentity = nil
                record.leaseDurationSeconds = 1
                lease["spec"] = record.spec
                _ = try await client.update(lease, options: WriteOptions(fieldManager: "addon-manager"))
                return true
            }
        }.value
    }

    /// The Lease as this candidate last saw it, and when (its own monotonic clock) it saw it
    /// change: expiry of another's lease is judged by this alone.
    public struct Observation: Sendable {
        var record: LeaseRecord?
        var resourceVersion: String?
        var observedAt: ContinuousClock.Instant?
        /// The Lease as seen (what an optimistic renewal writes back, with its new spec).
        var lease: KubeObject?

        public init() {}

        init(lease: KubeObject, observedAt: ContinuousClock.Instant) {
            record = LeaseRecord(lease: lease)
            resourceVersion = lease.resourceVersion
            self.observedAt = observedAt
            self.lease = lease
        }

        /// Whether `lease` is the version seen last (same resourceVersion, or the same record
        /// when the server gives none).
        func matches(_ lease: KubeObject) -> Bool {
            guard observedAt != nil else { return false }
            if let resourceVersion, let other = lease.resourceVersion { return resourceVersion == other }
            return record == LeaseRecord(lease: lease)
        }
    }
}
