import Foundation
import KubernetesModel

/// The fields of a `coordination.k8s.io/v1` Lease that leader election reads and writes.
public struct LeaseRecord: Sendable, Equatable {
    public var holderIdentity: String?
    public var leaseDurationSeconds: Int
    public var acquireTime: String?
    public var renewTime: String?
    public var leaseTransitions: Int

    public init(holderIdentity: String?, leaseDurationSeconds: Int, acquireTime: String?, renewTime: String?, leaseTransitions: Int) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
    }

    public init(lease: KubeObject) {
        let spec = lease.spec
        holderIdentity = spec["holderIdentity"].stringValue.flatMap { $0.isEmpty ? nil : $0 }
        leaseDurationSeconds = Int(spec["leaseDurationSeconds"].intValue ?? 15)
        acquireTime = spec["acquireTime"].stringValue
        renewTime = spec["renewTime"].stringValue
        leaseTransitions = Int(spec["leaseTransitions"].intValue ?? 0)
    }

    /// The Lease's `spec`.
    public var spec: JSONValue {
        var spec: JSONValue = ["leaseDurationSeconds": .int(Int64(leaseDurationSeconds)), "leaseTransitions": .int(Int64(leaseTransitions))]
        if let holderIdentity { spec["holderIdentity"] = .string(holderIdentity) }
        if let acquireTime { spec["acquireTime"] = .string(acquireTime) }
        if let renewTime { spec["renewTime"] = .string(renewTime) }
        return spec
    }
}

/// What a candidate should do with a Lease: a pure decision, tested on its own.
public enum LeaseDecision: Equatable, Sendable {
    /// No Lease yet: create it holding it.
    case create(LeaseRecord)
    /// Write this record (renewal by the holder, or takeover of an expired lease), conditional
    /// on the Lease's resourceVersion.
    case update(LeaseRecord)
    /// Someone else holds a live lease: look again later.
    case wait

    /// - Parameters:
    ///   - current: the Lease as read, nil when it does not exist.
    ///   - unchangedFor: how long, by this candidate's own monotonic clock, the Lease has stayed
    ///     as it is now (nil: it was seen as it is for the first time just now). As client-go
    ///     does, expiry is judged only by this: never by the holder's `renewTime`, which was
    ///     written by another host's clock.
    ///   - stamp: this candidate's wall time, written into `acquireTime`/`renewTime` for people.
    public static func decide(current: LeaseRecord?, unchangedFor: Duration?, identity: String, leaseDuration: Int, stamp: Date) -> LeaseDecision {
        let time = KubeTime.formatMicro(stamp)
        guard let current else {
            return .create(LeaseRecord(holderIdentity: identity, leaseDurationSeconds: leaseDuration, acquireTime: time, renewTime: time, leaseTransitions: 0))
        }
        if current.holderIdentity == identity {
            var renewed = current
            renewed.renewTime = time
            renewed.leaseDurationSeconds = leaseDuration
            return .update(renewed)
        }
        let expired: Bool
        if current.holderIdentity == nil {
            expired = true
        } else if let unchangedFor {
            expired = unchangedFor > .seconds(current.leaseDurationSeconds)
        } else {
            expired = false
        }
        guard expired else { return .wait }
        return .update(LeaseRecord(holderIdentity: identity, leaseDurationSeconds: leaseDuration, acquireTime: time, renewTime: time,
                                   leaseTransitions: current.leaseTransitions + 1))
    }
}
