import KubernetesModel

/// One event of a watch. An ERROR event is not an event: the stream throws a `KubernetesError`
/// (kind `.gone` for 410: relist). The end of a stream is not a deletion either: resume from the
/// last resourceVersion seen.
public enum WatchEvent: Sendable, Hashable {
    case added(KubeObject)
    case modified(KubeObject)
    case deleted(KubeObject)
    /// A bookmark: nothing changed, but the watch has seen everything up to this resourceVersion.
    case bookmark(resourceVersion: String)

    /// The object of an ADDED / MODIFIED / DELETED event.
    public var object: KubeObject? {
        switch self {
        case .added(let o), .modified(let o), .deleted(let o): return o
        case .bookmark: return nil
        }
    }

    /// The resourceVersion to resume from after this event.
    public var resourceVersion: String? {
        let rv: String?
        switch self {
        case .added(let o), .modified(let o), .deleted(let o): rv = o.resourceVersion
        case .bookmark(let bookmarked): rv = bookmarked
        }
        guard let rv, !rv.isEmpty else { return nil }
        return rv
    }

    /// "ADDED", "MODIFIED", "DELETED", "BOOKMARK".
    public var type: String {
        switch self {
        case .added: return "ADDED"
        case .modified: return "MODIFIED"
        case .deleted: return "DELETED"
        case .bookmark: return "BOOKMARK"
        }
    }
}

/// The events of one watch request, in order. Finishes when the server ends the watch;
/// throws `KubernetesError` on an ERROR event (410 → `.gone`) or a broken connection.
