import Foundation
import KubernetesModel

/// One place where a normalised answer differs from the recording.
struct ConformanceDifference: Sendable, CustomStringConvertible {
    /// JSON path in the body (`.metadata.labels["app"]`, `.items[2].spec`), or `status` / `contentType` / `events`.
    var path: String
    var expected: String
    var actual: String

    var description: String { "at \(path): expected \(expected), got \(actual)" }
}

/// Compares normalised answers with the recorded ones under the README's rules. `<uid:N>` and
/// `<rv:N>` must correspond one to one over the whole case (the numbering follows each server's
/// order of first appearance, which may legitimately differ when one body holds several new
/// uids); every other value compares exactly, except where the README says order carries no
/// meaning (managedFields, Status causes, multi-manager conflict messages, Invalid message lists)
/// and for discovery documents (entries both servers list must be equal).
struct ConformanceComparison {
    /// Recorded placeholder number → this server's placeholder number, and back, per kind ("uid", "rv").
    private var forward: [String: [Int: Int]] = [:]
    private var backward: [String: [Int: Int]] = [:]

    private static let numbered = try! NSRegularExpression(pattern: "<(uid|rv):([0-9]+)>")

    mutating func compare(expected: JSONValue, actual: JSONValue, path: String = "") -> [ConformanceDifference] {
        switch expected["kind"].stringValue {
        case "APIGroupList" where actual["kind"].stringValue == "APIGroupList":
            return compareListed(expected, actual, key: "groups", identity: "name", path: path)
        case "APIResourceList" where actual["kind"].stringValue == "APIResourceList":
            var differences = compareValue(expected["groupVersion"], actual["groupVersion"], path: path + ".groupVersion")
            differences += compareListed(expected, actual, key: "resources", identity: "name", path: path)
            return differences
        case "APIVersions" where actual["kind"].stringValue == "APIVersions":
            var differences = compareValue(expected["versions"], actual["versions"], path: path + ".versions")
            let expectedAddresses = expected["serverAddressByClientCIDRs"].arrayValue ?? []
            let actualAddresses = actual["serverAddressByClientCIDRs"].arrayValue ?? []
            let expectedKeys = Set(expectedAddresses.flatMap { $0.objectValue.map { Array($0.keys) } ?? [] })
            let actualKeys = Set(actualAddresses.flatMap { $0.objectValue.map { Array($0.keys) } ?? [] })
            if expectedKeys != actualKeys {
                differences.append(.init(path: path + ".serverAddressByClientCIDRs[*]", expected: "keys \(expectedKeys.sorted())", actual: "keys \(actualKeys.sorted())"))
            }
            return differences
        default:
            return compareValue(expected, actual, path: path)
        }
    }

    /// `/version`: the same keys (values are each server's own).
    func compareKeys(expected: JSONValue, actual: JSONValue) -> [ConformanceDifference] {
        let expectedKeys = Set(expected.objectValue?.keys.map { $0 } ?? [])
        let actualKeys = Set(actual.objectValue?.keys.map { $0 } ?? [])
        guard expectedKeys != actualKeys else { return [] }
        return [.init(path: ".", expected: "keys \(expectedKeys.sorted())", actual: "keys \(actualKeys.sorted())")]
    }

    /// Discovery: every entry both servers list (by `identity`) must be equal; this server may list fewer or others.
    private mutating func compareListed(_ expected: JSONValue, _ actual: JSONValue, key: String, identity: String, path: String) -> [ConformanceDifference] {
        var differences: [ConformanceDifference] = []
        for field in Set((expected.objectValue?.keys.map { $0 } ?? []) + (actual.objectValue?.keys.map { $0 } ?? [])) where field != key && field != "groupVersion" {
            differences += compareValue(expected[field], actual[field], path: path + Self.member(field))
        }
        let actualByName = Dictionary((actual[key].arrayValue ?? []).map { ($0[identity].stringValue ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        for entry in expected[key].arrayValue ?? [] {
            guard let name = entry[identity].stringValue, let mine = actualByName[name] else { continue }
            differences += compareValue(entry, mine, path: path + ".\(key)[\(identity)=\(name)]")
        }
        return differences
    }

    private mutating func compareValue(_ expected: JSONValue, _ actual: JSONValue, path: String) -> [ConformanceDifference] {
        switch (expected, actual) {
        case (.object(let e), .object(let a)):
            var differences: [ConformanceDifference] = []
            if e["kind"]?.stringValue == "Status", a["kind"]?.stringValue == "Status" {
                return compareStatus(e, a, path: path)
            }
            for key in Set(e.keys).union(a.keys).sorted() {
                let memberPath = path + Self.member(key)
                switch (e[key], a[key]) {
                case (let ev?, let av?):
                    if key == "managedFields", case .array(let ea) = ev, case .array(let aa) = av {
                        differences += compareManagedFields(ea, aa, path: memberPath)
                    } else {
                        differences += compareValue(ev, av, path: memberPath)
                    }
                case (let ev?, nil): differences.append(.init(path: memberPath, expected: Self.show(ev), actual: "(absent)"))
                case (nil, let av?): differences.append(.init(path: memberPath, expected: "(absent)", actual: Self.show(av)))
                case (nil, nil): break
                }
            }
            return differences
        case (.array(let e), .array(let a)):
            return compareArrays(e, a, path: path)
        case (.string(let e), .string(let a)):
            return matchText(e, a) ? [] : [.init(path: path, expected: Self.show(expected), actual: Self.show(actual))]
        default:
            return expected == actual ? [] : [.init(path: path, expected: Self.show(expected), actual: Self.show(actual))]
        }
    }

    private mutating func compareArrays(_ e: [JSONValue], _ a: [JSONValue], path: String) -> [ConformanceDifference] {
        var differences: [ConformanceDifference] = []
        for index in 0..<max(e.count, a.count) {
            let elementPath = path + "[\(index)]"
            if index >= a.count { differences.append(.init(path: elementPath, expected: Self.show(e[index]), actual: "(absent)")) }
            else if index >= e.count { differences.append(.init(path: elementPath, expected: "(absent)", actual: Self.show(a[index]))) }
            else { differences += compareValue(e[index], a[index], path: elementPath) }
        }
        return differences
    }

    /// managedFields entries pair up by (operation, manager, apiVersion, subresource), in any order.
    private mutating func compareManagedFields(_ e: [JSONValue], _ a: [JSONValue], path: String) -> [ConformanceDifference] {
        func identity(_ entry: JSONValue) -> String {
            ["operation", "manager", "apiVersion", "subresource"].compactMap { entry[$0].stringValue }.joined(separator: " ")
        }
        var differences: [ConformanceDifference] = []
        let expected = Self.managedFieldsOrder(e)
        let actual = Self.managedFieldsOrder(a)
        let actualIDs = actual.map(identity)
        let expectedIDs = expected.map(identity)
        for entry in expected {
            let id = identity(entry)
            let entryPath = path + "[\(id)]"
            if let mine = actual.first(where: { identity($0) == id }) {
                differences += compareValue(entry, mine, path: entryPath)
            } else {
                differences.append(.init(path: entryPath, expected: Self.show(entry), actual: "(absent)"))
            }
        }
        for (index, entry) in actual.enumerated() where !expectedIDs.contains(actualIDs[index]) {
            differences.append(.init(path: path + "[\(actualIDs[index])]", expected: "(absent)", actual: Self.show(entry)))
        }
        return differences
    }

    /// The server orders managedFields by operation, time, manager, apiVersion, subresource; times are normalised away.
    static func managedFieldsOrder(_ entries: [JSONValue]) -> [JSONValue] {
        entries.sorted { lhs, rhs in
            let l = ["operation", "manager", "apiVersion", "subresource"].map { lhs[$0].stringValue ?? "" }
            let r = ["operation", "manager", "apiVersion", "subresource"].map { rhs[$0].stringValue ?? "" }
            return l.lexicographicallyPrecedes(r)
        }
    }

    private mutating func compareStatus(_ e: [String: JSONValue], _ a: [String: JSONValue], path: String) -> [ConformanceDifference] {
        var differences: [ConformanceDifference] = []
        for key in Set(e.keys).union(a.keys).sorted() where key != "message" && key != "details" {
            differences += compareValue(e[key] ?? .null, a[key] ?? .null, path: path + Self.member(key))
        }
        let expectedMessage = e["message"]?.stringValue ?? ""
        let actualMessage = a["message"]?.stringValue ?? ""
        if !matchMessage(expectedMessage, actualMessage, reason: e["reason"]?.stringValue) {
            differences.append(.init(path: path + ".message", expected: Self.show(.string(expectedMessage)), actual: Self.show(.string(actualMessage))))
        }
        let expectedDetails = e["details"]?.objectValue
        let actualDetails = a["details"]?.objectValue
        switch (expectedDetails, actualDetails) {
        case (let ed?, let ad?):
            for key in Set(ed.keys).union(ad.keys).sorted() where key != "causes" {
                differences += compareValue(ed[key] ?? .null, ad[key] ?? .null, path: path + ".details" + Self.member(key))
            }
            differences += compareAsSet(ed["causes"]?.arrayValue ?? [], ad["causes"]?.arrayValue ?? [], path: path + ".details.causes")
            if (ed["causes"] == nil) != (ad["causes"] == nil), differences.isEmpty {
                differences.append(.init(path: path + ".details.causes", expected: ed["causes"].map(Self.show) ?? "(absent)", actual: ad["causes"].map(Self.show) ?? "(absent)"))
            }
        case (nil, nil): break
        default:
            differences.append(.init(path: path + ".details", expected: expectedDetails.map { Self.show(.object($0)) } ?? "(absent)",
                                     actual: actualDetails.map { Self.show(.object($0)) } ?? "(absent)"))
        }
        return differences
    }

    /// Elements in any order: each recorded element must be matched by a distinct answered one.
    private mutating func compareAsSet(_ e: [JSONValue], _ a: [JSONValue], path: String) -> [ConformanceDifference] {
        var remaining = a
        var unmatched: [JSONValue] = []
        for element in e {
            var found: Int?
            for (index, candidate) in remaining.enumerated() {
                var trial = self
                if trial.compareValue(element, candidate, path: "").isEmpty {
                    self = trial
                    found = index
                    break
                }
            }
            if let found { remaining.remove(at: found) } else { unmatched.append(element) }
        }
        guard !unmatched.isEmpty || !remaining.isEmpty else { return [] }
        return [.init(path: path + " (as a set)", expected: "also " + Self.show(.array(unmatched)), actual: "also " + Self.show(.array(remaining)))]
    }

    /// Status messages: multi-manager conflict blocks and Invalid lists compare in any order.
    private mutating func matchMessage(_ expected: String, _ actual: String, reason: String?) -> Bool {
        if matchText(expected, actual) { return true }
        if expected.hasPrefix("Apply failed with "), let e = Self.conflictBlocks(expected), let a = Self.conflictBlocks(actual) {
            return matchText(e.header, a.header) && matchUnordered(e.blocks, a.blocks)
        }
        if reason == "Invalid", let e = Self.invalidList(expected), let a = Self.invalidList(actual) {
            return matchText(e.head, a.head) && matchUnordered(e.items, a.items)
        }
        return false
    }

    private mutating func matchUnordered(_ e: [String], _ a: [String]) -> Bool {
        guard e.count == a.count else { return false }
        var remaining = a
        for element in e {
            guard let index = remaining.firstIndex(where: { var trial = self; return trial.matchText(element, $0) }) else { return false }
            _ = matchText(element, remaining[index])
            remaining.remove(at: index)
        }
        return true
    }

    static func conflictBlocks(_ message: String) -> (header: String, blocks: [String])? {
        let pattern = try! NSRegularExpression(pattern: "conflicts? with \"")
        let matches = pattern.matches(in: message, range: NSRange(message.startIndex..., in: message))
        guard let first = matches.first, let firstStart = Range(first.range, in: message)?.lowerBound else { return nil }
        var blocks: [String] = []
        for (index, match) in matches.enumerated() {
            let start = Range(match.range, in: message)!.lowerBound
            let end = index + 1 < matches.count ? Range(matches[index + 1].range, in: message)!.lowerBound : message.endIndex
            blocks.append(message[start..<end].trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return (String(message[..<firstStart]), blocks)
    }

    /// `... is invalid: [a, b, c]` → ("... is invalid: ", fragments split at ", ") — a permutation of
    /// the list is a permutation of its fragments.
    static func invalidList(_ message: String) -> (head: String, items: [String])? {
        guard let open = message.range(of: "is invalid: ["), message.hasSuffix("]") else { return nil }
        let inner = message[open.upperBound..<message.index(before: message.endIndex)]
        return (String(message[..<open.upperBound]), inner.components(separatedBy: ", "))
    }

    /// Equal strings, where `<uid:N>` / `<rv:N>` of the recording may stand for other numbers of this
    /// server's normalisation as long as the correspondence stays one to one.
    private mutating func matchText(_ expected: String, _ actual: String) -> Bool {
        if expected == actual, !expected.contains("<") { return true }
        let e = Self.split(expected)
        let a = Self.split(actual)
        guard e.literals == a.literals, e.numbers.map(\.kind) == a.numbers.map(\.kind) else { return false }
        var trialForward = forward
        var trialBackward = backward
        for (recorded, mine) in zip(e.numbers, a.numbers) {
            if let bound = trialForward[recorded.kind]?[recorded.n], bound != mine.n { return false }
            if let bound = trialBackward[recorded.kind]?[mine.n], bound != recorded.n { return false }
            trialForward[recorded.kind, default: [:]][recorded.n] = mine.n
            trialBackward[recorded.kind, default: [:]][mine.n] = recorded.n
        }
        forward = trialForward
        backward = trialBackward
        return true
    }

    private static func split(_ text: String) -> (literals: [String], numbers: [(kind: String, n: Int)]) {
        var literals: [String] = []
        var numbers: [(kind: String, n: Int)] = []
        var cursor = text.startIndex
        for match in numbered.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            let range = Range(match.range, in: text)!
            literals.append(String(text[cursor..<range.lowerBound]))
            numbers.append((String(text[Range(match.range(at: 1), in: text)!]), Int(text[Range(match.range(at: 2), in: text)!])!))
            cursor = range.upperBound
        }
        literals.append(String(text[cursor...]))
        return (literals, numbers)
    }

    static func member(_ key: String) -> String {
        key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } ? ".\(key)" : "[\"\(key)\"]"
    }

    static func show(_ value: JSONValue) -> String {
        let text = value.jsonString()
        return text.count > 600 ? String(text.prefix(600)) + "…" : text
    }
}
