/// Writes JSON values as block-style YAML with sorted keys (as `kubectl get -o yaml` does),
/// quoting every string that a YAML 1.1 reader would take for something else.
extension YAML {
    public static func emit(_ value: JSONValue) -> String {
        var out = ""
        switch value {
        case .object(let o) where !o.isEmpty:
            writeObject(o, indent: 0, to: &out)
        case .array(let a) where !a.isEmpty:
            writeArray(a, indent: 0, to: &out)
        default:
            out = scalar(value) + "\n"
        }
        return out
    }

    /// Several documents separated by `---`.
    public static func emitDocuments(_ values: [JSONValue]) -> String {
        values.map { emit($0) }.joined(separator: "---\n")
    }

    private static func writeObject(_ o: [String: JSONValue], indent: Int, to out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for key in o.keys.sorted() {
            let value = o[key]!
            out += pad + quoteIfNeeded(key) + ":"
            writeValue(value, indent: indent, inSequence: false, to: &out)
        }
    }

    private static func writeArray(_ a: [JSONValue], indent: Int, to out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for element in a {
            out += pad + "-"
            switch element {
            case .object(let o) where !o.isEmpty:
                // First key on the dash line, the rest aligned under it.
                var nested = ""
                writeObject(o, indent: indent + 2, to: &nested)
                out += " " + nested.dropFirst(indent + 2)
            case .array(let inner) where !inner.isEmpty:
                out += "\n"
                writeArray(inner, indent: indent + 2, to: &out)
            default:
                writeValue(element, indent: indent, inSequence: true, to: &out)
            }
        }
    }

    private static func writeValue(_ value: JSONValue, indent: Int, inSequence: Bool, to out: inout String) {
        switch value {
        case .object(let o) where !o.isEmpty:
            out += "\n"
            writeObject(o, indent: indent + 2, to: &out)
        case .array(let a) where !a.isEmpty:
            out += "\n"
            writeArray(a, indent: inSequence ? indent + 2 : indent, to: &out)
        case .string(let s) where s.contains("\n") && isLiteralBlockSafe(s):
            let chomp = s.hasSuffix("\n") ? (s.hasSuffix("\n\n") ? "+" : "") : "-"
            out += " |" + chomp + "\n"
            let pad = String(repeating: " ", count: indent + 2)
            var body = Substring(s)
            if body.hasSuffix("\n") { body = body.dropLast() }
            for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
                out += line.isEmpty ? "\n" : pad + line + "\n"
            }
        default:
            out += " " + scalar(value) + "\n"
        }
    }

    private static func isLiteralBlockSafe(_ s: String) -> Bool {
        if s.first == " " || s.first == "\n" { return false }
        for line in s.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.last == " " || line.last == "\t" { return false }
        }
        return !s.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0 == "\u{7F}" || $0 == "\u{FEFF}" }
    }

    private static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d.isNaN { return ".nan" }
            if d.isInfinite { return d > 0 ? ".inf" : "-.inf" }
            let text = JSONValue.formatDouble(d)
            // Keep an integral double a float when read back only if it must; the API treats
            // 2 and 2.0 alike for numbers.
            return text
        case .string(let s): return quoteIfNeeded(s)
        case .array: return "[]"
        case .object: return "{}"
        }
    }

    /// The string as a plain scalar when that reads back as the same string, else double-quoted.
    public static func quoteIfNeeded(_ s: String) -> String {
        if isPlainSafe(s) { return s }
        return JSONValue.string(s).jsonString()
    }

    private static func isPlainSafe(_ s: String) -> Bool {
        guard let first = s.first, let last = s.last else { return false }
        if first == " " || last == " " { return false }
        if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
            // "-foo" is a fine plain scalar, "- foo" or "-" is not.
            if first == "-" || first == "?" || first == ":" {
                if s.count == 1 || s.dropFirst().first == " " { return false }
            } else {
                return false
            }
        }
        if s.contains(": ") || s.contains(" #") || s.hasSuffix(":") { return false }
        if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\u{7F}" || $0 == "\u{FEFF}" }) { return false }
        if looksLikeTimestamp(s) { return false }
        return !YAMLScalar.needsQuoting(s)
    }

    /// A YAML 1.1 reader takes `2026-12-06` or `2026-12-06T21:09:10Z` for a date, not a string
    /// (kubectl quotes them too). Any text that starts as one is quoted: quoting is never wrong.
    private static func looksLikeTimestamp(_ s: String) -> Bool {
        let b = Array(s.utf8.prefix(6))
        guard b.count >= 6 else { return false }
        let digit = { (c: UInt8) in c >= 0x30 && c <= 0x39 }
        return digit(b[0]) && digit(b[1]) && digit(b[2]) && digit(b[3]) && b[4] == UInt8(ascii: "-") && digit(b[5])
    }
}
