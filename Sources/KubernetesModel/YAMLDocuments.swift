import Foundation
import Yams

/// One document of a multi-document YAML stream, converted to JSON the way the Kubernetes API
/// server and kubectl read YAML (YAML 1.1 scalars: `yes`/`no`/`on`/`off`/`y`/`n` are booleans,
/// `1.10` is the number 1.1, `0755` is octal).
public struct YAMLDocument: Sendable {
    /// The document's value.
    public var value: JSONValue
    /// Line (1-based) where the document's content starts.
    public var line: Int
    /// Position of the document in the stream, counting from 0 (empty documents included).
    public var index: Int
    /// Line of every node, by JSON-pointer-like path ("/metadata/name", "/spec/containers/0").
    public var lines: [String: Int]

    /// The line of the node at `path`, or of its nearest ancestor that has one.
    public func line(of path: [String]) -> Int {
        var components = path
        while true {
            let key = "/" + components.joined(separator: "/")
            if let line = lines[components.isEmpty ? "" : key] { return line }
            if components.isEmpty { return line }
            components.removeLast()
        }
    }
}

/// YAML that could not be read: where, and why.
public struct YAMLParseError: Error, CustomStringConvertible, Sendable {
    public var file: String?
    public var line: Int?
    public var column: Int?
    public var reason: String

    public init(file: String?, line: Int?, column: Int?, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String {
        var location = file ?? "<input>"
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return "\(location): invalid YAML: \(reason)"
    }
}

public enum YAML {
    /// Parses every non-empty document of a YAML stream.
    public static func documents(in text: String, file: String? = nil) throws(YAMLParseError) -> [YAMLDocument] {
        let parser: Parser
        do {
            parser = try Parser(yaml: text, resolver: .basic, constructor: .default, encoding: .utf8)
        } catch {
            throw convert(error, file: file)
        }
        var result: [YAMLDocument] = []
        var index = 0
        while true {
            let node: Node?
            do {
                node = try parser.nextRoot()
            } catch {
                throw convert(error, file: file)
            }
            guard let node else { break }
            defer { index += 1 }
            var lines: [String: Int] = [:]
            let value = try JSONConversion(file: file).convert(node, path: "", lines: &lines)
            if value.isNull { continue }  // an empty document ("---" alone, or only comments)
            result.append(YAMLDocument(value: value, line: node.mark?.line ?? 1, index: index, lines: lines))
        }
        return result
    }

    /// Parses a stream that must hold exactly one document (an empty stream is `null`).
    public static func parse(_ text: String, file: String? = nil) throws(YAMLParseError) -> JSONValue {
        let docs = try documents(in: text, file: file)
        guard docs.count <= 1 else {
            throw YAMLParseError(file: file, line: docs[1].line, column: nil, reason: "expected one document, found \(docs.count)")
        }
        return docs.first?.value ?? .null
    }

    /// Parses a body that must hold one YAML document. A body in JSON form (JSON is YAML; API
    /// clients send apply patches so) is read by the JSON parser, many times faster; anything
    /// the JSON parser refuses is read as YAML, with YAML's error messages.
    public static func parse(body: [UInt8], file: String? = nil) throws(YAMLParseError) -> JSONValue {
        if let first = body.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }), first == UInt8(ascii: "{"),
            let value = try? JSONValue.parse(body)
        {
            return value
        }
        return try parse(String(decoding: body, as: UTF8.self), file: file)
    }

    private static func convert(_ error: any Error, file: String?) -> YAMLParseError {
        if let yamlError = error as? YamlError {
            switch yamlError {
            case .scanner(let context, let problem, let mark, _):
                return YAMLParseError(file: file, line: mark.line, column: mark.column, reason: [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": "))
            case .parser(let context, let problem, let mark, _):
                return YAMLParseError(file: file, line: mark.line, column: mark.column, reason: [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": "))
            case .composer(let context, let problem, let mark, _):
                return YAMLParseError(file: file, line: mark.line, column: mark.column, reason: [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": "))
            default:
                return YAMLParseError(file: file, line: nil, column: nil, reason: "\(yamlError)")
            }
        }
        return YAMLParseError(file: file, line: nil, column: nil, reason: "\(error)")
    }
}

/// Node → JSONValue with YAML 1.1 scalar resolution (what go-yaml v2, used by the API server and
/// kubectl, does).
private struct JSONConversion {
    let file: String?

    func convert(_ node: Node, path: String, lines: inout [String: Int]) throws(YAMLParseError) -> JSONValue {
        if let line = node.mark?.line { lines[path] = line }
        switch node {
        case .scalar(let scalar):
            return try resolve(scalar, line: node.mark?.line)
        case .sequence(let sequence):
            var array: [JSONValue] = []
            array.reserveCapacity(sequence.count)
            for (i, element) in sequence.enumerated() {
                array.append(try convert(element, path: path + "/\(i)", lines: &lines))
            }
            return .array(array)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            var merged: [String: JSONValue] = [:]
            for (keyNode, valueNode) in mapping {
                let key: String
                switch keyNode {
                case .scalar(let s):
                    if s.style == .plain, s.string == "<<" {
                        // Merge key: later explicit keys win over merged ones.
                        var ignored: [String: Int] = [:]
                        let value = try convert(valueNode, path: path + "/<<", lines: &ignored)
                        let sources = value.arrayValue ?? [value]
                        for source in sources.reversed() {
                            for (k, v) in source.objectValue ?? [:] { merged[k] = v }
                        }
                        continue
                    }
                    let resolved = try resolve(s, line: keyNode.mark?.line)
                    switch resolved {
                    case .string(let str): key = str
                    case .null: key = "null"
                    case .bool(let b): key = b ? "true" : "false"
                    default: key = resolved.jsonString()
                    }
                default:
                    throw YAMLParseError(file: file, line: keyNode.mark?.line, column: keyNode.mark?.column, reason: "a mapping key must be a scalar")
                }
                if object[key] != nil {
                    throw YAMLParseError(file: file, line: keyNode.mark?.line, column: keyNode.mark?.column, reason: "mapping key \"\(key)\" already defined")
                }
                object[key] = try convert(valueNode, path: path + "/" + key, lines: &lines)
                // A member's line is its key's line (its value may start on the next one).
                if let line = keyNode.mark?.line { lines[path + "/" + key] = line }
            }
            for (k, v) in merged where object[k] == nil { object[k] = v }
            return .object(object)
        case .alias:
            throw YAMLParseError(file: file, line: node.mark?.line, column: node.mark?.column, reason: "unresolved alias")
        }
    }

    func resolve(_ scalar: Node.Scalar, line: Int?) throws(YAMLParseError) -> JSONValue {
        let text = scalar.string
        let tag = scalar.tag.description
        switch tag {
        case "tag:yaml.org,2002:null": return .null
        case "tag:yaml.org,2002:bool":
            if let b = YAMLScalar.bool(text) { return .bool(b) }
            throw YAMLParseError(file: file, line: line, column: nil, reason: "cannot read \"\(text)\" as !!bool")
        case "tag:yaml.org,2002:int":
            if let i = YAMLScalar.int(text) { return .int(i) }
            throw YAMLParseError(file: file, line: line, column: nil, reason: "cannot read \"\(text)\" as !!int")
        case "tag:yaml.org,2002:float":
            if let d = YAMLScalar.float(text) { return .double(d) }
            if let i = YAMLScalar.int(text) { return .double(Double(i)) }
            throw YAMLParseError(file: file, line: line, column: nil, reason: "cannot read \"\(text)\" as !!float")
        case "tag:yaml.org,2002:binary": return .string(text.filter { !$0.isWhitespace })
        default: break
        }
        guard scalar.style == .plain else { return .string(text) }
        return YAMLScalar.resolvePlain(text)
    }
}

/// YAML 1.1 plain-scalar resolution.
public enum YAMLScalar {
    public static func resolvePlain(_ text: String) -> JSONValue {
        if text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL" { return .null }
        if let b = bool(text) { return .bool(b) }
        if let first = text.utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) {
            if let i = int(text) { return .int(i) }
            if let d = float(text) { return .double(d) }
        }
        return .string(text)
    }

    /// Whether a plain (unquoted) scalar with this text would be read back as something other
    /// than this string: such strings must be quoted when written as YAML.
    public static func needsQuoting(_ text: String) -> Bool {
        if case .string(let s) = resolvePlain(text), s == text { return false }
        return true
    }

    public static func bool(_ text: String) -> Bool? {
        switch text {
        case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": return true
        case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": return false
        default: return nil
        }
    }

    public static func int(_ text: String) -> Int64? {
        var s = Substring(text)
        var negative = false
        if s.first == "+" || s.first == "-" {
            negative = s.first == "-"
            s = s.dropFirst()
        }
        guard !s.isEmpty, s.first!.isASCII, s.first!.isNumber else { return nil }
        let digits: Substring
        let radix: Int
        if s.hasPrefix("0b") {
            digits = s.dropFirst(2); radix = 2
        } else if s.hasPrefix("0x") {
            digits = s.dropFirst(2); radix = 16
        } else if s.hasPrefix("0o") {
            digits = s.dropFirst(2); radix = 8
        } else if s.count > 1, s.hasPrefix("0") {
            digits = s.dropFirst(); radix = 8
        } else if s.contains(":") {
            // Sexagesimal (190:20:30).
            var total: Int64 = 0
            for part in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard let v = Int64(part.replacingOccurrences(of: "_", with: "")), v >= 0 else { return nil }
                total = total * 60 + v
            }
            return negative ? -total : total
        } else {
            digits = s; radix = 10
        }
        let cleaned = digits.replacingOccurrences(of: "_", with: "")
        guard !cleaned.isEmpty, let v = Int64(cleaned, radix: radix) else { return nil }
        return negative ? -v : v
    }

    public static func float(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        // [-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)? (YAML 1.1), plus plain exponents.
        let cleaned = text.replacingOccurrences(of: "_", with: "")
        var sawDigit = false
        var sawDotOrExp = false
        for (i, c) in cleaned.enumerated() {
            switch c {
            case "0"..."9": sawDigit = true
            case ".", "e", "E": sawDotOrExp = true
            case "+", "-":
                if i != 0 {
                    let prev = cleaned[cleaned.index(cleaned.startIndex, offsetBy: i - 1)]
                    if prev != "e" && prev != "E" { return nil }
                }
            default: return nil
            }
        }
        guard sawDigit, sawDotOrExp else { return nil }
        return Double(cleaned)
    }
}
