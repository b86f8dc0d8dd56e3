import KubernetesModel

/// A node of a parsed YAML file with what is needed to report a problem at it: the file, and
/// the line of the node (from the parser's per-path line table).
struct YAMLNode: Sendable {
    let value: JSONValue
    let path: [String]
    let document: YAMLDocument
    let file: String

    init(document: YAMLDocument, file: String) {
        self.value = document.value
        self.path = []
        self.document = document
        self.file = file
    }

    private init(value: JSONValue, path: [String], document: YAMLDocument, file: String) {
        self.value = value
        self.path = path
        self.document = document
        self.file = file
    }

    var line: Int { document.line(of: path) }

    /// The dotted path for messages (`values.properties.port`).
    var dottedPath: String { path.joined(separator: ".") }

    func child(_ key: String) -> YAMLNode? {
        guard case .object(let o) = value, let v = o[key] else { return nil }
        return YAMLNode(value: v, path: path + [key], document: document, file: file)
    }

    var elements: [YAMLNode] {
        guard case .array(let a) = value else { return [] }
        return a.indices.map { YAMLNode(value: a[$0], path: path + [String($0)], document: document, file: file) }
    }

    /// Members in key order.
    var members: [(key: String, node: YAMLNode)] {
        guard case .object(let o) = value else { return [] }
        return o.keys.sorted().map { ($0, YAMLNode(value: o[$0]!, path: path + [$0], document: document, file: file)) }
    }

    /// The single document of a configuration file; reports invalid YAML and extra documents.
    static func single(text: String, file: String, diagnostics: inout Diagnostics) -> YAMLNode? {
        guard let docs = documents(text: text, file: file, diagnostics: &diagnostics) else { return nil }
        if docs.count > 1 {
            diagnostics.add(.invalidYAML, file: file, line: docs[1].line, "expected one YAML document, found \(docs.count)")
        }
        if docs.isEmpty {
            diagnostics.add(.invalidYAML, file: file, line: nil, "the file is empty")
        }
        return docs.first
    }

    /// Reads every document of a file; reports unreadable or invalid YAML.
    static func documents(text: String, file: String, diagnostics: inout Diagnostics) -> [YAMLNode]? {
        do {
            return try YAML.documents(in: text, file: file).map { YAMLNode(document: $0, file: file) }
        } catch {
            diagnostics.add(.invalidYAML, file: file, line: error.line, "invalid YAML: \(error.reason)")
            return nil
        }
    }
}

/// Reads the fields of one mapping, reporting wrong types, missing required fields and, at
/// `finish()`, every field that was not read (unknown fields are usually typos).
struct FieldReader {
    let node: YAMLNode
    private var seen: Set<String> = []
    private let what: String

    /// `what` names the mapping in messages ("addon", "health rule").
    init?(_ node: YAMLNode, what: String, diagnostics: inout Diagnostics) {
        guard case .object = node.value else {
            diagnostics.add(.invalidField, file: node.file, line: node.line, "\(what) must be a mapping, got \(node.value.typeName)")
            return nil
        }
        self.node = node
        self.what = what
    }

    private func describe(_ key: String) -> String {
        node.path.isEmpty ? key : node.dottedPath + "." + key
    }

    mutating func optional(_ key: String) -> YAMLNode? {
        seen.insert(key)
        guard let child = node.child(key), !child.value.isNull else { return nil }
        return child
    }

    mutating func required(_ key: String, diagnostics: inout Diagnostics) -> YAMLNode? {
        guard let child = optional(key) else {
            diagnostics.add(.missingField, file: node.file, line: node.line, "\(what): missing required field \"\(describe(key))\"")
            return nil
        }
        return child
    }

    mutating func string(_ key: String, required: Bool, diagnostics: inout Diagnostics) -> String? {
        guard let child = required ? self.required(key, diagnostics: &diagnostics) : optional(key) else { return nil }
        guard let s = child.value.stringValue else {
            diagnostics.add(.invalidField, file: child.file, line: child.line, "\(describe(key)): expected a string, got \(child.value.typeName) \(child.value.jsonString())")
            return nil
        }
        return s
    }

    mutating func int(_ key: String, diagnostics: inout Diagnostics) -> Int? {
        guard let child = optional(key) else { return nil }
        guard case .int(let i) = child.value else {
            diagnostics.add(.invalidField, file: child.file, line: child.line, "\(describe(key)): expected an integer, got \(child.value.typeName) \(child.value.jsonString())")
            return nil
        }
        return Int(i)
    }

    mutating func bool(_ key: String, diagnostics: inout Diagnostics) -> Bool? {
        guard let child = optional(key) else { return nil }
        guard case .bool(let b) = child.value else {
            diagnostics.add(.invalidField, file: child.file, line: child.line, "\(describe(key)): expected true or false, got \(child.value.typeName) \(child.value.jsonString())")
            return nil
        }
        return b
    }

    mutating func strings(_ key: String, diagnostics: inout Diagnostics) -> [String]? {
        guard let child = optional(key) else { return nil }
        guard case .array(let items) = child.value else {
            diagnostics.add(.invalidField, file: child.file, line: child.line, "\(describe(key)): expected a list of strings, got \(child.value.typeName)")
            return nil
        }
        var result: [String] = []
        for (i, item) in items.enumerated() {
            guard let s = item.stringValue else {
                let element = child.elements[i]
                diagnostics.add(.invalidField, file: child.file, line: element.line, "\(describe(key))[\(i)]: expected a string, got \(item.typeName) \(item.jsonString())")
                continue
            }
            result.append(s)
        }
        return result
    }

    mutating func stringMap(_ key: String, diagnostics: inout Diagnostics) -> [String: String]? {
        guard let child = optional(key) else { return nil }
        guard case .object(let o) = child.value else {
            diagnostics.add(.invalidField, file: child.file, line: child.line, "\(describe(key)): expected a mapping of strings, got \(child.value.typeName)")
            return nil
        }
        var result: [String: String] = [:]
        for (k, v) in o {
            guard let s = v.stringValue else {
                diagnostics.add(.invalidField, file: child.file, line: child.child(k)?.line, "\(describe(key)).\(k): expected a string, got \(v.typeName) \(v.jsonString())")
                continue
            }
            result[k] = s
        }
        return result
    }

    /// Reports every field present in the mapping that was not read.
    func finish(diagnostics: inout Diagnostics) {
        for (key, child) in node.members where !seen.contains(key) {
            let known = seen.sorted().joined(separator: ", ")
            diagnostics.add(.unknownField, file: node.file, line: child.line, "\(what): unknown field \"\(describe(key))\" (known fields: \(known))")
        }
    }
}
