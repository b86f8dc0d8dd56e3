/// Whether Go's `regexp.Compile` (RE2 syntax, Go 1.18 as v1.24 was built with) takes a pattern,
/// and if not, its error as Go words it: `error parsing regexp: <code>: `<expression>``. A CRD
/// schema's `pattern` must compile in Go, so Perl lookarounds, backreferences, `\Z` or `(?<name>`
/// are refused where another engine would take them.
///
/// Follows `regexp/syntax`'s parser left to right: escapes (`parseEscape`: octal, `\x`, C escapes,
/// punctuation; a lone digit 1–7 is a backreference and refused), Perl and Unicode classes, `\Q…\E`,
/// group syntax and flags, named captures, character classes (closing bracket, ranges between
/// the characters escapes stand for, POSIX names), repetition without an operand or stacked,
/// repeat counts (over 1000, reversed, too large to read; leading zeros make the brace a
/// literal), parentheses. Not checked: the names in `\p{…}` (any name is taken), nested repeats
/// whose counts multiply past 1000, and the nesting depth and size limits.
struct GoRegexpSyntax {
    struct Failure: Error {
        let code: String
        let expression: String
        var message: String { "error parsing regexp: \(code): `\(expression)`" }
    }

    static func compileError(_ pattern: String) -> String? {
        var parser = GoRegexpSyntax(scalars: Array(pattern.unicodeScalars), whole: pattern)
        do {
            try parser.parse()
            return nil
        } catch {
            return error.message
        }
    }

    private static let posixClasses: Set<String> = ["alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower",
                                                    "print", "punct", "space", "upper", "word", "xdigit"]

    private let s: [Unicode.Scalar]
    private let whole: String
    private var i = 0
    private var depth = 0
    /// Whether what precedes can take a repetition operator (Go: an operand on the stack).
    private var canRepeat = false
    /// Where the previous token, if it was a repetition operator, began.
    private var lastRepeatStart: Int?

    private init(scalars: [Unicode.Scalar], whole: String) {
        self.s = scalars
        self.whole = whole
    }

    private func text(_ from: Int, _ to: Int) -> String { String(String.UnicodeScalarView(s[from..<min(max(to, from), s.count)])) }

    private func at(_ index: Int) -> Unicode.Scalar? { index < s.count ? s[index] : nil }

    private static func isDigit(_ c: Unicode.Scalar?) -> Bool { c.map { ("0"..."9").contains($0) } ?? false }

    private mutating func operand() {
        canRepeat = true
        lastRepeatStart = nil
    }

    /// After `|` or an opening parenthesis: nothing a repetition could apply to.
    private mutating func noOperand() {
        canRepeat = false
        lastRepeatStart = nil
    }

    private mutating func openGroup() {
        depth += 1
        noOperand()
    }

    private mutating func parse() throws(Failure) {
        while i < s.count {
            switch s[i] {
            case "(": try group()
            case ")":
                guard depth > 0 else { throw Failure(code: "unexpected )", expression: whole) }
                depth -= 1
                i += 1
                operand()
            case "|":
                i += 1
                noOperand()
            case "*", "+", "?":
                var end = i + 1
                if at(end) == "?" { end += 1 }
                try repetition(from: i, to: end)
            case "{":
                if let (minimum, maximum, end) = repeatCount(from: i) {
                    if minimum < 0 || minimum > 1000 || maximum > 1000 || (maximum >= 0 && minimum > maximum) {
                        throw Failure(code: "invalid repeat count", expression: text(i, end))
                    }
                    try repetition(from: i, to: at(end) == "?" ? end + 1 : end)
                } else {
                    i += 1
                    operand()
                }
            case "[":
                try characterClass()
                operand()
            case "\\":
                try escapeOutsideClass()
            default:
                i += 1
                operand()
            }
        }
        if depth > 0 { throw Failure(code: "missing closing )", expression: whole) }
    }

    /// A repetition operator spanning `from..<to`: it needs an operand and may not follow another.
    private mutating func repetition(from start: Int, to end: Int) throws(Failure) {
        if let last = lastRepeatStart { throw Failure(code: "invalid nested repetition operator", expression: text(last, end)) }
        guard canRepeat else { throw Failure(code: "missing argument to repetition operator", expression: text(start, end)) }
        lastRepeatStart = start
        i = end
    }

    /// `{n}`, `{n,}` or `{n,m}` at `from` (`parseRepeat`): min, max (-1: unbounded) and the index
    /// after; nil when the brace is a literal. A number too large to read gives min -1.
    private func repeatCount(from: Int) -> (Int, Int, Int)? {
        func number(_ start: Int) -> (Int, Int)? {
            guard GoRegexpSyntax.isDigit(at(start)) else { return nil }
            if s[start] == "0", GoRegexpSyntax.isDigit(at(start + 1)) { return nil }  // leading zeros: not a count
            var j = start
            var value = 0
            while GoRegexpSyntax.isDigit(at(j)) {
                if value >= 100_000_000 { value = -1 } else if value >= 0 { value = value * 10 + Int(s[j].value - 48) }
                j += 1
            }
            return (value, j)
        }
        guard let (minimum, afterMin) = number(from + 1) else { return nil }
        var j = afterMin
        var maximum = minimum
        var tooLarge = minimum < 0
        if at(j) == "," {
            j += 1
            if at(j) == "}" {
                maximum = -1
            } else {
                guard let (value, afterMax) = number(j) else { return nil }
                maximum = value
                if value < 0 { tooLarge = true }
                j = afterMax
            }
        }
        guard at(j) == "}" else { return nil }
        return (tooLarge ? -1 : minimum, maximum, j + 1)
    }

    /// `(`: a capture, `(?P<name>…)`, or `(?flags)` / `(?flags:…)`.
    private mutating func group() throws(Failure) {
        let start = i
        guard at(i + 1) == "?" else {
            i += 1
            openGroup()
            return
        }
        if s.count - start > 4, s[start + 2] == "P", s[start + 3] == "<" {
            guard let close = s[(start + 4)...].firstIndex(of: ">") else {
                throw Failure(code: "invalid named capture", expression: text(start, s.count))
            }
            let name = s[(start + 4)..<close]
            if name.isEmpty || !name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || GoRegexpSyntax.isDigit($0))) }) {
                throw Failure(code: "invalid named capture", expression: text(start, close + 1))
            }
            i = close + 1
            openGroup()
            return
        }
        // Flags: letters from imsU, at most one '-', which must be followed by a flag.
        var j = start + 2
        var negated = false
        var sawFlag = false
        while let c = at(j) {
            if "imsU".unicodeScalars.contains(c) {
                sawFlag = true
            } else if c == "-", !negated {
                negated = true
                sawFlag = false
            } else if (c == ":" || c == ")"), !(negated && !sawFlag) {
                i = j + 1
                if c == ":" {
                    openGroup()
                } else {
                    lastRepeatStart = nil
                }
                return
            } else {
                break
            }
            j += 1
        }
        throw Failure(code: "invalid or unsupported Perl syntax", expression: text(start, j + 1))
    }

    /// An escape outside a class: assertions, Perl and Unicode classes, `\Q…\E`, or a character.
    private mutating func escapeOutsideClass() throws(Failure) {
        guard let c = at(i + 1) else { throw Failure(code: "trailing backslash at end of expression", expression: "") }
        switch c {
        case "A", "b", "B", "z", "d", "D", "s", "S", "w", "W":
            i += 2
            operand()
        case "p", "P":
            i = try unicodeClassEnd(from: i)
            operand()
        case "Q":
            var j = i + 2
            while j < s.count, !(s[j] == "\\" && at(j + 1) == "E") { j += 1 }
            let empty = j == i + 2
            i = j < s.count ? j + 2 : s.count
            // Empty, it adds no operand (`\Q\E*` has nothing to repeat), but it is a token.
            if empty { lastRepeatStart = nil } else { operand() }
        default:
            i = try characterEscape(from: i).end
            operand()
        }
    }

    /// `\pL`, `\p{Name}`, `\PL`, `\P{^Name}`: the index after it.
    private func unicodeClassEnd(from start: Int) throws(Failure) -> Int {
        guard let next = at(start + 2) else { throw Failure(code: "invalid character class range", expression: text(start, s.count)) }
        guard next == "{" else { return start + 3 }
        guard let close = s[(start + 2)...].firstIndex(of: "}") else {
            throw Failure(code: "invalid character class range", expression: text(start, s.count))
        }
        if close == start + 3 { throw Failure(code: "invalid character class range", expression: text(start, close + 1)) }
        return close + 1
    }

    /// `parseEscape`: the character an escape stands for and the index after it.
    private func characterEscape(from start: Int) throws(Failure) -> (value: UInt32, end: Int) {
        guard let c = at(start + 1) else { throw Failure(code: "trailing backslash at end of expression", expression: "") }
        func invalid(_ end: Int) -> Failure { Failure(code: "invalid escape sequence", expression: text(start, end)) }
        switch c {
        case "1"..."7" where !("0"..."7").contains(at(start + 2) ?? " "):
            throw invalid(start + 2)
        case "0"..."7":
            // Up to three octal digits in all.
            var j = start + 1
            var value: UInt32 = 0
            while j < start + 4, let d = at(j), ("0"..."7").contains(d) {
                value = value * 8 + d.value - 48
                j += 1
            }
            return (value, j)
        case "x":
            guard let first = at(start + 2) else { throw invalid(start + 2) }
            if first == "{" {
                var j = start + 3
                var value: UInt32 = 0
                var digits = 0
                while let d = at(j), d != "}" {
                    guard let v = Self.hexValue(d) else { throw invalid(j + 1) }
                    value = value * 16 + v
                    guard value <= 0x10FFFF else { throw invalid(j + 1) }
                    digits += 1
                    j += 1
                }
                guard at(j) == "}", digits > 0 else { throw invalid(min(j + 1, s.count)) }
                return (value, j + 1)
            }
            guard let second = at(start + 3) else { throw invalid(start + 3) }
            guard let x = Self.hexValue(first), let y = Self.hexValue(second) else { throw invalid(start + 4) }
            return (x * 16 + y, start + 4)
        case "a": return (7, start + 2)
        case "f": return (12, start + 2)
        case "n": return (10, start + 2)
        case "r": return (13, start + 2)
        case "t": return (9, start + 2)
        case "v": return (11, start + 2)
        default:
            if c.isASCII, !c.properties.isAlphabetic, !Self.isDigit(c) { return (c.value, start + 2) }
            throw invalid(start + 2)
        }
    }

    private static func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c {
        case "0"..."9": return c.value - 48
        case "a"..."f": return c.value - 87
        case "A"..."F": return c.value - 55
        default: return nil
        }
    }

    /// `[…]` (`parseClass`): POSIX classes, Unicode and Perl class escapes, characters and ranges.
    private mutating func characterClass() throws(Failure) {
        let start = i
        var j = i + 1
        if at(j) == "^" { j += 1 }
        var first = true
        while j < s.count {
            if s[j] == "]", !first {
                i = j + 1
                return
            }
            first = false
            if s[j] == "[", at(j + 1) == ":",
               let close = (j + 2..<s.count).first(where: { s[$0] == ":" && at($0 + 1) == "]" }) {
                let name = text(j + 2, close)
                guard Self.posixClasses.contains(name.hasPrefix("^") ? String(name.dropFirst()) : name) else {
                    throw Failure(code: "invalid character class range", expression: text(j, close + 2))
                }
                j = close + 2
                continue
            }
            if s[j] == "\\", let c = at(j + 1) {
                if c == "p" || c == "P" {
                    j = try unicodeClassEnd(from: j)
                    continue
                }
                if "dDsSwW".unicodeScalars.contains(c) {
                    j += 2
                    continue
                }
            }
            // A character, or a range of two.
            let rangeStart = j
            let low = try classCharacter(at: &j)
            if at(j) == "-", let next = at(j + 1), next != "]" {
                j += 1
                let high = try classCharacter(at: &j)
                if high < low { throw Failure(code: "invalid character class range", expression: text(rangeStart, j)) }
            }
        }
        throw Failure(code: "missing closing ]", expression: text(start, s.count))
    }

    /// `parseClassChar`: an escape or a single character.
    private func classCharacter(at j: inout Int) throws(Failure) -> UInt32 {
        if s[j] == "\\" {
            let (value, end) = try characterEscape(from: j)
            j = end
            return value
        }
        defer { j += 1 }
        return s[j].value
    }
}
