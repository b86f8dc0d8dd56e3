import KubernetesModel

/// A cluster's `AppliedObjectMemo`s by object: a fleet keeps one for every object of every
/// cluster, so they are kept in an array sorted by reference, looked up by binary search,
/// rather than in a dictionary. A dictionary's table is at least a quarter empty and
/// rounded up to a power of two: 128 entries' room for a cluster of 64 objects, 19.5 KB per
/// cluster of the default addons where the array takes about 10. A cluster's objects change
/// seldom (an apply that adds or prunes some), so an insertion that shifts the array costs
/// nothing that matters, and the array grows by an eighth at a time rather than doubling.
struct AppliedObjectMemos: Sendable {
    private var entries: [(reference: ObjectReference, memo: AppliedObjectMemo)] = []

    var count: Int { entries.count }

    subscript(reference: ObjectReference) -> AppliedObjectMemo? {
        get {
            let (index, found) = position(of: reference)
            return found ? entries[index].memo : nil
        }
        set {
            let (index, found) = position(of: reference)
            switch (newValue, found) {
            case (let memo?, true):
                entries[index].memo = memo
            case (let memo?, false):
                if entries.count == entries.capacity { entries.reserveCapacity(entries.count + entries.count / 8 + 4) }
                entries.insert((reference, memo), at: index)
            case (nil, true):
                entries.remove(at: index)
            case (nil, false):
                break
            }
        }
    }

    /// Where `reference` is (`found`), or would go: the first entry not ordered before it.
    private func position(of reference: ObjectReference) -> (index: Int, found: Bool) {
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if Self.ordered(entries[middle].reference, before: reference) { low = middle + 1 } else { high = middle }
        }
        return (low, low < entries.count && entries[low].reference == reference)
    }

    /// The order the array keeps, by the references' parts as they are (`ObjectReference`'s `<`
    /// compares descriptions it builds, an allocation per comparison). No namespace before any
    /// namespace, "" included (`namespace` can be set to "" after `init`, which makes "" nil), so
    /// that this orders exactly what `==` tells apart.
    private static func ordered(_ a: ObjectReference, before b: ObjectReference) -> Bool {
        if a.groupKind.group != b.groupKind.group { return a.groupKind.group < b.groupKind.group }
        if a.groupKind.kind != b.groupKind.kind { return a.groupKind.kind < b.groupKind.kind }
        if a.namespace != b.namespace {
            guard let x = a.namespace else { return true }
            guard let y = b.namespace else { return false }
            return x < y
        }
        return a.name < b.name
    }
}
