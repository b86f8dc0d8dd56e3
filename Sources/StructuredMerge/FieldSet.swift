import KubernetesModel

/// A set of field paths stored as a trie, as structured-merge-diff keeps them: at each node the
/// elements that are members (owned themselves) and the children (something below is owned).
/// A node can be both, which `fieldsV1` writes as `".": {}` inside the child.
public struct FieldSet: Hashable, Sendable, CustomStringConvertible {
    public var members: Set<PathElement>
    public var children: [PathElement: FieldSet]

    public init() {
        members = []
        children = [:]
    }

    public init(_ paths: [FieldPath]) {
        self.init()
        for path in paths { insert(path) }
    }

    public var isEmpty: Bool {
        members.isEmpty && children.values.allSatisfy(\.isEmpty)
    }

    /// Number of paths in the set.
    public var count: Int { members.count + children.values.reduce(0) { $0 + $1.count } }

    public mutating func insert(_ path: FieldPath) {
        insert(path.elements[...])
    }

    mutating func insert(_ path: ArraySlice<PathElement>) {
        guard let first = path.first else { return }
        if path.count == 1 {
            members.insert(first)
        } else {
            children[first, default: FieldSet()].insert(path.dropFirst())
        }
    }

    public func contains(_ path: FieldPath) -> Bool {
        var node = self
        var rest = path.elements[...]
        while let first = rest.first {
            if rest.count == 1 { return node.members.contains(first) }
            guard let child = node.children[first] else { return false }
            node = child
            rest = rest.dropFirst()
        }
        return false
    }

    /// The subset below one element, with that element stripped (structured-merge-diff's `WithPrefix`).
    public func child(_ element: PathElement) -> FieldSet? { children[element] }

    /// Every path of the set, in structured-merge-diff's order.
    public var paths: [FieldPath] {
        var out: [FieldPath] = []
        collect(prefix: [], into: &out)
        return out
    }

    private func collect(prefix: [PathElement], into out: inout [FieldPath]) {
        let keys = Set(members).union(children.keys).sorted()
        for key in keys {
            if members.contains(key) { out.append(FieldPath(prefix + [key])) }
            if let child = children[key] { child.collect(prefix: prefix + [key], into: &out) }
        }
    }

    public func union(_ other: FieldSet) -> FieldSet {
        var result = self
        result.formUnion(other)
        return result
    }

    public mutating func formUnion(_ other: FieldSet) {
        if other.members.isEmpty && other.children.isEmpty { return }
        members.formUnion(other.members)
        for (key, child) in other.children {
            if children[key] != nil {
                children[key]!.formUnion(child)
            } else {
                children[key] = child
            }
        }
    }

    public func intersection(_ other: FieldSet) -> FieldSet {
        var result = FieldSet()
        result.members = members.intersection(other.members)
        for (key, child) in children {
            guard let otherChild = other.children[key] else { continue }
            let i = child.intersection(otherChild)
            if !i.isEmpty { result.children[key] = i }
        }
        return result
    }

    /// Paths in this set and not in `other` (path by path: a member of `other` does not take away
    /// what lies below it here).
    public func subtracting(_ other: FieldSet) -> FieldSet {
        if other.members.isEmpty && other.children.isEmpty { return self }
        var result = FieldSet()
        result.members = members.subtracting(other.members)
        for (key, child) in children {
            if let otherChild = other.children[key] {
                let d = child.subtracting(otherChild)
                if !d.isEmpty { result.children[key] = d }
            } else if !child.isEmpty {
                result.children[key] = child
            }
        }
        return result
    }

    /// Paths in this set that neither are in `other` nor lie below a member of `other`.
    public func recursiveSubtracting(_ other: FieldSet) -> FieldSet {
        if other.members.isEmpty && other.children.isEmpty { return self }
        var result = FieldSet()
        result.members = members.subtracting(other.members)
        for (key, child) in children {
            if other.members.contains(key) { continue }
            if let otherChild = other.children[key] {
                let d = child.recursiveSubtracting(otherChild)
                if !d.isEmpty { result.children[key] = d }
            } else if !child.isEmpty {
                result.children[key] = child
            }
        }
        return result
    }

    /// Removes empty child nodes, so that equal sets compare equal.
    public func pruned() -> FieldSet {
        var result = FieldSet()
        result.members = members
        for (key, child) in children {
            let p = child.pruned()
            if !p.isEmpty { result.children[key] = p }
        }
        return result
    }

    public var description: String { paths.map(\.description).joined(separator: "\n") }
}

// MARK: - fieldsV1

extension FieldSet {
    /// The set as Kubernetes writes it in `managedFields[].fieldsV1`.
    public var fieldsV1: JSONValue { .object(fieldsV1Object(includeSelf: false)) }

    private func fieldsV1Object(includeSelf: Bool) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        out.reserveCapacity(members.count + children.count + 1)
        if includeSelf, !(members.isEmpty && children.isEmpty) { out["."] = .emptyObject }
        for member in members where children[member] == nil {
            out[member.fieldsV1Key] = .emptyObject
        }
        for (key, child) in children {
            out[key.fieldsV1Key] = .object(child.fieldsV1Object(includeSelf: members.contains(key)))
        }
        return out
    }

    /// Reads a `fieldsV1` trie (unknown element types are skipped, as the server does).
    public init(fieldsV1: JSONValue) throws(StructuredMergeError) {
        guard case .object(let o) = fieldsV1 else {
            if fieldsV1.isNull { self.init(); return }
            throw .invalidFieldsV1("expected an object, got \(fieldsV1.typeName)")
        }
        self.init()
        _ = try read(o)
    }

    /// Fills this node from `o`; returns whether `o` carries `"."` (its owner is a member).
    private mutating func read(_ o: [String: JSONValue]) throws(StructuredMergeError) -> Bool {
        var isMember = false
        for (key, value) in o {
            if key == "." {
                isMember = true
                continue
            }
            guard let element = try PathElement(fieldsV1Key: key) else { continue }
            guard case .object(let inner) = value else { throw .invalidFieldsV1("expected an object under \(key)") }
            if inner.isEmpty {
                members.insert(element)
                continue
            }
            var child = FieldSet()
            let childIsMember = try child.read(inner)
            if childIsMember { members.insert(element) }
            if !(child.members.isEmpty && child.children.isEmpty) { children[element] = child }
        }
        return isMember
    }
}
