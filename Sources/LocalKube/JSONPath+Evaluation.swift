import Foundation
import KubernetesModel
import StructuredMerge

/// Evaluation as client-go's `FindResults` with missing keys allowed (what the API server's
/// table convertor does): a missing field yields no result, an index out of range, a filter on
/// something that is not a list or a comparison of unlike types is an error.
extension JSONPath {
    /// The results of each top-level node (one list per `{...}` action or text run).
    func results(in data: JSONValue) throws(JSONPathError) -> [[JSONValue]] {
        var all: [[JSONValue]] = []
        for node in nodes { all.append(try Self.walk([data], node)) }
        return all
    }

    private static func walk(_ input: [JSONValue], _ node: Node) throws(JSONPathError) -> [JSONValue] {
        switch node {
        case .list(let nodes): return try walkList(input, nodes)
        case .text(let text): return [.string(text)]
        case .int(let i): return [.int(i)]
        case .float(let d): return [.double(d)]
        case .bool(let b): return [.bool(b)]
        case .field(let name):
            if name.isEmpty { return input }
            return input.compactMap { value in
                guard case .object(let object) = value else { return nil }
                return object[name]
            }
        case .wildcard:
            return input.flatMap { value -> [JSONValue] in
                switch value {
                case .object(let object): return object.keys.sorted().map { object[$0]! }
                case .array(let array): return array
                default: return []
                }
            }
        case .recursive: return input.flatMap(descendants)
        case .array(let slice):
            var results: [JSONValue] = []
            for value in input { results += try elements(of: value, slice) }
            return results
        case .union(let members):
            var results: [JSONValue] = []
            for member in members { results += try walkList(input, member) }
            return results
        case .filter(let left, let op, let right):
            var results: [JSONValue] = []
            for value in input {
                guard case .array(let array) = value else {
                    throw JSONPathError("\(GoJSON.goType(value)) is not array or slice and cannot be filtered")
                }
                for element in array where try matches(element, left: left, op: op, right: right) {
                    results.append(element)
                }
            }
            return results
        }
    }

    private static func walkList(_ input: [JSONValue], _ nodes: [Node]) throws(JSONPathError) -> [JSONValue] {
        var current = input
        for node in nodes { current = try walk(current, node) }
        return current
    }

    /// `..`: the value and everything below it that has children of its own, depth first
    /// (client-go also lists non-empty strings, which it walks as byte arrays).
    private static func descendants(_ value: JSONValue) -> [JSONValue] {
        let children: [JSONValue]
        switch value {
        case .object(let object): children = object.keys.sorted().map { object[$0]! }
        case .array(let array): children = array
        case .string(let s) where !s.isEmpty: return [value]
        default: return []
        }
        if children.isEmpty { return [] }
        return [value] + children.flatMap(descendants)
    }

    private static func elements(of value: JSONValue, _ slice: ArraySlice) throws(JSONPathError) -> [JSONValue] {
        guard case .array(let array) = value else {
            throw JSONPathError("\(GoJSON.goType(value)) is not array or slice")
        }
        let length = array.count
        var start = slice.start ?? 0
        if start < 0 { start += length }
        var end = slice.end ?? length
        if end < 0 || (end == 0 && slice.derivedEnd) { end += length }
        if end == start { return [] }
        if start >= length || start < 0 {
            throw JSONPathError("array index out of bounds: index \(start), length \(length)")
        }
        if end > length || end < 0 {
            throw JSONPathError("array index out of bounds: index \(end - 1), length \(length)")
        }
        if start > end { throw JSONPathError("starting index \(start) is greater than ending index \(end)") }
        let step = slice.step ?? 1
        if slice.step != nil && step <= 0 { throw JSONPathError("step must be > 0") }
        return stride(from: start, to: end, by: step).map { array[$0] }
    }

    private static func matches(_ element: JSONValue, left: [Node], op: String, right: [Node]) throws(JSONPathError) -> Bool {
        if op == "exists" { return !((try? walkList([element], left)) ?? []).isEmpty }
        let lefts = try walkList([element], left)
        if lefts.isEmpty { return false }
        guard lefts.count == 1 else { throw JSONPathError("can only compare one element at a time") }
        let rights = try walkList([element], right)
        if rights.isEmpty { return false }
        guard rights.count == 1 else { throw JSONPathError("can only compare one element at a time") }
        return try compare(lefts[0], op, rights[0])
    }

    /// Go template comparison: booleans, integers, floats and strings, each only with its own kind.
    private static func compare(_ a: JSONValue, _ op: String, _ b: JSONValue) throws(JSONPathError) -> Bool {
        let order: ComparisonResult
        switch (a, b) {
        case (.bool(let x), .bool(let y)):
            switch op {
            case "==": return x == y
            case "!=": return x != y
            default: throw JSONPathError("invalid type for comparison")
            }
        case (.int(let x), .int(let y)): order = x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame
        case (.double(let x), .double(let y)): order = x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame
        case (.string(let x), .string(let y)): order = x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame
        case (.null, _), (_, .null), (.object, _), (_, .object), (.array, _), (_, .array):
            throw JSONPathError("invalid type for comparison")
        default:
            throw JSONPathError("incompatible types for comparison")
        }
        switch op {
        case "==": return order == .orderedSame
        case "!=": return order != .orderedSame
        case "<": return order == .orderedAscending
        case ">": return order == .orderedDescending
        case "<=": return order != .orderedDescending
        case ">=": return order != .orderedAscending
        default: throw JSONPathError("unrecognized filter operator \(op)")
        }
    }

    /// How client-go prints one result: JSON for maps and lists, the text of anything else,
    /// `<no value>` for null.
    static func goPrint(_ value: JSONValue) -> String {
        switch value {
        case .null: return "<no value>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return goFloat(d)
        case .string(let s): return s
        case .array, .object:
            // encoding/json escapes <, > and & inside strings; they appear nowhere else in JSON.
            return value.jsonString()
                .replacingOccurrences(of: "<", with: "\\u003c")
                .replacingOccurrences(of: ">", with: "\\u003e")
                .replacingOccurrences(of: "&", with: "\\u0026")
        }
    }

    /// Go's `%v` of a float64: the shortest digits that round-trip, in exponent form when the
    /// decimal exponent is below -4 or 6 and above (`1e+06`, `123456`, `0.5`, `1e-05`).
    static func goFloat(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        // Shortest round-trip digits and decimal exponent from Swift's own shortest form.
        let text = "\(abs(d))"
        let parts = text.split(separator: "e")
        var exponent = parts.count > 1 ? Int(parts[1])! : 0
        let mantissa = parts[0]
        let pieces = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(pieces[0])
        let fraction = pieces.count > 1 ? String(pieces[1]) : ""
        var digits = whole + fraction
        exponent += whole.count - 1
        let leadingZeros = digits.prefix { $0 == "0" }.count
        digits.removeFirst(leadingZeros)
        exponent -= leadingZeros
        while digits.count > 1 && digits.hasSuffix("0") { digits.removeLast() }
        let sign = d < 0 ? "-" : ""
        if exponent < -4 || exponent >= 6 {
            let first = digits.prefix(1), tail = digits.dropFirst()
            let exp = String(format: "%@%02d", exponent < 0 ? "-" : "+", abs(exponent))
            return "\(sign)\(first)\(tail.isEmpty ? "" : "." + tail)e\(exp)"
        }
        if exponent < 0 {
            return "\(sign)0.\(String(repeating: "0", count: -exponent - 1))\(digits)"
        }
        if digits.count <= exponent + 1 {
            return "\(sign)\(digits)\(String(repeating: "0", count: exponent + 1 - digits.count))"
        }
        let point = digits.index(digits.startIndex, offsetBy: exponent + 1)
        return "\(sign)\(digits[..<point]).\(digits[point...])"
    }
}
