import KubernetesModel

/// One step of a field path, as structured-merge-diff names them: a field of a map or struct
/// (`f:name`), an item of a list keyed by some of its fields (`k:{"name":"main"}`), an item of
/// a set by its value (`v:"x"`), or an item of an atomic-free list without keys by index (`i:0`).
public enum PathElement: Hashable, Sendable, Comparable, CustomStringConvertible {
    case field(String)
    case key([KeyField])
    case value(JSONValue)
    case index(Int)

    /// One `name: value` pair of a list item's key, kept sorted by name.
    public struct KeyField: Hashable, Sendable {
        public var name: String
        public var value: JSONValue
        public init(name: String, value: JSONValue) {
            self.name = name
            self.value = value
        }
    }

    /// A key element from key fields in any order (sorted here, as the server sorts them).
    public static func keyed(_ fields: [(String, JSONValue)]) -> PathElement {
        .key(fields.map { KeyField(name: $0.0, value: $0.1) }.sorted { $0.name < $1.name })
    }

    /// The element as it appears in a path string: `.name`, `[name="main"]`, `[=x]`, `[0]`.
    public var description: String {
        switch self {
        case .field(let name): return "." + name
        case .key(let fields):
            return "[" + fields.map { "\($0.name)=\(Self.valueString($0.value))" }.joined(separator: ",") + "]"
        case .value(let v): return "[=\(Self.valueString(v))]"
        case .index(let i): return "[\(i)]"
        }
    }

    /// structured-merge-diff's `value.ToString`: strings quoted, numbers plain, lists and maps in brackets.
    static func valueString(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return GoJSON.goFloatV(d)
        case .string(let s): return GoJSON.quote(s)
        case .array(let a): return "[" + a.map(valueString).joined(separator: ",") + "]"
        case .object(let o): return o.keys.sorted().map { "\($0)=\(valueString(o[$0]!))" }.joined()
        }
    }

    /// The element as a key of `fieldsV1`: `f:name`, `k:{"containerPort":80,"protocol":"TCP"}`, `v:"x"`, `i:0`.
    public var fieldsV1Key: String {
        switch self {
        case .field(let name): return "f:" + name
        case .key(let fields):
            var out = "k:{"
            for (i, field) in fields.enumerated() {
                if i > 0 { out += "," }
                GoJSON.writeString(field.name, to: &out)
                out += ":"
                GoJSON.write(field.value, to: &out)
            }
            return out + "}"
        case .value(let v): return "v:" + GoJSON.encode(v)
        case .index(let i): return "i:\(i)"
        }
    }

    /// Parses a key of `fieldsV1`; nil for an unknown element type (the server skips those).
    public init?(fieldsV1Key key: String) throws(StructuredMergeError) {
        guard key.count >= 2 else { throw .invalidFieldsV1("key must be 2 characters long: \(key)") }
        let utf8 = Array(key.utf8)
        guard utf8[1] == UInt8(ascii: ":") else { throw .invalidFieldsV1("missing colon: \(key)") }
        let rest = String(decoding: utf8[2...], as: UTF8.self)
        switch utf8[0] {
        case UInt8(ascii: "f"): self = .field(rest)
        case UInt8(ascii: "v"):
            do { self = .value(try JSONValue.parse(rest)) } catch { throw .invalidFieldsV1("invalid value in \(key): \(error)") }
        case UInt8(ascii: "k"):
            let parsed: JSONValue
            do { parsed = try JSONValue.parse(rest) } catch { throw .invalidFieldsV1("invalid key in \(key): \(error)") }
            guard case .object(let o) = parsed else { throw .invalidFieldsV1("invalid key in \(key): not an object") }
            self = .keyed(o.map { ($0.key, $0.value) })
        case UInt8(ascii: "i"):
            guard let i = Int(rest) else { throw .invalidFieldsV1("invalid index in \(key)") }
            self = .index(i)
        default: return nil
        }
    }

    private var rank: Int {
        switch self {
        case .field: return 0
        case .key: return 1
        case .value: return 2
        case .index: return 3
        }
    }

    /// structured-merge-diff's order: fields, then keys, then values, then indexes.
    public static func < (lhs: PathElement, rhs: PathElement) -> Bool {
        switch (lhs, rhs) {
        case (.field(let a), .field(let b)): return a.utf8.lexicographicallyPrecedes(b.utf8)
        case (.key(let a), .key(let b)): return compareKeys(a, b) < 0
        case (.value(let a), .value(let b)): return ValueOrder.compare(a, b) < 0
        case (.index(let a), .index(let b)): return a < b
        default: return lhs.rank < rhs.rank
        }
    }

    private static func compareKeys(_ a: [KeyField], _ b: [KeyField]) -> Int {
        for (x, y) in zip(a, b) {
            if x.name != y.name { return x.name.utf8.lexicographicallyPrecedes(y.name.utf8) ? -1 : 1 }
            let c = ValueOrder.compare(x.value, y.value)
            if c != 0 { return c }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}

/// A path from the object's root to one field: `.spec.template.spec.containers[name="main"].args`.
public struct FieldPath: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public var elements: [PathElement]

    public init(_ elements: [PathElement]) { self.elements = elements }
    public init(arrayLiteral elements: PathElement...) { self.elements = elements }

    /// A path of plain field names: `FieldPath(fields: "spec", "replicas")`.
    public init(fields names: String...) { self.elements = names.map(PathElement.field) }

    public var description: String { elements.map(\.description).joined() }

    public func appending(_ element: PathElement) -> FieldPath { FieldPath(elements + [element]) }
}

/// structured-merge-diff's total order of values (null < bool < number < string < list < map).
enum ValueOrder {
    private static func rank(_ v: JSONValue) -> Int {
        switch v {
        case .null: return 0
        case .bool: return 1
        case .int, .double: return 2
        case .string: return 3
        case .array: return 4
        case .object: return 5
        }
    }

    static func compare(_ a: JSONValue, _ b: JSONValue) -> Int {
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
        case (.string(let x), .string(let y)): return x == y ? 0 : (x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1)
        case (.int(let x), .int(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.int, .double), (.double, .int), (.double, .double):
            let x = a.doubleValue ?? 0, y = b.doubleValue ?? 0
            return x == y ? 0 : (x < y ? -1 : 1)
        case (.array(let x), .array(let y)):
            for (p, q) in zip(x, y) {
                let c = compare(p, q)
                if c != 0 { return c }
            }
            return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
        case (.object(let x), .object(let y)):
            let xk = x.keys.sorted(), yk = y.keys.sorted()
            for (p, q) in zip(xk, yk) {
                if p != q { return p < q ? -1 : 1 }
                let c = compare(x[p]!, y[q]!)
                if c != 0 { return c }
            }
            return xk.count == yk.count ? 0 : (xk.count < yk.count ? -1 : 1)
        default:
            return rank(a) < rank(b) ? -1 : (rank(a) == rank(b) ? 0 : 1)
        }
    }
}
