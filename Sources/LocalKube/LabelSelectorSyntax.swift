/// The syntax errors of a `?labelSelector=` as the API server's label parser words them
/// (`unable to parse requirement: found 'a' expected: '('`): the same tokens, the same
/// look-ahead and the same messages, so a client sees the real server's 400 answer.
struct LabelSelectorSyntax {
    private enum Token: Equatable {
        case error, end, closedPar, comma, doesNotExist, doubleEquals, equals, greaterThan, identifier, inKeyword, lessThan, notEquals, notIn, openPar
    }

    private static let keywords: [String: Token] = [
        ")": .closedPar, ",": .comma, "!": .doesNotExist, "==": .doubleEquals, "=": .equals, ">": .greaterThan,
        "in": .inKeyword, "<": .lessThan, "!=": .notEquals, "notin": .notIn, "(": .openPar,
    ]
    private static let binaryOperators = "in, notin, =, ==, !=, gt, lt"

    private var items: [(token: Token, literal: String)] = []
    private var position = 0

    /// The server's message for `text`, or nil when its grammar accepts it.
    static func error(in text: String) -> String? {
        var parser = LabelSelectorSyntax(tokens: lex(text))
        return parser.parse()
    }

    private init(tokens: [(token: Token, literal: String)]) { items = tokens }

    // MARK: Lexer

    private static func isWhitespace(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\r" || c == "\n" }
    private static func isSpecial(_ c: Character) -> Bool { "=!(),><".contains(c) }

    private static func lex(_ text: String) -> [(token: Token, literal: String)] {
        let chars = Array(text)
        var i = 0
        var tokens: [(token: Token, literal: String)] = []
        while true {
            while i < chars.count, isWhitespace(chars[i]) { i += 1 }
            guard i < chars.count else {
                tokens.append((.end, ""))
                return tokens
            }
            if isSpecial(chars[i]) {
                var buffer = ""
                var last: (token: Token, literal: String)?
                while i < chars.count, isSpecial(chars[i]) {
                    buffer.append(chars[i])
                    if let token = keywords[buffer] {
                        last = (token, buffer)
                        i += 1
                    } else if last != nil {
                        break
                    } else {
                        i += 1
                    }
                }
                tokens.append(last ?? (.error, "error expected: keyword found '\(buffer)'"))
            } else {
                var word = ""
                while i < chars.count, !isSpecial(chars[i]), !isWhitespace(chars[i]) {
                    word.append(chars[i])
                    i += 1
                }
                let token = keywords[word] ?? .identifier
                tokens.append((token == .inKeyword || token == .notIn ? token : .identifier, word))
            }
            if tokens.last?.token == .error { tokens.append((.end, "")); return tokens }
        }
    }

    // MARK: Parser

    /// In a value position, `in` and `notin` are identifiers.
    private func lookahead(values: Bool) -> (token: Token, literal: String) {
        let item = items[min(position, items.count - 1)]
        if values, item.token == .inKeyword || item.token == .notIn { return (.identifier, item.literal) }
        return item
    }

    private mutating func consume(values: Bool) -> (token: Token, literal: String) {
        let item = lookahead(values: values)
        position += 1
        return item
    }

    private mutating func parse() -> String? {
        while true {
            let (token, literal) = lookahead(values: true)
            switch token {
            case .identifier, .doesNotExist:
                if let error = parseRequirement() { return "unable to parse requirement: \(error)" }
                let (next, nextLiteral) = consume(values: true)
                switch next {
                case .end: return nil
                case .comma:
                    let (after, afterLiteral) = lookahead(values: true)
                    if after != .identifier, after != .doesNotExist { return "found '\(afterLiteral)', expected: identifier after ','" }
                default: return "found '\(nextLiteral)', expected: ',' or 'end of string'"
                }
            case .end: return nil
            default: return "found '\(literal)', expected: !, identifier, or 'end of string'"
            }
        }
    }

    private mutating func parseRequirement() -> String? {
        var (token, literal) = consume(values: true)
        var doesNotExist = false
        if token == .doesNotExist {
            doesNotExist = true
            (token, literal) = consume(values: true)
        }
        guard token == .identifier else { return "found '\(literal)', expected: identifier" }
        let next = lookahead(values: true).token
        if doesNotExist || next == .end || next == .comma { return nil }
        let (op, opLiteral) = consume(values: false)
        switch op {
        case .inKeyword, .notIn: return parseValues()
        case .equals, .doubleEquals, .notEquals, .greaterThan, .lessThan: return parseExactValue()
        default: return "found '\(opLiteral)', expected: \(Self.binaryOperators)"
        }
    }

    private mutating func parseValues() -> String? {
        let (token, literal) = consume(values: true)
        guard token == .openPar else { return "found '\(literal)' expected: '('" }
        let (next, nextLiteral) = lookahead(values: true)
        switch next {
        case .identifier, .comma:
            if let error = parseIdentifiers() { return error }
            if consume(values: true).token != .closedPar { return "found '\(nextLiteral)', expected: ')'" }
            return nil
        case .closedPar:
            _ = consume(values: true)
            return nil
        default:
            return "found '\(nextLiteral)', expected: ',', ')' or identifier"
        }
    }

    private mutating func parseIdentifiers() -> String? {
        while true {
            let (token, literal) = consume(values: true)
            switch token {
            case .identifier:
                let (next, nextLiteral) = lookahead(values: true)
                switch next {
                case .comma: continue
                case .closedPar: return nil
                default: return "found '\(nextLiteral)', expected: ',' or ')'"
                }
            case .comma:
                let next = lookahead(values: true).token
                if next == .closedPar { return nil }
                if next == .comma { _ = consume(values: true) }
            default:
                return "found '\(literal)', expected: ',', or identifier"
            }
        }
    }

    private mutating func parseExactValue() -> String? {
        let next = lookahead(values: true).token
        if next == .end || next == .comma { return nil }
        let (token, literal) = consume(values: true)
        return token == .identifier ? nil : "found '\(literal)', expected: identifier"
    }
}
