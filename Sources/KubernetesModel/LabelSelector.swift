/// A label selector, in its string form (`app=web,tier in (a,b),!legacy`) or as the
/// `matchLabels` / `matchExpressions` object of a workload spec.
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
    public enum Operator: String, Sendable, Hashable {
        case equals = "="
        case notEquals = "!="
        case `in` = "in"
        case notIn = "notin"
        case exists = "exists"
        case doesNotExist = "!"
    }

    public struct Requirement: Sendable, Hashable {
        public var key: String
        public var op: Operator
        public var values: [String]

        public init(key: String, op: Operator, values: [String] = []) {
            self.key = key
            self.op = op
            self.values = values
        }

        public func matches(_ labels: [String: String]) -> Bool {
            let value = labels[key]
            switch op {
            case .equals: return value == values.first
            case .notEquals: return value != values.first
            case .in: return value.map { values.contains($0) } ?? false
            case .notIn: return value.map { !values.contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            }
        }

        var text: String {
            switch op {
            case .equals: return "\(key)=\(values.first ?? "")"
            case .notEquals: return "\(key)!=\(values.first ?? "")"
            case .in: return "\(key) in (\(values.joined(separator: ",")))"
            case .notIn: return "\(key) notin (\(values.joined(separator: ",")))"
            case .exists: return key
            case .doesNotExist: return "!\(key)"
            }
        }
    }

    public var requirements: [Requirement]

    public init(_ requirements: [Requirement] = []) { self.requirements = requirements }

    /// Selects objects carrying all these labels.
    public init(matchLabels: [String: String]) {
        requirements = matchLabels.keys.sorted().map { Requirement(key: $0, op: .equals, values: [matchLabels[$0]!]) }
    }

    public var isEverything: Bool { requirements.isEmpty }
    public var description: String { requirements.map(\.text).joined(separator: ",") }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(labels) }
    }

    /// Parses the string form used in `?labelSelector=`.
    public init(parsing text: String) throws(SelectorParseError) {
        var requirements: [Requirement] = []
        var scanner = SelectorScanner(text: text)
        while true {
            scanner.skipSpaces()
            if scanner.atEnd { break }
            requirements.append(try scanner.requirement())
            scanner.skipSpaces()
            if scanner.atEnd { break }
            guard scanner.consume(",") else { throw SelectorParseError(selector: text, reason: "expected ',' at position \(scanner.position)") }
        }
        self.requirements = requirements
    }

    /// Reads a `{matchLabels, matchExpressions}` object (Deployment `spec.selector`, ...).
    public init(json: JSONValue) throws(SelectorParseError) {
        var requirements: [Requirement] = []
        for (key, value) in (json["matchLabels"].objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            requirements.append(Requirement(key: key, op: .equals, values: [value.stringValue ?? ""]))
        }
        for expression in json["matchExpressions"].arrayValue ?? [] {
            guard let key = expression["key"].stringValue, let op = expression["operator"].stringValue else {
                throw SelectorParseError(selector: json.jsonString(), reason: "matchExpressions entry needs key and operator")
            }
            let values = expression["values"].arrayValue?.compactMap(\.stringValue) ?? []
            switch op {
            case "In": requirements.append(Requirement(key: key, op: .in, values: values))
            case "NotIn": requirements.append(Requirement(key: key, op: .notIn, values: values))
            case "Exists": requirements.append(Requirement(key: key, op: .exists))
            case "DoesNotExist": requirements.append(Requirement(key: key, op: .doesNotExist))
            default: throw SelectorParseError(selector: json.jsonString(), reason: "unknown operator \(op)")
            }
        }
        self.requirements = requirements
    }
}

public struct SelectorParseError: Error, Sendable, CustomStringConvertible {
    public var selector: String
    public var reason: String
    public var description: String { "unable to parse selector \"\(selector)\": \(reason)" }
}

private struct SelectorScanner {
    let chars: [Character]
    let text: String
    var position = 0

    init(text: String) {
        self.text = text
        chars = Array(text)
    }

    var atEnd: Bool { position >= chars.count }

    mutating func skipSpaces() { while position < chars.count, chars[position] == " " { position += 1 } }

    mutating func consume(_ s: String) -> Bool {
        let c = Array(s)
        guard position + c.count <= chars.count, Array(chars[position..<position + c.count]) == c else { return false }
        position += c.count
        return true
    }

    mutating func identifier() -> String {
        let start = position
        while position < chars.count, !" ,=!()".contains(chars[position]) { position += 1 }
        return String(chars[start..<position])
    }

    mutating func requirement() throws(SelectorParseError) -> LabelSelector.Requirement {
        if consume("!") {
            skipSpaces()
            let key = identifier()
            guard !key.isEmpty else { throw SelectorParseError(selector: text, reason: "expected a key after '!'") }
            return .init(key: key, op: .doesNotExist)
        }
        let key = identifier()
        guard !key.isEmpty else { throw SelectorParseError(selector: text, reason: "expected a key at position \(position)") }
        skipSpaces()
        if atEnd || chars[position] == "," { return .init(key: key, op: .exists) }
        if consume("!=") { return .init(key: key, op: .notEquals, values: [valueToken()]) }
        if consume("==") || consume("=") { return .init(key: key, op: .equals, values: [valueToken()]) }
        let word = identifier()
        let op: LabelSelector.Operator
        switch word {
        case "in": op = .in
        case "notin": op = .notIn
        default: throw SelectorParseError(selector: text, reason: "unknown operator \"\(word)\" after key \"\(key)\"")
        }
        skipSpaces()
        guard consume("(") else { throw SelectorParseError(selector: text, reason: "expected '(' after \(word)") }
        var values: [String] = []
        while true {
            skipSpaces()
            if consume(")") { break }
            values.append(identifier())
            skipSpaces()
            if consume(",") { continue }
            guard consume(")") else { throw SelectorParseError(selector: text, reason: "expected ',' or ')' in value set") }
            break
        }
        return .init(key: key, op: op, values: values)
    }

    mutating func valueToken() -> String {
        skipSpaces()
        return identifier()
    }
}
