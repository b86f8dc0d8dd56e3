import KubernetesModel

/// The walks of two values under one schema that apply needs: merge (config over live),
/// compare (what changed between two versions) and removal of a field set. They follow
/// structured-merge-diff v4.1.2: list items keep the live order and new items follow in config
/// order; atomic lists and maps are replaced whole; empty values are leaves.
enum TypedMerge {
    // MARK: Merge

    /// `rhs` merged over `lhs` (nil: absent).
    static func merge(_ lhs: JSONValue?, _ rhs: JSONValue?, _ type: Int, schema: TypeSchema) -> JSONValue? {
        let atom = schema.atom(type, for: rhs ?? lhs)
        switch atom {
        case .scalar, .invalid:
            return rhs ?? lhs
        case .list(let list):
            let l = lhs?.arrayValue, r = rhs?.arrayValue
            if list.atomic || ((l?.isEmpty ?? true) && (r?.isEmpty ?? true)) || !kindsMatch(lhs, rhs) { return rhs ?? lhs }
            return mergeList(l ?? [], r ?? [], list, schema: schema)
        case .map(let map):
            let l = lhs?.objectValue, r = rhs?.objectValue
            if map.atomic || ((l?.isEmpty ?? true) && (r?.isEmpty ?? true)) || !kindsMatch(lhs, rhs) { return rhs ?? lhs }
            guard let l, !l.isEmpty else { return rhs }
            guard let r, !r.isEmpty else { return lhs }
            var out = l
            for (key, rv) in r {
                guard let fieldType = map.fields[key] ?? map.elementType else {
                    out[key] = rv
                    continue
                }
                out[key] = merge(l[key], rv, fieldType, schema: schema)
            }
            return .object(out)
        }
    }

    /// Both present with different kinds of value (or one is null): the config replaces.
    private static func kindsMatch(_ lhs: JSONValue?, _ rhs: JSONValue?) -> Bool {
        switch (lhs, rhs) {
        case (nil, _), (_, nil): return true
        case (.array?, .array?), (.object?, .object?): return true
        case (.null?, _), (_, .null?): return true
        default: return false
        }
    }

    private static func mergeList(_ l: [JSONValue], _ r: [JSONValue], _ list: TypeSchema.ListType, schema: TypeSchema) -> JSONValue {
        var rhsByElement: [PathElement: Int] = [:]
        var rhsOrder: [(PathElement, Int)] = []
        rhsByElement.reserveCapacity(r.count)
        for (i, item) in r.enumerated() {
            guard case .success(let pe) = schema.listElement(list, index: i, item: item) else { continue }
            if rhsByElement[pe] == nil {
                rhsByElement[pe] = i
                rhsOrder.append((pe, i))
            }
        }
        var out: [JSONValue] = []
        out.reserveCapacity(max(l.count, r.count))
        var seenLHS = Set<PathElement>()
        for (i, item) in l.enumerated() {
            guard case .success(let pe) = schema.listElement(list, index: i, item: item) else { continue }
            guard seenLHS.insert(pe).inserted else { continue }
            let rv = rhsByElement[pe].map { r[$0] }
            if let merged = merge(item, rv, list.elementType, schema: schema) { out.append(merged) }
        }
        for (pe, i) in rhsOrder where !seenLHS.contains(pe) {
            if let merged = merge(nil, r[i], list.elementType, schema: schema) { out.append(merged) }
        }
        return .array(out)
    }

    // MARK: Compare

    struct Comparison {
        var added = FieldSet()
        var modified = FieldSet()
        var removed = FieldSet()

        var isSame: Bool { added.isEmpty && modified.isEmpty && removed.isEmpty }

        func excluding(_ fields: FieldSet) -> Comparison {
            if fields.isEmpty { return self }
            return Comparison(added: added.recursiveSubtracting(fields), modified: modified.recursiveSubtracting(fields),
                              removed: removed.recursiveSubtracting(fields))
        }
    }

    static func compare(_ lhs: JSONValue, _ rhs: JSONValue, _ type: Int, schema: TypeSchema) -> Comparison {
        var walker = CompareWalker(schema: schema)
        walker.compare(lhs, rhs, type)
        return walker.result
    }

    private struct CompareWalker {
        let schema: TypeSchema
        var path: [PathElement] = []
        var result = Comparison()

        private mutating func mark(_ lhs: JSONValue?, _ rhs: JSONValue?, leaf: Bool) {
            guard !path.isEmpty else { return }
            if lhs == nil {
                result.added.insert(path[...])
            } else if rhs == nil {
                result.removed.insert(path[...])
            } else if leaf, lhs! != rhs! {
                result.modified.insert(path[...])
            }
        }

        mutating func compare(_ lhs: JSONValue?, _ rhs: JSONValue?, _ type: Int) {
            // Equal values differ nowhere below.
            if let l = lhs, let r = rhs, l == r { return }
            switch schema.atom(type, for: rhs ?? lhs) {
            case .scalar, .invalid:
                mark(lhs, rhs, leaf: true)
            case .list(let list):
                // A null is present but empty: nothing is marked here, only what lies below.
                let l = lhs?.arrayValue, r = rhs?.arrayValue
                if list.atomic || ((l?.isEmpty ?? true) && (r?.isEmpty ?? true)) || !TypedMerge.kindsMatch(lhs, rhs) {
                    mark(lhs, rhs, leaf: true)
                    return
                }
                var rhsByElement: [PathElement: JSONValue] = [:]
                var rhsOrder: [PathElement] = []
                for (i, item) in (r ?? []).enumerated() {
                    guard case .success(let pe) = schema.listElement(list, index: i, item: item), rhsByElement[pe] == nil else { continue }
                    rhsByElement[pe] = item
                    rhsOrder.append(pe)
                }
                var seen = Set<PathElement>()
                for (i, item) in (l ?? []).enumerated() {
                    guard case .success(let pe) = schema.listElement(list, index: i, item: item), seen.insert(pe).inserted else { continue }
                    path.append(pe)
                    compare(item, rhsByElement[pe], list.elementType)
                    path.removeLast()
                }
                for pe in rhsOrder where !seen.contains(pe) {
                    path.append(pe)
                    compare(nil, rhsByElement[pe], list.elementType)
                    path.removeLast()
                }
                mark(lhs, rhs, leaf: false)
            case .map(let map):
                let l = lhs?.objectValue, r = rhs?.objectValue
                if map.atomic || ((l?.isEmpty ?? true) && (r?.isEmpty ?? true)) || !TypedMerge.kindsMatch(lhs, rhs) {
                    mark(lhs, rhs, leaf: true)
                    return
                }
                let lo = l ?? [:], ro = r ?? [:]
                for (key, lv) in lo {
                    let fieldType = map.fields[key] ?? map.elementType ?? TypeSchema.deduced
                    path.append(.field(key))
                    compare(lv, ro[key], fieldType)
                    path.removeLast()
                }
                for (key, rv) in ro where lo[key] == nil {
                    let fieldType = map.fields[key] ?? map.elementType ?? TypeSchema.deduced
                    path.append(.field(key))
                    compare(nil, rv, fieldType)
                    path.removeLast()
                }
                mark(lhs, rhs, leaf: false)
            }
        }
    }

    // MARK: Removal

    /// `value` without the items of `set` (an item whose children all go disappears with them).
    static func remove(_ set: FieldSet, from value: JSONValue, _ type: Int, schema: TypeSchema) -> JSONValue? {
        if set.members.isEmpty && set.children.isEmpty { return value }
        switch schema.atom(type, for: value) {
        case .scalar, .invalid:
            return value
        case .list(let list):
            guard !list.atomic, case .array(let items) = value, !items.isEmpty else { return value }
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            var changed = false
            for (i, item) in items.enumerated() {
                guard case .success(let pe) = schema.listElement(list, index: i, item: item) else {
                    out.append(item)
                    continue
                }
                if set.members.contains(pe) {
                    changed = true
                    continue
                }
                if let sub = set.children[pe] {
                    let newItem = remove(sub, from: item, list.elementType, schema: schema)
                    if newItem != item { changed = true }
                    if let newItem { out.append(newItem) }
                } else {
                    out.append(item)
                }
            }
            if !changed { return value }
            return out.isEmpty ? nil : .array(out)
        case .map(let map):
            guard !map.atomic, case .object(var o) = value, !o.isEmpty else { return value }
            var changed = false
            for member in set.members {
                guard case .field(let key) = member, o[key] != nil else { continue }
                o[key] = nil
                changed = true
            }
            for (element, sub) in set.children {
                guard case .field(let key) = element, let child = o[key] else { continue }
                let fieldType = map.fields[key] ?? map.elementType ?? TypeSchema.deduced
                let newChild = remove(sub, from: child, fieldType, schema: schema)
                if newChild != child {
                    changed = true
                    o[key] = newChild
                }
            }
            if !changed { return value }
            return o.isEmpty ? nil : .object(o)
        }
    }

    // MARK: Named fields

    /// structured-merge-diff's `EnsureNamedFieldsAreMembers`: a declared field of a struct with
    /// something owned below it counts as owned itself.
    static func ensureNamedFieldsAreMembers(_ set: FieldSet, _ type: Int, schema: TypeSchema) -> FieldSet {
        if set.children.isEmpty { return set }
        var out = set
        let node = schema[type]
        for (element, child) in set.children {
            var childType = TypeSchema.deduced
            switch element {
            case .field(let name):
                if let map = node.map {
                    if let declared = map.fields[name] {
                        out.members.insert(element)
                        childType = declared
                    } else if let e = map.elementType {
                        childType = e
                    }
                }
            default:
                if let list = node.list { childType = list.elementType }
            }
            out.children[element] = ensureNamedFieldsAreMembers(child, childType, schema: schema)
        }
        return out
    }
}
