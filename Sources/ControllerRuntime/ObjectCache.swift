import KubernetesModel

/// The informer's in-memory copy of the objects it watches, keyed by namespace and name.
/// Reconcilers read from it instead of the API server.
///
/// `Storage.compact` keeps each object as its JSON text and decodes it when read: several
/// times smaller than the parsed tree, for caches that are many and mostly idle (every kind
/// an addon applies, in every workload cluster of a fleet). A `transform` drops what readers
/// never need (managedFields, say) before an object is kept or handed on.
public actor ObjectCache {
    public enum Storage: Sendable { case objects, compact }

    private struct Entry {
        var object: KubeObject?
        var json: [UInt8]
        var resourceVersion: String?
    }

    public let storage: Storage
    private var entries: [ReconcileRequest: Entry] = [:]

    public init(storage: Storage = .objects) { self.storage = storage }

    public func get(namespace: String?, name: String) -> KubeObject? {
        entries[ReconcileRequest(namespace: namespace, name: name)].map(Self.decode)
    }

    /// Objects in a namespace (nil: all), optionally matching a label selector, sorted by key.
    public func list(namespace: String? = nil, selector: LabelSelector? = nil) -> [KubeObject] {
        entries
            .filter { namespace == nil || $0.key.namespace == namespace }
            .sorted { ($0.key.namespace ?? "", $0.key.name) < ($1.key.namespace ?? "", $1.key.name) }
            .map { Self.decode($0.value) }
            .filter { selector?.matches($0.labels) ?? true }
    }

    public var count: Int { entries.count }

    public var keys: [ReconcileRequest] { Array(entries.keys) }

    /// Stores an object; returns the one it replaced.
    @discardableResult
    func store(_ object: KubeObject) -> KubeObject? {
        entries.updateValue(entry(object), forKey: Self.key(object)).map(Self.decode)
    }

    @discardableResult
    func remove(_ object: KubeObject) -> KubeObject? {
        entries.removeValue(forKey: Self.key(object)).map(Self.decode)
    }

    /// Replaces the whole content with a fresh list; returns what changed, as events.
    func replace(with items: [KubeObject]) -> [InformerEvent] {
        var events: [InformerEvent] = []
        var fresh: [ReconcileRequest: Entry] = [:]
        fresh.reserveCapacity(items.count)
        for item in items {
            let key = Self.key(item)
            if let old = entries[key] {
                if old.resourceVersion != item.resourceVersion { events.append(.updated(old: Self.decode(old), new: item)) }
            } else {
                events.append(.added(item))
            }
            fresh[key] = entry(item)
        }
        for (key, old) in entries where fresh[key] == nil {
            // Gone while we were not watching: a full list is authoritative, so this is a deletion.
            events.append(.deleted(Self.decode(old)))
        }
        entries = fresh
        return events
    }

    private func entry(_ object: KubeObject) -> Entry {
        switch storage {
        case .objects: return Entry(object: object, json: [], resourceVersion: object.resourceVersion)
        case .compact: return Entry(object: nil, json: object.body.serializedToKeep(), resourceVersion: object.resourceVersion)
        }
    }

    private static func decode(_ entry: Entry) -> KubeObject {
        if let object = entry.object { return object }
        // Our own serialization of a value that parsed: it parses again.
        return KubeObject((try? JSONValue.parse(entry.json)) ?? .null)
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
