import KubernetesModel

/// Namespace and name of a stored object; cluster-scoped objects have an empty namespace.
/// Ordered as etcd orders its keys (namespace, then name), which is the order lists answer in.
struct ObjectName: Hashable, Comparable, Sendable, CustomStringConvertible {
    var namespace: String
    var name: String

    static func < (a: ObjectName, b: ObjectName) -> Bool { (a.namespace, a.name) < (b.namespace, b.name) }
    var description: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }
    /// The key a continue token carries.
    var key: String { "\(namespace)/\(name)" }
}

/// A cluster's objects: per resource, per namespace/name, the full object (with kind and apiVersion).
struct ObjectStore: Sendable {
    private(set) var collections: [ResourceKey: [ObjectName: JSONValue]] = [:]

    func get(_ resource: ResourceKey, _ name: ObjectName) -> JSONValue? { collections[resource]?[name] }

    mutating func put(_ resource: ResourceKey, _ name: ObjectName, _ object: JSONValue) {
        collections[resource, default: [:]][name] = object
    }

    @discardableResult
    mutating func remove(_ resource: ResourceKey, _ name: ObjectName) -> JSONValue? {
        collections[resource]?.removeValue(forKey: name)
    }

    mutating func removeAll(_ resource: ResourceKey) { collections[resource] = nil }

    /// Objects of a resource in list order, optionally only one namespace.
    func list(_ resource: ResourceKey, namespace: String?) -> [(ObjectName, JSONValue)] {
        guard let c = collections[resource] else { return [] }
        var items: [(ObjectName, JSONValue)] = []
        items.reserveCapacity(c.count)
        for (k, v) in c where namespace == nil || k.namespace == namespace { items.append((k, v)) }
        items.sort { $0.0 < $1.0 }
        return items
    }

    /// Every object in one namespace, of every resource.
    func all(inNamespace namespace: String) -> [(ResourceKey, ObjectName, JSONValue)] {
        var result: [(ResourceKey, ObjectName, JSONValue)] = []
        for (r, c) in collections {
            for (k, v) in c where k.namespace == namespace { result.append((r, k, v)) }
        }
        return result
    }

    /// Every object whose ownerReferences name `uid`.
    func dependents(of uid: String) -> [(ResourceKey, ObjectName, JSONValue)] {
        var result: [(ResourceKey, ObjectName, JSONValue)] = []
        for (r, c) in collections {
            for (k, v) in c {
                guard case .array(let refs) = v["metadata"]["ownerReferences"] else { continue }
                if refs.contains(where: { $0["uid"].stringValue == uid }) { result.append((r, k, v)) }
            }
        }
        return result
    }

    var count: Int { collections.values.reduce(0) { $0 + $1.count } }
}
