import KubernetesModel

/// JSON text exactly as Go's encoding/json (and json-iterator in its standard-library mode)
/// writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped, map keys sorted, floats in Go's
/// shortest form. The API server writes the keys of `fieldsV1` (`k:{...}`, `v:...`) this way,
/// so our keys must match byte for byte.
public enum GoJSON {
    static func encode(_ value: JSONValue) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    static func write(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += formatFloat(d)
        case .string(let s): writeString(s, to: &out)
        case .array(let a):
            out += "["
            for (i, element) in a.enumerated() {
                if i > 0 { out += "," }
                write(element, to: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, key) in o.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                writeString(key, to: &out)
                out += ":"
                write(o[key]!, to: &out)
            }
            out += "}"
        }
    }

    /// Go's `strconv.FormatFloat(f, 'f' or 'e', -1, 64)` choice made by encoding/json.
    static func formatFloat(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e21 {
            if abs(d) < 9.2e18 { return String(Int64(d)) }
        }
        let magnitude = abs(d)
        if magnitude != 0, magnitude < 1e-6 || magnitude >= 1e21 {
            // Go writes e.g. 1e-07 and 1e+21 with a two-digit exponent at least.
            let text = "\(d)" // Swift: 1e-07, 1e+21
            guard let eIndex = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return text }
            let mantissa = text[..<eIndex]
            var exponent = String(text[text.index(after: eIndex)...])
            var sign = "+"
            if exponent.hasPrefix("-") { sign = "-"; exponent.removeFirst() } else if exponent.hasPrefix("+") { exponent.removeFirst() }
            if exponent.count < 2 { exponent = "0" + exponent }
            return "\(mantissa)e\(sign)\(exponent)"
        }
        return expandExponent("\(d)")
    }

    /// Swift writes `1e-05` where Go's `'f'` format writes `0.00001`: expand the shortest digits.
    private static func expandExponent(_ text: String) -> String {
        guard let eIndex = text.firstIndex(of: "e") else { return text }
        var mantissa = String(text[..<eIndex])
        guard let exponent = Int(text[text.index(after: eIndex)...]) else { return text }
        var sign = ""
        if mantissa.hasPrefix("-") { sign = "-"; mantissa.removeFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(parts[0]), fracPart = parts.count > 1 ? String(parts[1]) : ""
        var digits = intPart + fracPart
        var point = intPart.count + exponent
        if point <= 0 {
            digits = String(repeating: "0", count: -point + 1) + digits
            point = 1
        } else if point > digits.count {
            digits += String(repeating: "0", count: point - digits.count)
        }
        let whole = digits.prefix(point), fraction = digits.dropFirst(point)
        return sign + whole + (fraction.isEmpty ? "" : "." + fraction)
    }

    private static let hex: [Character] = Array("0123456789abcdef")

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += unicodeEscape(scalar.value)
            default:
                if scalar.value < 0x20 { out += unicodeEscape(scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        out += "\""
    }

    private static func unicodeEscape(_ v: UInt32) -> String {
        var s = "\\u"
        for shift in stride(from: 12, through: 0, by: -4) { s.append(hex[Int((v >> UInt32(shift)) & 0xF)]) }
        return s
    }

    /// `fmt.Sprintf("%q", s)` for the strings that appear in paths (`[name="main"]`).
    public static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format2hex: scalar.value)
                } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    /// Go's `%v` of a decoded JSON value (`map[a:b]`, `[x y]`, `true`, `1.1`).
    static func goValue(_ value: JSONValue) -> String {
        switch value {
        case .null: return "<nil>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return goFloatV(d)
        case .string(let s): return s
        case .array(let a): return "[" + a.map(goValue).joined(separator: " ") + "]"
        case .object(let o): return "map[" + o.keys.sorted().map { "\($0):\(goValue(o[$0]!))" }.joined(separator: " ") + "]"
        }
    }

    /// Go's `%#v` of a decoded JSON value (`map[string]interface {}{"a":"b"}`, `"x"`, `true`).
    static func goSyntax(_ value: JSONValue) -> String {
        switch value {
        case .null: return "interface {}(nil)"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return goFloatV(d)
        case .string(let s): return quote(s)
        case .array(let a): return "[]interface {}{" + a.map(goSyntax).joined(separator: ", ") + "}"
        case .object(let o):
            return "map[string]interface {}{" + o.keys.sorted().map { "\(quote($0)):\(goSyntax(o[$0]!))" }.joined(separator: ", ") + "}"
        }
    }

    /// Go's `%T` of a decoded JSON value.
    public static func goType(_ value: JSONValue) -> String {
        switch value {
        case .null: return "<nil>"
        case .bool: return "bool"
        case .int: return "int64"
        case .double: return "float64"
        case .string: return "string"
        case .array: return "[]interface {}"
        case .object: return "map[string]interface {}"
        }
    }

    /// `%v` of a float64: `%g` with the shortest representation.
    static func goFloatV(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e21 {
            if abs(d) < 9.2e18 { return String(Int64(d)) }
        }
        return formatFloat(d)
    }
}

extension String {
    fileprivate init(format2hex v: UInt32) {
        let digits = Array("0123456789abcdef")
        self = "\\x" + String(digits[Int((v >> 4) & 0xF)]) + String(digits[Int(v & 0xF)])
    }
}
