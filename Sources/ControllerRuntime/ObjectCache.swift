import KubernetesModel

/// The informer's in-memory copy of the objects it watches, keyed by namespace and name.
/// Reconcilers read from it instead of the API server.
///
/// `Storage.compact` keeps each object as its JSON text, deflated (`KeptJSON`), and decodes it
/// when read: many times smaller than the parsed tree, for caches that are many and mostly idle
/// (every kind an addon applies, in every workload cluster of a fleet). A `transform` drops what
/// readers never need (managedFields, say) before an object is kept or handed on.
///
/// An `Index` files objects under values computed from them (client-go's indexers): a reader
/// that wants the objects of one owner (a cluster's Machines) asks `list(filedUnder:value:)` instead
/// of listing everything and filtering. At 9000 Machines, listing, sorting and filtering them
/// on every reconcile of a cluster took over half of an idle fleet's CPU.
///
/// A `keep` function picks what of each object is kept, for caches whose readers need less than
/// the handler that is handed each change (a store that keeps its own records of the objects needs
/// only what names them, to be told of a deletion a relist found): the handler still sees whole
/// objects as they arrive; what the cache hands back (a relist's deletions, `.updated`'s old
/// object, `get`, `list`) is what it kept.
///
/// A `fingerprint` is a short value the writer computes from the object as the server sent it
/// (before any transform: from what the cache does not keep) and stores beside it, which a reader
/// asks for without decoding the object (as it asks for the resourceVersion).
public actor ObjectCache {
    public enum Storage: Sendable { case objects, compact }

    /// A name, and the values an object is filed under (none: not filed).
    public struct Index: Sendable {
        public let name: String
        public let values: @Sendable (KubeObject) -> [String]

        public init(name: String, values: @escaping @Sendable (KubeObject) -> [String]) {
            self.name = name
            self.values = values
        }
    }

    private struct Entry {
        var object: KubeObject?
        var text: KeptJSON?
        var resourceVersion: String?
        var fingerprint: String?
        /// The values it is filed under, per index (in `indexes` order).
        var filed: [[String]] = []
    }

    public let storage: Storage
    private let indexes: [Index]
    private let keep: (@Sendable (KubeObject) -> KubeObject)?
    private var entries: [ReconcileRequest: Entry] = [:]
    /// Per index (in `indexes` order): the keys filed under each value.
    private var filedKeys: [[String: Set<ReconcileRequest>]]

    /// - keep: what of each object is kept (nil: all of it); see the type's description.
    public init(storage: Storage = .objects, indexes: [Index] = [], keep: (@Sendable (KubeObject) -> KubeObject)? = nil) {
        self.storage = storage
        self.indexes = indexes
        self.keep = keep
        filedKeys = Array(repeating: [:], count: indexes.count)
    }

    public func get(namespace: String?, name: String) -> KubeObject? {
        entries[ReconcileRequest(namespace: namespace, name: name)].map(Self.decode)
    }

    /// The resourceVersion of the object kept under this name (nil: none kept), without decoding it.
    public func resourceVersion(namespace: String?, name: String) -> String? {
        entries[ReconcileRequest(namespace: namespace, name: name)]?.resourceVersion
    }

    /// The fingerprint stored with the object kept under this name (nil: none kept, or none
    /// stored with it), without decoding it.
    public func fingerprint(namespace: String?, name: String) -> String? {
        entries[ReconcileRequest(namespace: namespace, name: name)]?.fingerprint
    }

    /// Objects in a namespace (nil: all), optionally matching a label selector, sorted by key.
    public func list(namespace: String? = nil, selector: LabelSelector? = nil) -> [KubeObject] {
        entries
            .filter { namespace == nil || $0.key.namespace == namespace }
            .sorted { ($0.key.namespace ?? "", $0.key.name) < ($1.key.namespace ?? "", $1.key.name) }
            .map { Self.decode($0.value) }
            .filter { selector?.matches($0.labels) ?? true }
    }

    /// The objects `index` files under `value`, sorted by key. A cache made without that index
    /// reads every object and applies the index's function (slow, never a wrong answer).
    public func list(filedUnder index: Index, value: String) -> [KubeObject] {
        guard let position = indexes.firstIndex(where: { $0.name == index.name }) else {
            return list().filter { index.values($0).contains(value) }
        }
        return (filedKeys[position][value] ?? [])
            .sorted { ($0.namespace ?? "", $0.name) < ($1.namespace ?? "", $1.name) }
            .compactMap { entries[$0].map(Self.decode) }
    }

    public var count: Int { entries.count }

    public var keys: [ReconcileRequest] { Array(entries.keys) }

    /// Stores an object; returns the one it replaced.
    @discardableResult
    func store(_ object: KubeObject, fingerprint: String? = nil) -> KubeObject? {
        let key = Self.key(object)
        let entry = entry(object, fingerprint: fingerprint)
        let old = entries.updateValue(entry, forKey: key)
        refile(key, from: old, to: entry)
        return old.map(Self.decode)
    }

    @discardableResult
    func remove(_ object: KubeObject) -> KubeObject? {
        let key = Self.key(object)
        let old = entries.removeValue(forKey: key)
        refile(key, from: old, to: nil)
        return old.map(Self.decode)
    }

    /// Moves `key` in the indexes from where `old` was filed to where `new` is.
    private func refile(_ key: ReconcileRequest, from old: Entry?, to new: Entry?) {
        for position in indexes.indices {
            let before = old?.filed[position] ?? [], after = new?.filed[position] ?? []
            guard before != after else { continue }
            for value in before {
                filedKeys[position][value]?.remove(key)
                if filedKeys[position][value]?.isEmpty == true { filedKeys[position][value] = nil }
            }
            for value in after { filedKeys[position][value, default: []].insert(key) }
        }
    }

    /// Replaces the whole content with a fresh list, each object with its fingerprint (nil:
    /// none); returns what changed, as events.
    func replace(with items: [(object: KubeObject, fingerprint: String?)]) -> [InformerEvent] {
        var events: [InformerEvent] = []
        var fresh: [ReconcileRequest: Entry] = [:]
        fresh.reserveCapacity(items.count)
        for (item, fingerprint) in items {
            let key = Self.key(item)
            if let old = entries[key] {
                if old.resourceVersion != item.resourceVersion { events.append(.updated(old: Self.decode(old), new: item)) }
            } else {
                events.append(.added(item))
            }
            fresh[key] = entry(item, fingerprint: fingerprint)
        }
        for (key, old) in entries where fresh[key] == nil {
            // Gone while we were not watching: a full list is authoritative, so this is a deletion.
            events.append(.deleted(Self.decode(old)))
        }
        entries = fresh
        filedKeys = Array(repeating: [:], count: indexes.count)
        for (key, entry) in fresh { refile(key, from: nil, to: entry) }
        return events
    }

    private func entry(_ object: KubeObject, fingerprint: String?) -> Entry {
        let filed = indexes.map { $0.values(object) }
        let kept = keep?(object) ?? object
        switch storage {
        case .objects: return Entry(object: kept, text: nil, resourceVersion: object.resourceVersion, fingerprint: fingerprint, filed: filed)
        case .compact: return Entry(object: nil, text: KeptJSON(kept.body), resourceVersion: object.resourceVersion, fingerprint: fingerprint, filed: filed)
        }
    }

    /// A transform for caches whose readers never read `metadata.managedFields` (the management
    /// plane's Clusters, ClusterAddons, Secrets, Events): it is often most of an object's text.
    public static let withoutManagedFields: @Sendable (KubeObject) -> KubeObject = { object in
        var object = object
        object.body.removeValue(at: ["metadata", "managedFields"])
        return object
    }

    private static func decode(_ entry: Entry) -> KubeObject {
        if let object = entry.object { return object }
        // Our own serialization of a value that parsed: it parses again.
        return KubeObject((try? entry.text?.parsed()) ?? .null)
    }

    static func key(_ object: KubeObject) -> ReconcileRequest {
        ReconcileRequest(namespace: object.namespace, name: object.name)
    }
}

/// A change the informer saw.
public enum InformerEvent: Sendable {
    case added(KubeObject)
    case updated(old: KubeObject, new: KubeObject)
    case deleted(KubeObject)
    /// Periodic resync: nothing changed, look again anyway.
    case resync(KubeObject)

    /// The object as it is now (or was, for a deletion).
    public var object: KubeObject {
        switch self {
        case .added(let o), .deleted(let o), .resync(let o): return o
        case .updated(_, let new): return new
        }
    }

    public var request: ReconcileRequest { ObjectCache.key(object) }
}
