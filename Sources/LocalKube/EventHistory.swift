import KubernetesModel

/// What a watch selects an object by: its labels and its selectable fields (name, namespace, ...).
struct SelectionFacts: Sendable, Equatable {
    var labels: [String: String]
    var fields: [String: String]
}

/// One change to one object, as watches see it, kept compact: the serialised object and the
/// facts selectors need, not the object tree (a cluster keeps many of these).
struct ChangeEvent: Sendable {
    enum Kind: String, Sendable { case added = "ADDED", modified = "MODIFIED", deleted = "DELETED" }

    var kind: Kind
    var resource: ResourceKey
    var resourceVersion: Int64
    /// The apiVersion the object is stored (and serialised) with.
    var apiVersion: String
    /// What selected the object before the change (nil for ADDED).
    var old: SelectionFacts?
    /// What selects the object after the change.
    var new: SelectionFacts
    /// The object after the change (for DELETED: its last state), serialised.
    var object: [UInt8]
    /// The object before the change, serialised at this resourceVersion — kept only when the change
    /// altered what selects it (a watch that stops matching receives the object as it matched).
    var previousObject: [UInt8]?
}

/// A bounded history of a cluster's changes, oldest first, for replaying a watch from a resourceVersion.
struct EventHistory: Sendable {
    private var buffer: [ChangeEvent] = []
    private var start = 0
    let capacity: Int
    /// The resourceVersion just before the oldest retained event: a watch from an RV below it is too old.
    private(set) var floor: Int64 = 0

    init(capacity: Int) { self.capacity = max(1, capacity) }

    mutating func append(_ event: ChangeEvent) {
        if buffer.count < capacity {
            buffer.append(event)
        } else {
            floor = buffer[start].resourceVersion
            buffer[start] = event
            start = (start + 1) % capacity
        }
    }

    /// Events with a resourceVersion above `rv`, oldest first; nil when `rv` is older than the history.
    func events(after rv: Int64) -> [ChangeEvent]? {
        if rv < floor { return nil }
        var result: [ChangeEvent] = []
        for i in 0..<buffer.count {
            let e = buffer[(start + i) % buffer.count]
            if e.resourceVersion > rv { result.append(e) }
        }
        return result
    }

    /// Forget everything (tests: make every resourceVersion seen so far too old).
    mutating func compact(upTo rv: Int64) {
        let kept = (0..<buffer.count).map { buffer[(start + $0) % buffer.count] }.filter { $0.resourceVersion > rv }
        buffer = kept
        start = 0
        floor = max(floor, rv)
    }
}
