import Foundation
import KubernetesModel

/// A field selector: `metadata.name=x,metadata.namespace!=y` (`=`, `==`, `!=` on dotted paths).
struct FieldSelector: Sendable {
    struct Requirement: Sendable {
        var path: [String]
        var value: String
        var negated: Bool
    }

    var requirements: [Requirement]

    init(parsing text: String) throws(APIError) {
        requirements = []
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let s = String(part)
            let negated: Bool
            let pieces: [String]
            if let r = s.range(of: "!=") {
                negated = true
                pieces = [String(s[..<r.lowerBound]), String(s[r.upperBound...])]
            } else if let r = s.range(of: "==") {
                negated = false
                pieces = [String(s[..<r.lowerBound]), String(s[r.upperBound...])]
            } else if let r = s.range(of: "=") {
                negated = false
                pieces = [String(s[..<r.lowerBound]), String(s[r.upperBound...])]
            } else {
                throw APIError.badRequest("invalid field selector: \"\(text)\": invalid selector: '\(s)'; can't understand '\(s)'")
            }
            let key = pieces[0].trimmingCharacters(in: .whitespaces)
            requirements.append(Requirement(path: key.split(separator: ".").map(String.init), value: pieces[1].trimmingCharacters(in: .whitespaces), negated: negated))
        }
    }

    func matches(_ object: JSONValue) -> Bool {
        requirements.allSatisfy { r in
            let v = object.value(at: r.path)
            let text: String
            switch v {
            case .string(let s): text = s
            case .int(let i): text = String(i)
            case .bool(let b): text = String(b)
            default: text = ""
            }
            return (text == r.value) != r.negated
        }
    }
}

/// What a list or watch selects: a namespace (nil = all), labels and fields.
struct ObjectFilter: Sendable {
    var namespace: String?
    var labels: LabelSelector
    var fields: FieldSelector?

    init(namespace: String?, query: [String: String]) throws(APIError) {
        self.namespace = namespace
        if let text = query["labelSelector"], !text.isEmpty {
            do { labels = try LabelSelector(parsing: text) } catch { throw APIError.badRequest(error.description) }
        } else {
            labels = LabelSelector()
        }
        if let text = query["fieldSelector"], !text.isEmpty { fields = try FieldSelector(parsing: text) } else { fields = nil }
    }

    func matches(_ object: JSONValue) -> Bool {
        let metadata = object["metadata"]
        if let namespace, metadata["namespace"].stringValue != namespace { return false }
        if !labels.isEverything {
            var l: [String: String] = [:]
            if case .object(let o) = metadata["labels"] { for (k, v) in o { if let s = v.stringValue { l[k] = s } } }
            if !labels.matches(l) { return false }
        }
        if let fields, !fields.matches(object) { return false }
        return true
    }
}
