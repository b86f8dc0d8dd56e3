import KubernetesModel

/// An open watch: what it selects and where its event lines go.
struct Watcher: Sendable {
    var resource: ResourceKey
    var apiVersion: String
    var kind: String
    var filter: ObjectFilter
    /// Where its lines go (nil: a selection only, to filter replayed events).
    var continuation: AsyncStream<[UInt8]>.Continuation?
    /// The task that sends bookmarks and ends the watch at its timeout; cancelled when the watch ends.
    var timer: Task<Void, Never>? = nil

    func close() {
        timer?.cancel()
        continuation?.finish()
    }
}

extension LocalKubeCluster {
    /// Store a new or changed object under the next resourceVersion, tell the watches and the
    /// simulated controllers, and return what was stored.
    @discardableResult
    func storeWrite(_ type: ResourceType, name: ObjectName, old: JSONValue?, new: JSONValue) -> JSONValue {
        resourceVersion += 1
        var object = new
        object.setValue(.string(String(resourceVersion)), at: ["metadata", "resourceVersion"])
        store.put(type.key, name, object)
        publish(type, kind: old == nil ? .added : .modified, old: old, object: object)
        objectChanged(type, name: name, old: old, new: object)
        return object
    }

    /// Remove an object for good (no finalizers left), tell the watches, and collect its dependents.
    func removeObject(_ type: ResourceType, name: ObjectName, last: JSONValue) {
        store.remove(type.key, name)
        resourceVersion += 1
        var object = last
        object.setValue(.string(String(resourceVersion)), at: ["metadata", "resourceVersion"])
        publish(type, kind: .deleted, old: last, object: object)
        objectRemoved(type, name: name, last: last)
    }

    private func publish(_ type: ResourceType, kind: ChangeEvent.Kind, old: JSONValue?, object: JSONValue) {
        let newFacts = ObjectFilter.facts(object, type: type)
        let oldFacts = old.map { ObjectFilter.facts($0, type: type) }
        var previous: [UInt8]?
        if kind == .modified, let old, oldFacts != newFacts {
            var o = old
            o.setValue(.string(String(resourceVersion)), at: ["metadata", "resourceVersion"])
            previous = o.serializedToKeep()
        }
        let event = ChangeEvent(kind: kind, resource: type.key, resourceVersion: resourceVersion,
                                apiVersion: object["apiVersion"].stringValue ?? type.apiVersion, old: oldFacts, new: newFacts,
                                object: object.serializedToKeep(), previousObject: previous)
        history.append(event)
        for (id, w) in watchers where w.resource == event.resource {
            guard let line = Self.eventLine(event, for: w) else { continue }
            deliver(line, to: id)
        }
    }

    /// The JSON line a watcher sees for a change, or nil when the change is outside its selection.
    /// Label and field selector transitions turn MODIFIED into ADDED / DELETED, as the watch cache does.
    static func eventLine(_ event: ChangeEvent, for watcher: Watcher) -> [UInt8]? {
        guard event.resource == watcher.resource else { return nil }
        let newMatches = watcher.filter.matches(event.new)
        let oldMatches = event.old.map { watcher.filter.matches($0) } ?? false
        let type: String
        var bytes = event.object
        switch event.kind {
        case .added:
            guard newMatches else { return nil }
            type = "ADDED"
        case .modified:
            switch (oldMatches, newMatches) {
            case (true, true): type = "MODIFIED"
            case (false, true): type = "ADDED"
            case (true, false):
                type = "DELETED"
                if let previous = event.previousObject { bytes = previous }
            case (false, false): return nil
            }
        case .deleted:
            guard oldMatches || newMatches else { return nil }
            type = "DELETED"
        }
        if event.apiVersion != watcher.apiVersion, var object = try? JSONValue.parse(bytes) {
            object["apiVersion"] = .string(watcher.apiVersion)
            bytes = object.serialized()
        }
        return watchLine(type: type, objectBytes: bytes)
    }

    static func watchLine(type: String, object: JSONValue) -> [UInt8] {
        watchLine(type: type, objectBytes: object.serialized())
    }

    /// `{"type":T,"object":OBJ}\n`.
    static func watchLine(type: String, objectBytes: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = Array("{\"type\":\"\(type)\",\"object\":".utf8)
        bytes.reserveCapacity(objectBytes.count + 40)
        bytes.append(contentsOf: objectBytes)
        bytes.append(contentsOf: Array("}\n".utf8))
        return bytes
    }
}
