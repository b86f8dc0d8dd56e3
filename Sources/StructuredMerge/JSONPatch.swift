import Foundation
import KubernetesModel

/// JSON patch (RFC 6902, `application/json-patch+json`): a list of add / remove / replace /
/// move / copy / test operations on JSON pointers. As the API server answers: a body that is not
/// a list of operations is 400 BadRequest; an operation that fails (a missing path, a failed
/// `test`) is 422 Invalid "the server rejected our request due to an error in our request".
public enum JSONPatch {
    /// The API server's limit on operations in one patch.
    public static let maxOperations = 10_000

    public static func apply(body: some Collection<UInt8>, to target: JSONValue) throws(StructuredMergeError) -> JSONValue {
        let patch: JSONValue
        do { patch = try JSONValue.parse(body) } catch { throw .badRequest("\(error)") }
        return try apply(patch, to: target)
    }

    public static func apply(_ patch: JSONValue, to target: JSONValue) throws(StructuredMergeError) -> JSONValue {
        guard case .array(let ops) = patch else {
            throw .badRequest("json: cannot unmarshal \(JSONMergePatch.goKind(patch)) into Go value of type jsonpatch.Patch")
        }
        if ops.count > maxOperations {
            throw .unprocessable("The allowed maximum operations in a JSON patch is \(maxOperations), got \(ops.count)", code: 422)
        }
        var doc = target
        for op in ops {
            guard case .object = op else { throw .badRequest("json: cannot unmarshal \(JSONMergePatch.goKind(op)) into Go value of type jsonpatch.Operation") }
            do {
                try applyOne(op, to: &doc)
            } catch {
                throw .jsonPatchFailed(error.message)
            }
        }
        return doc
    }

    struct Failure: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    private static func applyOne(_ op: JSONValue, to doc: inout JSONValue) throws(Failure) {
        guard let kind = op["op"].stringValue else { throw Failure("Unexpected kind: unknown") }
        guard let pathText = op["path"].stringValue else { throw Failure("operation missing path") }
        let path = try pointer(pathText)
        switch kind {
        case "add":
            guard let value = op.objectValue?["value"] else { throw Failure("missing value") }
            try add(value, at: path, in: &doc)
        case "remove":
            _ = try remove(at: path, in: &doc)
        case "replace":
            guard let value = op.objectValue?["value"] else { throw Failure("missing value") }
            _ = try remove(at: path, in: &doc)
            try add(value, at: path, in: &doc, replacing: true)
        case "move":
            guard let fromText = op["from"].stringValue else { throw Failure("missing from") }
            let value = try remove(at: try pointer(fromText), in: &doc)
            try add(value, at: path, in: &doc)
        case "copy":
            guard let fromText = op["from"].stringValue else { throw Failure("missing from") }
            let value = try get(try pointer(fromText), in: doc)
            try add(value, at: path, in: &doc)
        case "test":
            let expected = op.objectValue?["value"] ?? .null
            let actual = try? get(path, in: doc)
            if (actual ?? .null) != expected {
                throw Failure("testing value \(pathText) failed: test failed")
            }
        default:
            throw Failure("Unexpected kind: \(kind)")
        }
    }

    static func pointer(_ text: String) throws(Failure) -> [String] {
        if text.isEmpty { return [] }
        guard text.hasPrefix("/") else { throw Failure("JSON pointer must be empty or start with a \"/\": \(text)") }
        return text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private static func get(_ path: [String], in doc: JSONValue) throws(Failure) -> JSONValue {
        var node = doc
        for token in path {
            switch node {
            case .object(let o):
                guard let next = o[token] else { throw Failure("Unable to find key \(token) in document") }
                node = next
            case .array(let a):
                guard let i = Int(token), i >= 0, i < a.count else { throw Failure("Unable to access invalid index: \(token)") }
                node = a[i]
            default:
                throw Failure("Unable to find key \(token) in document")
            }
        }
        return node
    }

    private static func add(_ value: JSONValue, at path: [String], in doc: inout JSONValue, replacing: Bool = false) throws(Failure) {
        guard let last = path.last else {
            doc = value
            return
        }
        try modify(Array(path.dropLast()), in: &doc) { (parent: inout JSONValue) throws(Failure) in
            switch parent {
            case .object(var o):
                o[last] = value
                parent = .object(o)
            case .array(var a):
                if last == "-" {
                    a.append(value)
                } else {
                    guard let i = Int(last), i >= 0, i <= a.count else { throw Failure("add operation does not apply: doc is missing path: \"/\(path.joined(separator: "/"))\": missing value") }
                    a.insert(value, at: i)
                }
                parent = .array(a)
            default:
                throw Failure("add operation does not apply: doc is missing path: \"/\(path.joined(separator: "/"))\": missing value")
            }
        }
    }

    private static func remove(at path: [String], in doc: inout JSONValue) throws(Failure) -> JSONValue {
        guard let last = path.last else {
            let old = doc
            doc = .null
            return old
        }
        var removed: JSONValue = .null
        let missing = "remove operation does not apply: doc is missing path: \"/\(path.joined(separator: "/"))\": missing value"
        try modify(Array(path.dropLast()), in: &doc) { (parent: inout JSONValue) throws(Failure) in
            switch parent {
            case .object(var o):
                guard let v = o.removeValue(forKey: last) else { throw Failure(missing) }
                removed = v
                parent = .object(o)
            case .array(var a):
                guard let i = Int(last), i >= 0, i < a.count else { throw Failure(missing) }
                removed = a.remove(at: i)
                parent = .array(a)
            default:
                throw Failure(missing)
            }
        }
        return removed
    }

    private static func modify(_ path: [String], in doc: inout JSONValue, _ body: (inout JSONValue) throws(Failure) -> Void) throws(Failure) {
        guard let first = path.first else {
            try body(&doc)
            return
        }
        let rest = Array(path.dropFirst())
        let missing = "doc is missing path: \"/\(path.joined(separator: "/"))\""
        switch doc {
        case .object(var o):
            guard var child = o[first] else { throw Failure(missing) }
            o[first] = nil
            try modify(rest, in: &child, body)
            o[first] = child
            doc = .object(o)
        case .array(var a):
            guard let i = Int(first), i >= 0, i < a.count else { throw Failure(missing) }
            var child = a[i]
            try modify(rest, in: &child, body)
            a[i] = child
            doc = .array(a)
        default:
            throw Failure(missing)
        }
    }
}
