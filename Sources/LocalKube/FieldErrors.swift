import KubernetesModel
import StructuredMerge

/// Causes of a 422 collected as apimachinery's `field.ErrorList` words them: `Required value`,
/// `Invalid value: <value>: <detail>`, `Unsupported value: "x": supported values: "a", "b"`,
/// `Duplicate value: "x"`, `Not found: "x"`, `Forbidden: <detail>`, `Too long: <detail>`. Values print as the server prints them: strings
/// quoted (`%q`), numbers and booleans bare, anything else as Go's `%#v` (the caller renders it).
struct FieldErrors {
    /// A bad value as the server prints it.
    enum Value {
        case string(String)
        case int(Int64)
        /// Already rendered (`map[string]string{"app":"web"}`, `[]string{"10.0.0.1"}`).
        case go(String)

        var text: String {
            switch self {
            case .string(let s): return GoSyntax.quote(s)
            case .int(let i): return String(i)
            case .go(let s): return s
            }
        }
    }

    private(set) var causes: [KubeStatus.Cause] = []

    var isEmpty: Bool { causes.isEmpty }

    mutating func required(_ field: String, _ detail: String = "") {
        causes.append(.init(reason: "FieldValueRequired", message: "Required value" + (detail.isEmpty ? "" : ": \(detail)"), field: field))
    }

    mutating func invalid(_ field: String, _ value: Value, _ detail: String) {
        causes.append(.init(reason: "FieldValueInvalid", message: "Invalid value: \(value.text)" + (detail.isEmpty ? "" : ": \(detail)"), field: field))
    }

    mutating func notSupported(_ field: String, _ value: String, _ supported: [String]) {
        let list = supported.map(GoSyntax.quote).joined(separator: ", ")
        causes.append(.init(reason: "FieldValueNotSupported", message: "Unsupported value: \(GoSyntax.quote(value)): supported values: \(list)", field: field))
    }

    /// An unsupported value the server prints as a Go value (a struct with `%#v`).
    mutating func notSupported(_ field: String, _ value: Value, _ supported: [String]) {
        let list = supported.map(GoSyntax.quote).joined(separator: ", ")
        causes.append(.init(reason: "FieldValueNotSupported", message: "Unsupported value: \(value.text): supported values: \(list)", field: field))
    }

    mutating func duplicate(_ field: String, _ value: Value) {
        causes.append(.init(reason: "FieldValueDuplicate", message: "Duplicate value: \(value.text)", field: field))
    }

    mutating func forbidden(_ field: String, _ detail: String) {
        causes.append(.init(reason: "FieldValueForbidden", message: "Forbidden: \(detail)", field: field))
    }

    mutating func notFound(_ field: String, _ value: Value) {
        causes.append(.init(reason: "FieldValueNotFound", message: "Not found: \(value.text)", field: field))
    }

    /// `field.TooLong`: the server does not print the value.
    mutating func tooLong(_ field: String, maxBytes: Int) {
        causes.append(.init(reason: "FieldValueTooLong", message: "Too long: must have at most \(maxBytes) bytes", field: field))
    }

    mutating func append(contentsOf other: FieldErrors) { causes += other.causes }

    mutating func append(causes more: [KubeStatus.Cause]) { causes += more }
}

/// Go's `%q` and `%#v` for the values validation messages print.
enum GoSyntax {
    static func quote(_ s: String) -> String { GoJSON.quote(s) }

    /// `map[string]string{"a":"b"}` (keys sorted), `map[string]string(nil)` when absent.
    static func stringMap(_ value: JSONValue) -> String {
        guard case .object(let o) = value else { return "map[string]string(nil)" }
        return "map[string]string{" + o.keys.sorted().map { "\(quote($0)):\(quote(o[$0]?.stringValue ?? ""))" }.joined(separator: ", ") + "}"
    }

    /// `[]string{"a", "b"}`, `[]string(nil)` when absent.
    static func stringSlice(_ value: JSONValue) -> String {
        guard case .array(let a) = value else { return "[]string(nil)" }
        return "[]string{" + a.map { quote($0.stringValue ?? "") }.joined(separator: ", ") + "}"
    }

    /// A JSON value decoded into `interface{}` as `%#v` prints it inside a composite: strings
    /// quoted, numbers and booleans bare, `map[string]interface {}{…}` (keys sorted),
    /// `[]interface {}{…}`, `interface {}(nil)`.
    static func interfaceValue(_ value: JSONValue) -> String {
        switch value {
        case .null: return "interface {}(nil)"
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .double(let d): return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .string(let s): return quote(s)
        case .array(let a): return "[]interface {}{" + a.map(interfaceValue).joined(separator: ", ") + "}"
        case .object(let o): return "map[string]interface {}{" + o.keys.sorted().map { "\(quote($0)):\(interfaceValue(o[$0] ?? .null))" }.joined(separator: ", ") + "}"
        }
    }

    /// The same value as a field error's bad value: strings and integers as the server prints
    /// them at the top level, the rest as `%#v`.
    static func badValue(_ value: JSONValue) -> FieldErrors.Value {
        switch value {
        case .string(let s): return .string(s)
        case .int(let i): return .int(i)
        default: return .go(interfaceValue(value))
        }
    }

    /// Stand-in addresses for the pointers a Go struct dump prints (`(*bool)(0xc000c30010)`);
    /// the conformance normaliser reads any of them as `<ptr>`.
    struct Pointers {
        private var next: Int
        private let step: Int

        /// - step: how far apart the stand-in addresses are (the size of what they point to, as
        ///   Go's allocator would place them).
        init(from base: Int, step: Int = 0x10) {
            next = base
            self.step = step
        }

        /// `(*type)(nil)` when unset, else the next stand-in address.
        mutating func pointer(_ type: String, set: Bool) -> String {
            guard set else { return "(*\(type))(nil)" }
            defer { next += step }
            return "(*\(type))(0x\(String(next, radix: 16)))"
        }
    }

    /// A `metav1.LabelSelector` as `%#v` prints it.
    static func labelSelector(_ value: JSONValue) -> String {
        let expressions: String
        if case .array(let list) = value["matchExpressions"] {
            expressions = "[]v1.LabelSelectorRequirement{" + list.map { e in
                "v1.LabelSelectorRequirement{Key:\(quote(e["key"].stringValue ?? "")), Operator:\(quote(e["operator"].stringValue ?? "")), Values:\(stringSlice(e["values"]))}"
            }.joined(separator: ", ") + "}"
        } else {
            expressions = "[]v1.LabelSelectorRequirement(nil)"
        }
        return "v1.LabelSelector{MatchLabels:\(stringMap(value["matchLabels"])), MatchExpressions:\(expressions)}"
    }
}
