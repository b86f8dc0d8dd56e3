import KubernetesModel

/// Which replicas are alive, from their membership Leases as this replica saw them change: a
/// member is live while its Lease has a holder and changed (a new resourceVersion) less than
/// its lease duration ago by this replica's own monotonic clock. The members' `renewTime`s,
/// written by other hosts' clocks, are never compared with ours (as client-go's leader
/// election judges a holder by `observedTime`). A member seen for the first time counts as
/// just renewed.
public struct MemberLiveness: Sendable {
    private struct Seen: Sendable {
        var version: String
        var holder: String?
        var leaseDuration: Duration
        var changedAt: ContinuousClock.Instant
    }

    private var seen: [String: Seen] = [:]

    public init() {}

    /// Records one listing of the member Leases (name → Lease) taken at `now`; members no
    /// longer listed are forgotten.
    public mutating func observe(_ leases: [KubeObject], at now: ContinuousClock.Instant) {
        var next: [String: Seen] = [:]
        for lease in leases {
            let record = LeaseRecord(lease: lease)
            let version = lease.resourceVersion ?? "\(record.renewTime ?? "")/\(record.holderIdentity ?? "")"
            if let previous = seen[lease.name], previous.version == version {
                next[lease.name] = previous
            } else {
                next[lease.name] = Seen(version: version, holder: record.holderIdentity, leaseDuration: .seconds(record.leaseDurationSeconds), changedAt: now)
            }
        }
        seen = next
    }

    /// The live members at `now`, counting this replica (`ownLease`) whatever its Lease says.
    public func liveCount(at now: ContinuousClock.Instant, ownLease: String) -> Int {
        let others = seen.filter { name, member in
            name != ownLease && member.holder != nil && member.changedAt.duration(to: now) < member.leaseDuration
        }
        return others.count + 1
    }
}
