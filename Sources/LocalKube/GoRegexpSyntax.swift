/// Whether Go's `regexp.Compile` (RE2 syntax, Go 1.18 as v1.24 was built with) takes a pattern,
/// and if not, its error as Go words it: `error parsing regexp: <code>: `<expression>``. A CRD
/// schema's `pattern` must compile in Go, so Perl lookarounds, backreferences, `\Z` or `(?<name>`
/// are refused where another engine would take them.
///
/// Checked left to right as Go's parser meets them: unknown escapes, trailing backslash, Perl
/// group syntax, named captures, character classes (closing bracket, ranges, POSIX names),
/// repetition without an operand, stacked repetition, repeat counts over 1000 or reversed,
/// parentheses. Not checked: the names in `\p{…}`, nesting depth and size limits.
enum GoRegexpSyntax {
    struct Failure: Error {
        let code: String
        let expression: String
        var message: String { "error parsing regexp: \(code): `\(expression)`" }
    }

    static func compileError(_ pattern: String) -> String? {
        do {
            try check(Array(pattern.unicodeScalars), whole: pattern)
            return nil
        } catch {
            return error.message
        }
    }

    private static let posixClasses: Set<String> = ["alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower",
                                                    "print", "punct", "space", "upper", "word", "xdigit"]

    private static func check(_ s: [Unicode.Scalar], whole: String) throws(Failure) {
        var i = 0
        var depth = 0
        var canRepeat = false
        var lastRepeatStart: Int?
        func text(_ from: Int, _ to: Int) -> String { String(String.UnicodeScalarView(s[from..<min(to, s.count)])) }
        /// A repetition operator from `start` to `end`: it needs an operand and may not follow another.
        func repetition(start: Int, end: Int) throws(Failure) {
            if let last = lastRepeatStart { throw Failure(code: "invalid nested repetition operator", expression: text(last, end)) }
            guard canRepeat else { throw Failure(code: "missing argument to repetition operator", expression: text(start, end)) }
            lastRepeatStart = start
            i = end
        }

        while i < s.count {
            let c = s[i]
            switch c {
            case "(":
                if i + 1 < s.count, s[i + 1] == "?" {
                    if i + 3 < s.count, s[i + 2] == "P", s[i + 3] == "<" {
                        guard let close = s[(i + 4)...].firstIndex(of: ">") else {
                            throw Failure(code: "invalid named capture", expression: text(i, s.count))
                        }
                        let name = s[(i + 4)..<close]
                        if name.isEmpty || !name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }) {
                            throw Failure(code: "invalid named capture", expression: text(i, close + 1))
                        }
                        depth += 1; canRepeat = false; lastRepeatStart = nil
                        i = close + 1
                        continue
                    }
                    var j = i + 2
                    while j < s.count, "imsU-".unicodeScalars.contains(s[j]) { j += 1 }
                    guard j < s.count, s[j] == ":" || s[j] == ")" else {
                        throw Failure(code: "invalid or unsupported Perl syntax", expression: text(i, j + 1))
                    }
                    if s[j] == ":" { depth += 1; canRepeat = false }
                    lastRepeatStart = nil
                    i = j + 1
                    continue
                }
                depth += 1; canRepeat = false; lastRepeatStart = nil
            case ")":
                guard depth > 0 else { throw Failure(code: "unexpected )", expression: whole) }
                depth -= 1; canRepeat = true; lastRepeatStart = nil
            case "|":
                canRepeat = false; lastRepeatStart = nil
            case "*", "+", "?":
                var end = i + 1
                if end < s.count, s[end] == "?" { end += 1 }
                try repetition(start: i, end: end)
                continue
            case "{":
                if let end = repeatCountEnd(s, from: i) {
                    let inner = text(i + 1, end - 1).split(separator: ",", omittingEmptySubsequences: false)
                    let minimum = Int(inner[0]) ?? 0
                    let maximum = inner.count > 1 ? (inner[1].isEmpty ? nil : Int(inner[1])) : minimum
                    if minimum > 1000 || (maximum ?? 0) > 1000 || (maximum.map { $0 < minimum } ?? false) {
                        throw Failure(code: "invalid repeat count", expression: text(i, end))
                    }
                    var opEnd = end
                    if opEnd < s.count, s[opEnd] == "?" { opEnd += 1 }
                    try repetition(start: i, end: opEnd)
                    continue
                }
                canRepeat = true; lastRepeatStart = nil
            case "[":
                i = try characterClassEnd(s, from: i)
                canRepeat = true; lastRepeatStart = nil
                continue
            case "\\":
                i = try escapeEnd(s, from: i, inClass: false)
                canRepeat = true; lastRepeatStart = nil
                continue
            default:
                canRepeat = true; lastRepeatStart = nil
            }
            i += 1
        }
        if depth > 0 { throw Failure(code: "missing closing )", expression: whole) }

    }

    /// The index after `{n}`, `{n,}` or `{n,m}` at `from`; nil when the brace is a literal.
    private static func repeatCountEnd(_ s: [Unicode.Scalar], from: Int) -> Int? {
        var j = from + 1
        let digitsStart = j
        while j < s.count, ("0"..."9").contains(s[j]) { j += 1 }
        guard j > digitsStart, j < s.count else { return nil }
        if s[j] == "," {
            j += 1
            while j < s.count, ("0"..."9").contains(s[j]) { j += 1 }
        }
        guard j < s.count, s[j] == "}" else { return nil }
        return j + 1
    }

    private static func characterClassEnd(_ s: [Unicode.Scalar], from: Int) throws(Failure) -> Int {
        func text(_ a: Int, _ b: Int) -> String { String(String.UnicodeScalarView(s[a..<min(b, s.count)])) }
        let missing = Failure(code: "missing closing ]", expression: text(from, s.count))
        var j = from + 1
        if j < s.count, s[j] == "^" { j += 1 }
        var first = true
        while j < s.count {
            if s[j] == "]", !first { return j + 1 }
            first = false
            if s[j] == "[", j + 1 < s.count, s[j + 1] == ":" {
                if let close = (j + 2..<s.count).first(where: { s[$0] == ":" && $0 + 1 < s.count && s[$0 + 1] == "]" }) {
                    let name = text(j + 2, close)
                    let bare = name.hasPrefix("^") ? String(name.dropFirst()) : name
                    guard posixClasses.contains(bare) else { throw Failure(code: "invalid character class range", expression: text(j, close + 2)) }
                    j = close + 2
                    continue
                }
            }
            let lowStart = j
            let low: Unicode.Scalar
            if s[j] == "\\" {
                let end = try escapeEnd(s, from: j, inClass: true)
                low = end == j + 2 ? s[j + 1] : "\u{0}"
                j = end
            } else {
                low = s[j]
                j += 1
            }
            if j + 1 < s.count, s[j] == "-", s[j + 1] != "]" {
                var high = s[j + 1]
                var end = j + 2
                if high == "\\" {
                    end = try escapeEnd(s, from: j + 1, inClass: true)
                    high = end == j + 3 ? s[j + 2] : "\u{10FFFF}"
                }
                if high.value < low.value { throw Failure(code: "invalid character class range", expression: text(lowStart, end)) }
                j = end
            }
        }
        throw missing
    }

    /// The index after the escape at `from` (a backslash), or Go's error for it.
    private static func escapeEnd(_ s: [Unicode.Scalar], from: Int, inClass: Bool) throws(Failure) -> Int {
        guard from + 1 < s.count else { throw Failure(code: "trailing backslash at end of expression", expression: "") }
        let c = s[from + 1]
        let invalid = Failure(code: "invalid escape sequence", expression: String(String.UnicodeScalarView(s[from...(from + 1)])))
        switch c {
        case "d", "D", "s", "S", "w", "W", "a", "f", "n", "r", "t", "v": return from + 2
        case "A", "b", "B", "z": if inClass { throw invalid }; return from + 2
        case "Q":
            if inClass { throw invalid }
            var j = from + 2
            while j + 1 < s.count, !(s[j] == "\\" && s[j + 1] == "E") { j += 1 }
            return j + 1 < s.count ? j + 2 : s.count
        case "p", "P":
            if from + 2 < s.count, s[from + 2] == "{" {
                guard let close = s[(from + 2)...].firstIndex(of: "}") else { throw invalid }
                return close + 1
            }
            return min(from + 3, s.count)
        case "x":
            if from + 2 < s.count, s[from + 2] == "{" {
                guard let close = s[(from + 2)...].firstIndex(of: "}"), close > from + 3,
                      s[(from + 3)..<close].allSatisfy({ $0.properties.isASCIIHexDigit }) else { throw invalid }
                return close + 1
            }
            guard from + 3 < s.count, s[from + 2].properties.isASCIIHexDigit, s[from + 3].properties.isASCIIHexDigit else { throw invalid }
            return from + 4
        case "0"..."7":
            // A single non-zero digit would be a backreference, which RE2 does not have.
            if c != "0", !(from + 2 < s.count && ("0"..."7").contains(s[from + 2])) { throw invalid }
            var j = from + 2
            while j < s.count, j < from + 4, ("0"..."7").contains(s[j]) { j += 1 }
            return j
        default:
            if c.isASCII, !c.properties.isAlphabetic, !("0"..."9").contains(c) { return from + 2 }
            throw invalid
        }
    }
}
