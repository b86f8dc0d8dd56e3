import KubernetesModel

// The client as small interfaces, composed into one (as controller-runtime does): code that only
// reads takes an `ObjectReader`, tests can stand in for one interface at a time.
//
// Every method throws `KubernetesError` (or `CancellationError` when its task is cancelled).
// Kinds are resolved to resources through discovery; `namespace` is ignored for cluster-scoped
// kinds and required for namespaced ones (an object's own `metadata.namespace`, or the client's
// default namespace when absent).

/// Reads objects.
public protocol ObjectReader: Sendable {
    /// GET one object.
    func get(_ kind: GroupVersionKind, name: String, namespace: String?) async throws -> KubeObject
    /// LIST objects of a kind (namespace nil: all namespaces, or cluster-scoped), following
    /// `continue` tokens; a list whose continue token expired (410) is restarted.
    func list(_ kind: GroupVersionKind, namespace: String?, options: ListOptions) async throws -> KubeObjectList
    /// LIST objects of a kind a page at a time (`options.pageSize` objects per request), each
    /// page handed to `page` as it arrives, so that a long list is never held whole. A list whose
    /// continue token expired (410) is restarted: its first page comes again with `first` true,
    /// and whatever the caller kept of the pages before is to be dropped. Returns the list's
    /// resourceVersion.
    func listPages(_ kind: GroupVersionKind, namespace: String?, options: ListOptions,
                   _ page: (_ items: [KubeObject], _ first: Bool) async throws -> Void) async throws -> String
}

extension ObjectReader {
    /// The whole list as one page, for readers that do not page.
    public func listPages(_ kind: GroupVersionKind, namespace: String?, options: ListOptions,
                          _ page: (_ items: [KubeObject], _ first: Bool) async throws -> Void) async throws -> String {
        let list = try await list(kind, namespace: namespace, options: options)
        try await page(list.items, true)
        return list.resourceVersion
    }
}

/// Writes objects.
public protocol ObjectWriter: Sendable {
    /// POST a new object (409 `alreadyExists` when the name is taken).
    func create(_ object: KubeObject, options: WriteOptions) async throws -> KubeObject
    /// PUT the object; its `metadata.resourceVersion` makes it conditional (409 `conflict` when stale).
    func update(_ object: KubeObject, options: WriteOptions) async throws -> KubeObject
    /// Server-side apply (PATCH `application/apply-patch+yaml`): creates or updates the fields
    /// `options.fieldManager` sets; 409 `applyConflict` unless `force`.
    func apply(_ object: KubeObject, options: ApplyOptions) async throws -> KubeObject
    /// DELETE an object.
    func delete(_ kind: GroupVersionKind, name: String, namespace: String?, options: DeleteOptions) async throws -> DeleteOutcome
}

/// Writes the `status` subresource.
public protocol StatusWriter: Sendable {
    /// Server-side apply to `/status`.
    func applyStatus(_ object: KubeObject, options: ApplyOptions) async throws -> KubeObject
    /// PUT to `/status` (conditional on resourceVersion).
    func updateStatus(_ object: KubeObject, options: WriteOptions) async throws -> KubeObject
}

/// Watches objects.
public protocol ObjectWatcher: Sendable {
    /// One watch request. The stream finishes when the server ends it (resume from the last
    /// resourceVersion), throws `.gone` when the resourceVersion is too old (relist).
    func watch(_ kind: GroupVersionKind, namespace: String?, options: WatchOptions) async throws -> WatchEvents
}

/// Everything: what controllers take.
public protocol KubeClient: ObjectReader, ObjectWriter, StatusWriter, ObjectWatcher, ObjectPatcher {}

/// The kinds of PATCH other than server-side apply.
public enum PatchType: String, Sendable, Hashable {
    /// RFC 7386 JSON merge patch (a null deletes a key; lists are replaced).
    case merge = "application/merge-patch+json"
    /// RFC 6902 JSON patch (a list of operations).
    case json = "application/json-patch+json"
    /// Kubernetes strategic merge patch (built-in kinds only).
    case strategicMerge = "application/strategic-merge-patch+json"
}

/// Patches objects (for small targeted changes such as removing a finalizer; prefer apply).
public protocol ObjectPatcher: Sendable {
    /// PATCH an object (or its `subresource`) with a merge, JSON or strategic merge patch.
    func patch(_ kind: GroupVersionKind, name: String, namespace: String?, patch: JSONValue, type: PatchType,
               subresource: String?, options: WriteOptions) async throws -> KubeObject
}

extension ObjectPatcher {
    /// PATCH the object itself (no subresource).
    public func patch(_ kind: GroupVersionKind, name: String, namespace: String?, patch: JSONValue, type: PatchType, options: WriteOptions) async throws -> KubeObject {
        try await self.patch(kind, name: name, namespace: namespace, patch: patch, type: type, subresource: nil, options: options)
    }
}
