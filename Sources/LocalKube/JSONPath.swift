import Foundation

/// A JSONPath template as kubectl and the API server read it (k8s.io/client-go/util/jsonpath):
/// text with `{...}` actions holding fields (`.a.b`, `['a.b']`), `..` recursive descent, `*`,
/// array indexes and slices (`[0]`, `[-1]`, `[1:3:2]`, `[*]`), unions (`[0,2]`, `['a','b']`),
/// filters (`[?(@.type=="Ready")]`, `[?(@.x)]`, `<`, `>`, `<=`, `>=`, `!=`) and literals.
/// `{range}`/`{end}` loops are refused: printer columns never use them.
struct JSONPath: Sendable, Equatable {
    indirect enum Node: Sendable, Equatable {
        case list([Node])
        case text(String)
        case field(String)
        case wildcard
        case recursive
        case array(ArraySlice)
        case union([[Node]])
        case filter(left: [Node], op: String, right: [Node])
        case int(Int64)
        case float(Double)
        case bool(Bool)
    }

    /// `[start:end:step]`; nil where the template leaves a bound out. `derivedEnd` marks `[i]`
    /// (end = start + 1), where `[-1]` means the last element.
    struct ArraySlice: Sendable, Equatable {
        var start: Int?
        var end: Int?
        var step: Int?
        var derivedEnd = false
    }

    /// One entry per `{...}` action or run of text, in order.
    let nodes: [Node]

    init(parsing template: String) throws(JSONPathError) {
        var parser = JSONPathParser(Array(template))
        nodes = try parser.parseTemplate()
    }
}

/// Why a JSONPath did not parse or evaluate, worded as client-go words it.
struct JSONPathError: Error, Equatable, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// The recursive-descent parser behind `JSONPath(parsing:)`.
struct JSONPathParser {
    private let input: [Character]
    private var pos = 0

    init(_ input: [Character]) { self.input = input }

    private var rest: String { String(input[pos...]) }
    private func starts(with prefix: String) -> Bool { rest.hasPrefix(prefix) }
    private var peek: Character? { pos < input.count ? input[pos] : nil }

    mutating func parseTemplate() throws(JSONPathError) -> [JSONPath.Node] {
        var nodes: [JSONPath.Node] = []
        var text = ""
        while pos < input.count {
            if input[pos] == "{" {
                if !text.isEmpty { nodes.append(.text(text)); text = "" }
                pos += 1
                nodes.append(.list(try parseAction()))
            } else {
                text.append(input[pos])
                pos += 1
            }
        }
        if !text.isEmpty { nodes.append(.text(text)) }
        return nodes
    }

    /// The nodes of one action up to its closing `}` (consumed), or to the end of input when
    /// `untilEnd` (the operands of a filter or a union member).
    private mutating func parseAction(untilEnd: Bool = false) throws(JSONPathError) -> [JSONPath.Node] {
        var nodes: [JSONPath.Node] = []
        while true {
            guard let c = peek else {
                if untilEnd { return nodes }
                throw JSONPathError("unclosed action")
            }
            if c == "}" && !untilEnd { pos += 1; return nodes }
            if starts(with: "[?(") { nodes.append(try parseFilter()); continue }
            if starts(with: "..") {
                if nodes.last == .recursive { throw JSONPathError("invalid multiple recursive descent") }
                pos += 2
                nodes.append(.recursive)
                if let next = peek, !Self.isTerminator(next) { nodes.append(parseFieldName()) }
                continue
            }
            switch c {
            case "\n", "\r": throw JSONPathError("unclosed action")
            case " ", "\t", "@", "$": pos += 1
            case "[": nodes.append(try parseArray())
            case "\"", "'": nodes.append(.text(try parseQuote(c)))
            case ".": pos += 1; nodes.append(parseFieldName())
            case "+", "-", "0"..."9": nodes.append(try parseNumber())
            default:
                if starts(with: "true") || starts(with: "false") {
                    let value = starts(with: "true")
                    pos += value ? 4 : 5
                    nodes.append(.bool(value))
                } else if starts(with: "range") || starts(with: "end") {
                    throw JSONPathError("range and end are not supported in a printer column")
                } else {
                    throw JSONPathError("unrecognized character in action: \(Self.describe(c))")
                }
            }
        }
    }

    static func isTerminator(_ c: Character) -> Bool {
        switch c {
        case " ", "\t", "\r", "\n", ".", ",", "[", "]", "$", "@", "{", "}": return true
        default: return false
        }
    }

    /// `U+0021 '!'`, as Go's `%#U` prints a rune.
    static func describe(_ c: Character) -> String {
        let scalar = c.unicodeScalars.first!.value
        return String(format: "U+%04X '%@'", scalar, String(c))
    }

    /// A field name after `.` (backslash escapes the next character); `*` is the wildcard.
    private mutating func parseFieldName() -> JSONPath.Node {
        var name = ""
        while let c = peek {
            if c == "\\" {
                pos += 1
                if let escaped = peek { name.append(escaped); pos += 1 }
                continue
            }
            if Self.isTerminator(c) { break }
            name.append(c)
            pos += 1
        }
        return name == "*" ? .wildcard : .field(name)
    }

    private mutating func parseQuote(_ quote: Character) throws(JSONPathError) -> String {
        pos += 1
        var value = ""
        while true {
            guard let c = peek else { throw JSONPathError("unterminated quoted string") }
            pos += 1
            if c == "\\" {
                guard let escaped = peek else { throw JSONPathError("unterminated quoted string") }
                pos += 1
                switch escaped {
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "r": value.append("\r")
                default: value.append(escaped)
                }
                continue
            }
            if c == quote { return value }
            value.append(c)
        }
    }

    private mutating func parseNumber() throws(JSONPathError) -> JSONPath.Node {
        var text = ""
        if let c = peek, c == "+" || c == "-" { text.append(c); pos += 1 }
        while let c = peek, c.isNumber || c == "." || c == "e" || c == "E" { text.append(c); pos += 1 }
        if let i = Int64(text) { return .int(i) }
        if let d = Double(text) { return .float(d) }
        throw JSONPathError("cannot parse number \(text)")
    }

    private mutating func parseArray() throws(JSONPathError) -> JSONPath.Node {
        pos += 1
        var text = ""
        while true {
            guard let c = peek, c != "\n" else { throw JSONPathError("unterminated array") }
            pos += 1
            if c == "]" { break }
            text.append(c)
        }
        if text == "*" { text = ":" }
        let members = text.split(separator: ",", omittingEmptySubsequences: false)
        if members.count > 1 {
            var union: [[JSONPath.Node]] = []
            for member in members {
                var sub = JSONPathParser(Array("[\(member.trimmingCharacters(in: .whitespaces))]"))
                union.append(try sub.parseAction(untilEnd: true))
            }
            return .union(union)
        }
        if text.count >= 2, text.first == "'", text.last == "'", !text.dropFirst().dropLast().contains("'") {
            return .field(String(text.dropFirst().dropLast()))
        }
        return .array(try Self.slice(text))
    }

    /// `i`, `i:j`, `i:j:k` with any part left out (`^(-?\d*)(:-?\d*)?(:-?\d*)?$`).
    static func slice(_ text: String) throws(JSONPathError) -> JSONPath.ArraySlice {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 3, parts.allSatisfy({ p in
            let digits = p.hasPrefix("-") ? p.dropFirst() : Substring(p)
            return digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
        }) else { throw JSONPathError("invalid array index \(text)") }
        func number(_ p: String) throws(JSONPathError) -> Int? {
            if p.isEmpty { return nil }
            guard let v = Int(p) else { throw JSONPathError("array index \(p) is not a number") }
            return v
        }
        var slice = JSONPath.ArraySlice()
        slice.start = try number(parts[0])
        if parts.count > 1 {
            slice.end = try number(parts[1])
        } else {
            slice.end = (slice.start ?? 0) + 1
            slice.derivedEnd = true
        }
        if parts.count > 2 { slice.step = try number(parts[2]) }
        return slice
    }

    /// `[?(LEFT OP RIGHT)]` or `[?(PATH)]` (the element has PATH).
    private mutating func parseFilter() throws(JSONPathError) -> JSONPath.Node {
        pos += 3
        var text = ""
        var quote: Character?
        var closedQuote = false
        while true {
            guard let c = peek, c != "\n" else { throw JSONPathError("unterminated filter") }
            pos += 1
            if c == "\"" || c == "'" {
                if quote == nil {
                    quote = c
                } else if c == quote, text.last != "\\" {
                    closedQuote = true
                }
            } else if c == ")" && (quote == nil || closedQuote) {
                break
            }
            text.append(c)
        }
        guard peek == "]" else { throw JSONPathError("unclosed array expect ]") }
        pos += 1
        let operators: Set<Character> = ["!", "<", ">", "="]
        guard let opStart = text.firstIndex(where: { operators.contains($0) }), opStart != text.startIndex else {
            var sub = JSONPathParser(Array(text))
            return .filter(left: try sub.parseAction(untilEnd: true), op: "exists", right: [])
        }
        let opEnd = text[opStart...].firstIndex { !operators.contains($0) } ?? text.endIndex
        let left = String(text[..<opStart]), op = String(text[opStart..<opEnd]), right = String(text[opEnd...])
        guard !right.isEmpty else { throw JSONPathError("filter \(text) has no right operand") }
        var leftParser = JSONPathParser(Array(left))
        var rightParser = JSONPathParser(Array(right))
        return .filter(left: try leftParser.parseAction(untilEnd: true), op: op, right: try rightParser.parseAction(untilEnd: true))
    }
}
