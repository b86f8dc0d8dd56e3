import Foundation

/// A semantic version (`1.30.2`, `1.11.0-rc.1`). A leading `v` is accepted, as Kubernetes
/// writes its versions (`v1.30.2`); build metadata (`+abc`) is kept but ignored in comparisons.
public struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public var major: Int
    public var minor: Int
    public var patch: Int
    /// Dot-separated pre-release identifiers (`rc.1`); empty for a release.
    public var prerelease: [String]
    public var build: String?

    public init(_ major: Int, _ minor: Int, _ patch: Int, prerelease: [String] = [], build: String? = nil) {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
        self.build = build
    }

    /// Parses `MAJOR.MINOR.PATCH[-PRE][+BUILD]` (with an optional leading `v`); nil when malformed.
    public init?(_ text: String) {
        var s = Substring(text)
        if s.first == "v" { s = s.dropFirst() }
        var build: String?
        if let plus = s.firstIndex(of: "+") {
            build = String(s[s.index(after: plus)...])
            s = s[..<plus]
            if build!.isEmpty { return nil }
        }
        var prerelease: [String] = []
        if let dash = s.firstIndex(of: "-") {
            let pre = s[s.index(after: dash)...]
            prerelease = pre.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if prerelease.contains(where: { $0.isEmpty || !$0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } }) { return nil }
            s = s[..<dash]
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber), let n = Int(part) else { return nil }
            if part.count > 1 && part.first == "0" { return nil }
            numbers.append(n)
        }
        self.init(numbers[0], numbers[1], numbers[2], prerelease: prerelease, build: build)
    }

    public var description: String {
        var s = "\(major).\(minor).\(patch)"
        if !prerelease.isEmpty { s += "-" + prerelease.joined(separator: ".") }
        if let build { s += "+" + build }
        return s
    }

    public var isPrerelease: Bool { !prerelease.isEmpty }

    public static func == (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) == (rhs.major, rhs.minor, rhs.patch) && lhs.prerelease == rhs.prerelease
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(major)
        hasher.combine(minor)
        hasher.combine(patch)
        hasher.combine(prerelease)
    }

    public static func < (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool {
        if (lhs.major, lhs.minor, lhs.patch) != (rhs.major, rhs.minor, rhs.patch) {
            return (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
        }
        // A pre-release sorts before its release.
        switch (lhs.prerelease.isEmpty, rhs.prerelease.isEmpty) {
        case (true, true): return false
        case (true, false): return false
        case (false, true): return true
        case (false, false): break
        }
        for (a, b) in zip(lhs.prerelease, rhs.prerelease) where a != b {
            switch (Int(a), Int(b)) {
            case let (x?, y?): return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a < b
            }
        }
        return lhs.prerelease.count < rhs.prerelease.count
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let v = SemanticVersion(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a semantic version: \(text)"))
        }
        self = v
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// A range of versions, npm style: space-separated comparators that must all hold
/// (`>=1.24.0 <1.31.0`), alternatives separated by `||`, and the shorthands `^1.2` (same major),
/// `~1.2.3` (same minor), `1.x` / `1.2.x` / `*` (wildcards) and a bare version (exactly it).
/// Partial versions are allowed in comparators (`>=1.28` is `>=1.28.0`). Pre-release versions
/// match only comparators that name a pre-release of the same MAJOR.MINOR.PATCH.
public struct VersionRange: Sendable, Hashable, CustomStringConvertible {
    struct Comparator: Sendable, Hashable {
        enum Op: String, Sendable { case lt = "<", le = "<=", gt = ">", ge = ">=", eq = "=" }
        var op: Op
        var version: SemanticVersion

        func matches(_ v: SemanticVersion) -> Bool {
            switch op {
            case .lt: return v < version
            case .le: return v <= version
            case .gt: return v > version
            case .ge: return v >= version
            case .eq: return v == version
            }
        }
    }

    /// Alternatives (`||`), each a conjunction of comparators.
    let alternatives: [[Comparator]]
    public let text: String

    public var description: String { text }

    /// Parses a range; nil when malformed.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        var alternatives: [[Comparator]] = []
        for alternative in trimmed.components(separatedBy: "||") {
            var comparators: [Comparator] = []
            let words = alternative.split(separator: " ").map(String.init)
            guard !words.isEmpty else { return nil }
            for word in words {
                guard let parsed = Self.parse(word: word) else { return nil }
                comparators += parsed
            }
            alternatives.append(comparators)
        }
        self.alternatives = alternatives
        self.text = trimmed
    }

    /// The range that holds exactly this version.
    public init(exactly version: SemanticVersion) {
        alternatives = [[Comparator(op: .eq, version: version)]]
        text = version.description
    }

    public func contains(_ version: SemanticVersion) -> Bool {
        alternatives.contains { comparators in
            guard comparators.allSatisfy({ $0.matches(version) }) else { return false }
            if version.isPrerelease {
                return comparators.contains {
                    $0.version.isPrerelease && ($0.version.major, $0.version.minor, $0.version.patch) == (version.major, version.minor, version.patch)
                }
            }
            return true
        }
    }

    /// A version pattern with optional missing or wildcard parts: (major, minor?, patch?, prerelease).
    private static func partial(_ text: String) -> (Int?, Int?, Int?, [String])? {
        var s = Substring(text)
        if s.first == "v" { s = s.dropFirst() }
        if s == "*" || s == "x" || s == "X" { return (nil, nil, nil, []) }
        var prerelease: [String] = []
        if let dash = s.firstIndex(of: "-") {
            prerelease = s[s.index(after: dash)...].split(separator: ".").map(String.init)
            s = s[..<dash]
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var numbers: [Int?] = []
        var sawWildcard = false
        for part in parts {
            if part == "x" || part == "X" || part == "*" {
                sawWildcard = true
                numbers.append(nil)
                continue
            }
            guard !sawWildcard, !part.isEmpty, part.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(part) else { return nil }
            numbers.append(n)
        }
        while numbers.count < 3 { numbers.append(nil) }
        if !prerelease.isEmpty && numbers.contains(where: { $0 == nil }) { return nil }
        return (numbers[0], numbers[1], numbers[2], prerelease)
    }

    private static func parse(word: String) -> [Comparator]? {
        var op = ""
        var rest = Substring(word)
        for prefix in [">=", "<=", ">", "<", "=", "^", "~"] where rest.hasPrefix(prefix) {
            op = prefix
            rest = rest.dropFirst(prefix.count)
            break
        }
        guard let (major, minor, patch, pre) = partial(String(rest)) else { return nil }
        let low = SemanticVersion(major ?? 0, minor ?? 0, patch ?? 0, prerelease: pre)
        switch op {
        case "^":
            guard let major else { return [] }
            let upper: SemanticVersion
            if major > 0 || minor == nil {
                upper = SemanticVersion(major + 1, 0, 0, prerelease: ["0"])
            } else if let minor, minor > 0 || patch == nil {
                upper = SemanticVersion(0, minor + 1, 0, prerelease: ["0"])
            } else {
                upper = SemanticVersion(0, minor ?? 0, (patch ?? 0) + 1, prerelease: ["0"])
            }
            return [Comparator(op: .ge, version: low), Comparator(op: .lt, version: upper)]
        case "~":
            guard let major else { return [] }
            let upper = minor == nil ? SemanticVersion(major + 1, 0, 0, prerelease: ["0"]) : SemanticVersion(major, minor! + 1, 0, prerelease: ["0"])
            return [Comparator(op: .ge, version: low), Comparator(op: .lt, version: upper)]
        case "", "=":
            guard let major else { return [] }
            guard let minor else {
                return [Comparator(op: .ge, version: low), Comparator(op: .lt, version: SemanticVersion(major + 1, 0, 0, prerelease: ["0"]))]
            }
            guard patch != nil else {
                return [Comparator(op: .ge, version: low), Comparator(op: .lt, version: SemanticVersion(major, minor + 1, 0, prerelease: ["0"]))]
            }
            return [Comparator(op: .eq, version: low)]
        case ">=": return [Comparator(op: .ge, version: low)]
        case "<":
            return [Comparator(op: .lt, version: low)]
        case ">":
            // `>1.2` means above every 1.2.x.
            guard let major else { return [Comparator(op: .lt, version: SemanticVersion(0, 0, 0))] }
            if minor == nil { return [Comparator(op: .ge, version: SemanticVersion(major + 1, 0, 0))] }
            if patch == nil { return [Comparator(op: .ge, version: SemanticVersion(major, minor! + 1, 0))] }
            return [Comparator(op: .gt, version: low)]
        case "<=":
            guard let major else { return [] }
            if minor == nil { return [Comparator(op: .lt, version: SemanticVersion(major + 1, 0, 0, prerelease: ["0"]))] }
            if patch == nil { return [Comparator(op: .lt, version: SemanticVersion(major, minor! + 1, 0, prerelease: ["0"]))] }
            return [Comparator(op: .le, version: low)]
        default:
            return nil
        }
    }
}
