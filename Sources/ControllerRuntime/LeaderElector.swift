import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// Leader election on a `coordination.k8s.io/v1` Lease (client-go's timings: 15 s lease, 10 s
/// renew deadline, 2 s retry). The Lease is read and written with its resourceVersion
/// (optimistic concurrency), never applied. `run` calls `whileLeading` when this candidate
/// becomes leader and cancels it when leadership is lost; then it tries again.
public final class LeaderElector: Sendable {
    public static let leaseKind = GroupVersionKind(group: "coordination.k8s.io", version: "v1", kind: "Lease")

    public let namespace: String
    public let name: String
    public let identity: String
    private let client: any ObjectReader & ObjectWriter
    private let leaseDuration: Duration
    private let renewDeadline: Duration
    private let retryPeriod: Duration
    private let logger: Logger

    public init(client: any ObjectReader & ObjectWriter, namespace: String, name: String, identity: String,
                leaseDuration: Duration = .seconds(15), renewDeadline: Duration = .seconds(10), retryPeriod: Duration = .seconds(2), logger: Logger) {
        self.client = client
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.renewDeadline = renewDeadline
        self.retryPeriod = retryPeriod
        self.logger = logger
    }

    /// Campaigns, leads, and campaigns again after losing the lease, until cancelled. On
    /// cancellation while leading, the lease is released (holder cleared) so a successor does not
    /// wait for it to expire.
    public func run(whileLeading: @escaping @Sendable () async -> Void) async {
        var observation = Observation()
        while !Task.isCancelled {
            // Campaign.
            while !Task.isCancelled {
                if (try? await tryAcquireOrRenew(&observation)) == true { break }
                try? await Task.sleep(for: retryPeriod)
            }
            if Task.isCancelled { return }
            logger.info("became leader", metadata: ["lease": "\(namespace)/\(name)", "identity": "\(identity)"])

            // Lead until a renewal misses its deadline or we are cancelled.
            let leading = Task { await whileLeading() }
            var lastRenew = ContinuousClock.now
            while !Task.isCancelled {
                try? await Task.sleep(for: retryPeriod)
                if Task.isCancelled { break }
                if (try? await tryAcquireOrRenew(&observation)) == true {
                    lastRenew = .now
                } else if lastRenew.duration(to: .now) > renewDeadline {
                    logger.warning("lost leadership: could not renew the lease in time", metadata: ["lease": "\(namespace)/\(name)", "identity": "\(identity)"])
                    break
                }
            }
            leading.cancel()
            await leading.value
            if Task.isCancelled {
                await release()
                return
            }
        }
    }

    /// Whether this candidate holds the lease after one attempt.
    public func tryAcquireOrRenew(_ observation: inout Observation) async throws -> Bool {
        let now = Date()
        let leaseSeconds = Int(leaseDuration.components.seconds)
        var existing: KubeObject?
        do {
            existing = try await client.get(Self.leaseKind, name: name, namespace: namespace)
        } catch let error as KubernetesError where error.isNotFound {
            existing = nil
        }
        let current = existing.map(LeaseRecord.init(lease:))
        if let current, current != observation.record {
            observation = Observation(record: current, observedAt: now)
        }
        switch LeaseDecision.decide(current: current, observedAt: observation.observedAt, identity: identity, leaseDuration: leaseSeconds, now: now) {
        case .wait:
            return false
        case .create(let record):
            var lease = KubeObject(apiVersion: "coordination.k8s.io/v1", kind: "Lease", name: name, namespace: namespace)
            lease["spec"] = record.spec
            _ = try await client.create(lease, options: WriteOptions(fieldManager: "addon-manager"))
            observation = Observation(record: record, observedAt: now)
            return true
        case .update(let record):
            guard var lease = existing else { return false }
            lease["spec"] = record.spec
            _ = try await client.update(lease, options: WriteOptions(fieldManager: "addon-manager"))
            observation = Observation(record: record, observedAt: now)
            return true
        }
    }

    /// Clears the holder if this candidate holds the lease (a successor need not wait for expiry).
    public func releaseIfHeld() async { await release() }

    private func release() async {
        // Called on the way out, usually from a cancelled task, whose requests would be
        // refused at once: the release runs in a task of its own (bounded by the client's
        // request timeout), so that a successor need not wait for the lease to expire.
        let (client, name, namespace, identity) = (self.client, self.name, self.namespace, self.identity)
        await Task {
            guard var lease = try? await client.get(Self.leaseKind, name: name, namespace: namespace) else { return }
            var record = LeaseRecord(lease: lease)
            guard record.holderIdentity == identity else { return }
            record.holderIdentity = nil
            record.leaseDurationSeconds = 1
            lease["spec"] = record.spec
            _ = try? await client.update(lease, options: WriteOptions(fieldManager: "addon-manager"))
        }.value
    }

    public struct Observation: Sendable {
        var record: LeaseRecord?
        var observedAt: Date?
        public init() {}
        init(record: LeaseRecord?, observedAt: Date?) {
            self.record = record
            self.observedAt = observedAt
        }
    }
}
