import KubernetesModel

/// One request a cluster routed (as an API server's audit log records it): when, what, and
/// which client (its User-Agent). Requests refused by an injected fault are not in it.
public struct RequestRecord: Sendable, Equatable {
    /// When the cluster served it (the process's monotonic clock).
    public var at: ContinuousClock.Instant
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`.
    public var verb: String
    /// The resource (`configmaps`, `leases`, `deployments/status`).
    public var resource: String
    public var namespace: String?
    /// The object's name (from the body for a create); nil for lists and collections.
    public var name: String?
    public var userAgent: String
    /// The HTTP status it was answered with.
    public var status: Int

    public init(at: ContinuousClock.Instant, verb: String, resource: String, namespace: String?, name: String?, userAgent: String, status: Int) {
        self.at = at
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.userAgent = userAgent
        self.status = status
    }

    public var isWrite: Bool { RequestKind(verb: verb, resource: resource).isWrite }
    /// Answered with 2xx: it took effect.
    public var succeeded: Bool { (200..<300).contains(status) }
}

/// The last `capacity` requests of one sort a cluster saw (routed ones, `RequestRecord`; ones
/// its unreachable fault refused, `RefusedRequest`); off (capacity 0) unless a test or the dev
/// mode turns it on, so a large fleet does not keep every request.
struct RequestLog<Entry: Sendable>: Sendable {
    var capacity = 0
    private(set) var records: [Entry] = []
    /// Records appended in all (trimmed ones included).
    private(set) var appended = 0

    mutating func append(_ record: Entry) {
        guard capacity > 0 else { return }
        records.append(record)
        appended += 1
        // Trimmed a quarter at a time, so that appending stays cheap.
        if records.count > capacity { records.removeFirst(records.count - capacity * 3 / 4) }
    }

    /// The records appended since `appended` was `total` (those still kept).
    func records(since total: Int) -> ArraySlice<Entry> { records.suffix(max(0, min(appended - total, records.count))) }

    mutating func resize(_ capacity: Int) {
        self.capacity = max(0, capacity)
        if records.count > self.capacity { records.removeFirst(records.count - self.capacity) }
    }
}

extension RequestLog where Entry == RequestRecord {
    /// Sets the status of the records appended since `appended` was `total`.
    mutating func answered(since total: Int, status: Int) {
        let new = records(since: total).count
        guard new > 0 else { return }
        for i in (records.count - new)..<records.count { records[i].status = status }
    }
}

/// One request a cluster answered by closing the connection (its unreachable fault): what a
/// client kept trying while the cluster was silent.
public struct RefusedRequest: Sendable, Equatable {
    public var method: String
    /// The path after the cluster's base path (`/version`, `/api/v1/namespaces/x/configmaps/y`).
    public var path: String
    public var query: [String: String]

    /// A list or watch (a collection read), not a read or write of one object or the version.
    public var isCollectionRead: Bool { method == "GET" && (query["watch"] != nil || query["labelSelector"] != nil) }
}
