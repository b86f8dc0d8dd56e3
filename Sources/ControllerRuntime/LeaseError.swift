/// Why a Lease could not be taken, renewed or counted: what a person needs to find the Lease.
public enum LeaseError: Error, Sendable, CustomStringConvertible {
    /// A Lease request (read and write of one attempt) had no answer in time.
    case timedOut(namespace: String, lease: String, after: Duration)
    /// The member Leases could not be listed: the member count stays what it was.
    case membersNotListed(namespace: String, prefix: String, reason: String)

    public var description: String {
        switch self {
        case .timedOut(let namespace, let lease, let after):
            return "lease \(namespace)/\(lease): no answer within \(after)"
        case .membersNotListed(let namespace, let prefix, let reason):
            return "cannot list the member leases \(namespace)/\(prefix)-member-*: \(reason) (keeping the last member count)"
        }
    }
}
