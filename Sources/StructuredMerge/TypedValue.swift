import KubernetesModel

/// One place where a value does not fit its schema, worded as structured-merge-diff words it
/// (`.spec.replicas: expected numeric (int or float), got string`).
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

extension [SchemaViolation] {
    /// The text of structured-merge-diff's `ValidationErrors`.
    var joinedMessage: String {
        if count == 1 { return self[0].description }
        return (["errors:"] + map { "  " + $0.description }).joined(separator: "\n")
    }
}

/// Which of a node's atoms applies to a value.
enum Atom {
    case scalar(TypeSchema.ScalarKind)
    case list(TypeSchema.ListType)
    case map(TypeSchema.MapType)
    case invalid
}

extension TypeSchema {
    /// structured-merge-diff's `deduceAtom` + `handleAtom`: the atom matching the value's kind,
    /// else the node's first atom (map, scalar, list) so that the mismatch is reported.
    @inline(__always)
    func atom(_ index: Int, for value: JSONValue?) -> Atom {
        let node = nodes[index]
        switch value {
        case .bool?, .int?, .double?, .string?:
            if let s = node.scalar { return .scalar(s) }
        case .array?:
            if let l = node.list { return .list(l) }
        case .object?:
            if let m = node.map { return .map(m) }
        default: break
        }
        if let m = node.map { return .map(m) }
        if let s = node.scalar { return .scalar(s) }
        if let l = node.list { return .list(l) }
        return .invalid
    }

    /// The path element of a list item: its key, its value (a set) or its index (atomic lists).
    func listElement(_ list: ListType, index: Int, item: JSONValue) -> Result<PathElement, ListElementError> {
        if list.atomic { return .success(.index(index)) }
        if list.keys.isEmpty {
            switch item {
            case .object: return .failure(ListElementError("associative list without keys has an element that's a map type"))
            case .array: return .failure(ListElementError("not supported: associative list with lists as elements"))
            case .null: return .failure(ListElementError("associative list without keys has an element that's an explicit null"))
            default: return .success(.value(item))
            }
        }
        guard case .object(let o) = item else {
            if item.isNull { return .failure(ListElementError("associative list with keys may not have a null element")) }
            return .failure(ListElementError("associative list with keys may not have non-map elements"))
        }
        var fields: [PathElement.KeyField] = []
        fields.reserveCapacity(list.keys.count)
        let defaults = nodes[list.elementType].map?.defaults ?? [:]
        for key in list.keys {
            if let v = o[key] {
                fields.append(.init(name: key, value: v))
            } else if let d = defaults[key] {
                fields.append(.init(name: key, value: d))
            } else {
                return .failure(ListElementError("associative list with keys has an element that omits key field \(GoJSON.quote(key)) (and doesn't have default value)"))
            }
        }
        if fields.count > 1 { fields.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) } }
        return .success(.key(fields))
    }
}

struct ListElementError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

// MARK: - Validation

extension ObjectType {
    /// Everything in `value` that does not fit the schema (empty when it fits).
    public func violations(in value: JSONValue) -> [SchemaViolation] {
        var walker = ValidationWalker(schema: schema)
        walker.validate(value, root)
        return walker.violations.sorted { $0.path < $1.path }
    }
}

private struct ValidationWalker {
    let schema: TypeSchema
    var path: [PathElement] = []
    var violations: [SchemaViolation] = []

    mutating func report(_ message: String, extra: PathElement? = nil) {
        var p = path.map(\.description).joined()
        if let extra { p += extra.description }
        violations.append(SchemaViolation(path: p, message: message))
    }

    mutating func validate(_ value: JSONValue, _ type: Int) {
        switch schema.atom(type, for: value) {
        case .scalar(let kind):
            if let message = Self.scalarMismatch(kind, value, prefix: "") { report(message) }
        case .list(let list):
            if value.isNull { return }
            guard case .array(let items) = value else {
                report("expected list, got \(Self.goPointerValue(value))")
                return
            }
            var seen = Set<PathElement>()
            for (i, item) in items.enumerated() {
                let element: PathElement
                switch schema.listElement(list, index: i, item: item) {
                case .success(let e): element = e
                case .failure(let e):
                    report("element \(i): \(e.message)")
                    return
                }
                if !list.atomic {
                    if !seen.insert(element).inserted { report("duplicate entries for key \(element)") }
                }
                path.append(element)
                validate(item, list.elementType)
                path.removeLast()
            }
        case .map(let map):
            if value.isNull { return }
            guard case .object(let o) = value else {
                report("expected map, got \(Self.goPointerValue(value))")
                return
            }
            if map.elementType == nil, let unknown = o.keys.filter({ map.fields[$0] == nil }).min() {
                // The server stops at the first undeclared field of a map.
                report("field not declared in schema", extra: .field(unknown))
                return
            }
            for (key, child) in o {
                guard let fieldType = map.fields[key] ?? map.elementType else { continue }
                path.append(.field(key))
                validate(child, fieldType)
                path.removeLast()
            }
        case .invalid:
            report("schema error: invalid atom: inlined")
        }
    }

    static func scalarMismatch(_ kind: TypeSchema.ScalarKind, _ value: JSONValue, prefix: String) -> String? {
        switch (kind, value) {
        case (_, .null): return nil
        case (.numeric, .int), (.numeric, .double): return nil
        case (.numeric, _): return "\(prefix)expected numeric (int or float), got \(GoJSON.goType(value))"
        case (.string, .string): return nil
        case (.string, _): return "\(prefix)expected string, got &value.valueUnstructured{Value:\(GoJSON.goSyntax(value))}"
        case (.boolean, .bool): return nil
        case (.boolean, _): return "\(prefix)expected boolean, got \(goPointerValue(value))"
        case (.untyped, _): return nil
        }
    }

    /// Go's `%v` of a `*valueUnstructured`: `&{true}`, `&{map[a:b]}`.
    static func goPointerValue(_ value: JSONValue) -> String { "&{\(GoJSON.goValue(value))}" }
}

// MARK: - Field sets

extension ObjectType {
    /// The fields a value sets, as structured-merge-diff's `ToFieldSet` computes them: scalars,
    /// atomic lists and maps, list items, map entries, empty maps and nulls.
    public func fieldSet(of value: JSONValue) -> FieldSet {
        var set = FieldSet()
        FieldSetWalker.collect(value, root, schema: schema, into: &set)
        return set
    }
}

enum FieldSetWalker {
    /// Fills `set` (the node of the value's own path) with what lies below the value.
    static func collect(_ value: JSONValue, _ type: Int, schema: TypeSchema, into set: inout FieldSet) {
        switch schema.atom(type, for: value) {
        case .list(let list):
            guard !list.atomic, case .array(let items) = value else { return }
            for (i, item) in items.enumerated() {
                guard case .success(let element) = schema.listElement(list, index: i, item: item) else { continue }
                set.members.insert(element)
                var child = FieldSet()
                collect(item, list.elementType, schema: schema, into: &child)
                if !child.members.isEmpty || !child.children.isEmpty { set.children[element, default: FieldSet()].formUnion(child) }
            }
        case .map(let map):
            guard !map.atomic, case .object(let o) = value else { return }
            for (key, child) in o {
                let element = PathElement.field(key)
                let declared = map.fields[key]
                guard let fieldType = declared ?? map.elementType else { continue }
                if isLeaf(child, fieldType, schema: schema) {
                    set.members.insert(element)
                    continue
                }
                var sub = FieldSet()
                collect(child, fieldType, schema: schema, into: &sub)
                if !sub.members.isEmpty || !sub.children.isEmpty { set.children[element] = sub }
                if child.isNull || declared == nil { set.members.insert(element) }
                if case .object(let m) = child, m.isEmpty { set.members.insert(element) }
            }
        default:
            return
        }
    }

    /// A value that is a member itself and has nothing below it.
    @inline(__always)
    static func isLeaf(_ value: JSONValue, _ type: Int, schema: TypeSchema) -> Bool {
        switch schema.atom(type, for: value) {
        case .scalar, .invalid: return true
        case .list(let l): return l.atomic
        case .map(let m):
            if m.atomic || value.isNull { return true }
            if case .object(let o) = value { return o.isEmpty }
            return true
        }
    }
}
