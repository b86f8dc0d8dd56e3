import KubernetesModel

/// Options of a list: selectors, page size, resourceVersion semantics.
public struct ListOptions: Sendable, Hashable {
    /// Label selector in string form (`app=web,tier in (a,b)`).
    public var labelSelector: String?
    /// Field selector (`metadata.name=x`, `metadata.namespace!=y`).
    public var fieldSelector: String?
    /// Page size (`limit`); the client follows `continue` tokens until the list is complete.
    /// nil asks for everything in one answer.
    public var pageSize: Int?
    /// `resourceVersion` of the list: nil = most recent (quorum read), "0" = any cached state.
    public var resourceVersion: String?

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, pageSize: Int? = 500, resourceVersion: String? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.pageSize = pageSize
        self.resourceVersion = resourceVersion
    }

    public init(labelSelector: LabelSelector, fieldSelector: String? = nil, pageSize: Int? = 500) {
        self.init(labelSelector: labelSelector.isEverything ? nil : labelSelector.description, fieldSelector: fieldSelector, pageSize: pageSize)
    }
}

/// Options of a watch.
public struct WatchOptions: Sendable, Hashable {
    /// Start after this resourceVersion (nil: the server sends the current state as ADDED first).
    public var resourceVersion: String?
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Ask for BOOKMARK events (they keep the resourceVersion to resume from fresh).
    public var allowBookmarks: Bool
    /// Server-side timeout of the watch; the stream finishes normally when it ends.
    public var timeoutSeconds: Int?
    /// Keep bookmarks until the next event or the end of the watch, and deliver only the newest
    /// (false: each as it arrives). A reader that only needs the resourceVersion to resume from
    /// (an informer) is then not woken by an idle watch at all.
    public var holdBookmarks: Bool

    public init(resourceVersion: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil, allowBookmarks: Bool = true, timeoutSeconds: Int? = nil,
                holdBookmarks: Bool = false) {
        self.holdBookmarks = holdBookmarks
        self.resourceVersion = resourceVersion
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.allowBookmarks = allowBookmarks
        self.timeoutSeconds = timeoutSeconds
    }
}

/// Options of a server-side apply.
public struct ApplyOptions: Sendable, Hashable {
    /// The field manager that owns what this apply sets (required by the API).
    public var fieldManager: String
    /// Take ownership of fields other managers own instead of failing with a conflict.
    public var force: Bool
    /// `dryRun=All`: the server answers what it would store, stores nothing.
    public var dryRun: Bool

    public init(fieldManager: String, force: Bool = false, dryRun: Bool = false) {
        self.fieldManager = fieldManager
        self.force = force
        self.dryRun = dryRun
    }
}

/// Options of a create or update.
public struct WriteOptions: Sendable, Hashable {
    /// The field manager recorded in managedFields (always send one: otherwise the server
    /// derives it from the User-Agent).
    public var fieldManager: String
    public var dryRun: Bool

    public init(fieldManager: String, dryRun: Bool = false) {
        self.fieldManager = fieldManager
        self.dryRun = dryRun
    }
}

/// Options of a delete.
public struct DeleteOptions: Sendable, Hashable {
    public enum PropagationPolicy: String, Sendable, Hashable {
        case background = "Background"
        case foreground = "Foreground"
        case orphan = "Orphan"
    }

    public var propagationPolicy: PropagationPolicy?
    /// Delete only the object with this uid (a re-created object of the same name is left alone:
    /// 409 Conflict otherwise).
    public var preconditionUID: String?
    /// Delete only at this resourceVersion.
    public var preconditionResourceVersion: String?
    public var gracePeriodSeconds: Int?
    public var dryRun: Bool

    public init(propagationPolicy: PropagationPolicy? = .background, preconditionUID: String? = nil, preconditionResourceVersion: String? = nil, gracePeriodSeconds: Int? = nil, dryRun: Bool = false) {
        self.propagationPolicy = propagationPolicy
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
        self.gracePeriodSeconds = gracePeriodSeconds
        self.dryRun = dryRun
    }

    /// The `DeleteOptions` body the API server reads.
    public var json: JSONValue {
        var body: JSONValue = ["kind": "DeleteOptions", "apiVersion": "v1"]
        if let propagationPolicy { body["propagationPolicy"] = .string(propagationPolicy.rawValue) }
        var preconditions: JSONValue = .emptyObject
        if let preconditionUID { preconditions["uid"] = .string(preconditionUID) }
        if let preconditionResourceVersion { preconditions["resourceVersion"] = .string(preconditionResourceVersion) }
        if preconditions != .emptyObject { body["preconditions"] = preconditions }
        if let gracePeriodSeconds { body["gracePeriodSeconds"] = .int(Int64(gracePeriodSeconds)) }
        if dryRun { body["dryRun"] = ["All"] }
        return body
    }
}

/// What a delete did.
public enum DeleteOutcome: Sendable, Hashable {
    /// The object is gone (the server answered a `Success` Status; `uid` of what was deleted).
    case deleted(uid: String?)
    /// Finalizers hold the object: it has a deletionTimestamp and goes away once they are removed.
    case terminating(KubeObject)
}

/// A complete list: every item (all pages) and the list's resourceVersion to watch from.
public struct KubeObjectList: Sendable, Hashable {
    public var items: [KubeObject]
    /// The list's `metadata.resourceVersion` (of the first page when paginated, as client-go does:
    /// a watch from it sees every change after the list began).
    public var resourceVersion: String

    public init(items: [KubeObject], resourceVersion: String) {
        self.items = items
        self.resourceVersion = resourceVersion
    }
}
