import KubernetesModel

/// The informer's in-memory copy of the objects it watches, keyed by namespace and name.
/// Reconcilers read from it instead of the API server.
public actor ObjectCache {
    private var objects: [ReconcileRequest: KubeObject] = [:]

    public init() {}

    public func get(namespace: String?, name: String) -> KubeObject? {
        objects[ReconcileRequest(namespace: namespace, name: name)]
    }

    /// Objects in a namespace (nil: all), optionally matching a label selector, sorted by key.
    public func list(namespace: String? = nil, selector: LabelSelector? = nil) -> [KubeObject] {
        objects.values
            .filter { object in
                (namespace == nil || object.namespace == namespace) && (selector?.matches(object.labels) ?? true)
            }
            .sorted { ($0.namespace ?? "", $0.name) < ($1.namespace ?? "", $1.name) }
    }

    public var count: Int { objects.count }

    public var keys: [ReconcileRequest] { Array(objects.keys) }

    /// Stores an object; returns the one it replaced.
    @discardableResult
    func store(_ object: KubeObject) -> KubeObject? {
        objects.updateValue(object, forKey: Self.key(object))
    }

    @discardableResult
    func remove(_ object: KubeObject) -> KubeObject? {
        objects.removeValue(forKey: Self.key(object))
    }

    /// Replaces the whole content with a fresh list; returns what changed, as events.
    func replace(with items: [KubeObject]) -> [InformerEvent] {
        var events: [InformerEvent] = []
        var fresh: [ReconcileRequest: KubeObject] = [:]
        fresh.reserveCapacity(items.count)
        for item in items { fresh[Self.key(item)] = item }
        for (key, item) in fresh {
            if let old = objects[key] {
                if old.resourceVersion != item.resourceVersion { events.append(.updated(old: old, new: item)) }
            } else {
                events.append(.added(item))
            }
        }
        for (key, old) in objects where fresh[key] == nil {
            // Gone while we were not watching: a full list is authoritative, so this is a deletion.
            events.append(.deleted(old))
        }
        objects = fresh
        return events
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
