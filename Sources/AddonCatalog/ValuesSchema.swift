import Foundation
import KubernetesModel

/// The JSON-Schema subset an addon uses to describe its values: `type`, `properties`,
/// `required`, `additionalProperties`, `enum`, `default`, `items`, `minimum`/`maximum`,
/// `minLength`/`maxLength`, `pattern`, `format` (`hostname`, `uri`, `cidr`, `duration`,
/// `quantity`) and `description`.
public final class ValuesSchema: Sendable {
    public enum ValueType: String, Sendable, CaseIterable {
        case string, integer, number, boolean, object, array, null
    }

    /// Allowed types (empty: any).
    public let types: [ValueType]
    public let description: String?
    public let properties: [String: ValuesSchema]
    public let required: [String]
    /// nil: any extra property is allowed; a schema: extra properties must match it.
    public let additionalProperties: AdditionalProperties
    public let enumValues: [JSONValue]?
    public let defaultValue: JSONValue?
    public let items: ValuesSchema?
    public let minimum: Double?
    public let maximum: Double?
    public let minLength: Int?
    public let maxLength: Int?
    public let pattern: String?
    public let format: String?

    public enum AdditionalProperties: Sendable {
        case allowed
        case forbidden
        case schema(ValuesSchema)
    }

    init(types: [ValueType] = [], description: String? = nil, properties: [String: ValuesSchema] = [:], required: [String] = [],
         additionalProperties: AdditionalProperties = .allowed, enumValues: [JSONValue]? = nil, defaultValue: JSONValue? = nil,
         items: ValuesSchema? = nil, minimum: Double? = nil, maximum: Double? = nil, minLength: Int? = nil, maxLength: Int? = nil,
         pattern: String? = nil, format: String? = nil) {
        self.types = types
        self.description = description
        self.properties = properties
        self.required = required
        self.additionalProperties = additionalProperties
        self.enumValues = enumValues
        self.defaultValue = defaultValue
        self.items = items
        self.minimum = minimum
        self.maximum = maximum
        self.minLength = minLength
        self.maxLength = maxLength
        self.pattern = pattern
        self.format = format
    }

    /// A schema accepting anything (an addon without values).
    public static let any = ValuesSchema(types: [.object])

    static let formats: Set<String> = ["hostname", "uri", "cidr", "duration", "quantity", "ip"]

    // MARK: - Reading

    /// Reads a schema; problems go to `diagnostics`.
    static func read(_ node: YAMLNode, diagnostics: inout Diagnostics) -> ValuesSchema? {
        guard var reader = FieldReader(node, what: "values schema", diagnostics: &diagnostics) else { return nil }
        var types: [ValueType] = []
        if let typeNode = reader.optional("type") {
            let names: [JSONValue] = typeNode.value.arrayValue ?? [typeNode.value]
            for name in names {
                if let s = name.stringValue, let t = ValueType(rawValue: s) {
                    types.append(t)
                } else {
                    diagnostics.add(.invalidField, file: node.file, line: typeNode.line, "\(typeNode.dottedPath): unknown type \(name.jsonString()) (one of: \(ValueType.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            }
        }
        let description = reader.string("description", required: false, diagnostics: &diagnostics)
        var properties: [String: ValuesSchema] = [:]
        if let propertiesNode = reader.optional("properties") {
            if case .object = propertiesNode.value {
                for (key, child) in propertiesNode.members {
                    if let schema = read(child, diagnostics: &diagnostics) { properties[key] = schema }
                }
            } else {
                diagnostics.add(.invalidField, file: node.file, line: propertiesNode.line, "\(propertiesNode.dottedPath): expected a mapping of property schemas")
            }
        }
        let required = reader.strings("required", diagnostics: &diagnostics) ?? []
        for name in required where properties[name] == nil {
            diagnostics.add(.invalidField, file: node.file, line: reader.node.child("required")?.line, "\(reader.node.dottedPath).required: \"\(name)\" is not a declared property")
        }
        var additional: AdditionalProperties = .allowed
        if let additionalNode = reader.optional("additionalProperties") {
            switch additionalNode.value {
            case .bool(let b): additional = b ? .allowed : .forbidden
            case .object: if let s = read(additionalNode, diagnostics: &diagnostics) { additional = .schema(s) }
            default: diagnostics.add(.invalidField, file: node.file, line: additionalNode.line, "\(additionalNode.dottedPath): expected true, false or a schema")
            }
        }
        let enumValues = reader.optional("enum").map { $0.value.arrayValue ?? [$0.value] }
        var defaultValue: JSONValue? = reader.optional("default")?.value
        if defaultValue == Optional<JSONValue>.none, node.child("default")?.value.isNull == true { defaultValue = .some(.null) }
        let items = reader.optional("items").flatMap { read($0, diagnostics: &diagnostics) }
        func number(_ key: String, _ reader: inout FieldReader) -> Double? {
            guard let n = reader.optional(key) else { return nil }
            guard let d = n.value.doubleValue else {
                diagnostics.add(.invalidField, file: node.file, line: n.line, "\(n.dottedPath): expected a number")
                return nil
            }
            return d
        }
        let minimum = number("minimum", &reader)
        let maximum = number("maximum", &reader)
        let minLength = reader.int("minLength", diagnostics: &diagnostics)
        let maxLength = reader.int("maxLength", diagnostics: &diagnostics)
        let pattern = reader.string("pattern", required: false, diagnostics: &diagnostics)
        if let pattern, (try? NSRegularExpression(pattern: pattern)) == nil {
            diagnostics.add(.invalidField, file: node.file, line: reader.node.child("pattern")?.line, "\(reader.node.dottedPath).pattern: not a valid regular expression: \(pattern)")
        }
        let format = reader.string("format", required: false, diagnostics: &diagnostics)
        if let format, !formats.contains(format) {
            diagnostics.add(.invalidField, file: node.file, line: reader.node.child("format")?.line, "\(reader.node.dottedPath).format: unknown format \"\(format)\" (one of: \(formats.sorted().joined(separator: ", ")))")
        }
        reader.finish(diagnostics: &diagnostics)
        return ValuesSchema(types: types, description: description, properties: properties, required: required,
                            additionalProperties: additional, enumValues: enumValues, defaultValue: defaultValue, items: items,
                            minimum: minimum, maximum: maximum, minLength: minLength, maxLength: maxLength, pattern: pattern, format: format)
    }

    // MARK: - Defaults

    /// The value made of the defaults alone (objects get their properties' defaults).
    public var defaults: JSONValue { applyingDefaults(to: nil) ?? .emptyObject }

    /// `value` with every absent property that has a default filled in, recursively; an absent
    /// object property without a default of its own is created when its properties have defaults.
    public func applyingDefaults(to value: JSONValue?) -> JSONValue? {
        var current = value ?? defaultValue
        if case .none = current, !properties.isEmpty, types.isEmpty || types.contains(.object) {
            current = .emptyObject
        }
        guard var result = current else { return nil }
        if case .object(var o) = result {
            for (key, schema) in properties {
                if let filled = schema.applyingDefaults(to: o[key]) { o[key] = filled }
            }
            if case .schema(let extra) = additionalProperties {
                for key in o.keys where properties[key] == nil {
                    if let filled = extra.applyingDefaults(to: o[key]) { o[key] = filled }
                }
            }
            result = .object(o)
            if o.isEmpty, case .none = value, case .none = defaultValue, properties.values.allSatisfy({ if case .none = $0.applyingDefaults(to: nil) { return true } else { return false } }) {
                return nil
            }
        } else if case .array(let a) = result, let items {
            result = .array(a.map { items.applyingDefaults(to: $0) ?? $0 })
        }
        return result
    }

    // MARK: - Validation

    /// Every violation, each `path: problem` (`values.elasticsearch.port: expected integer, got "abc"`).
    public func validate(_ value: JSONValue, path: String = "values") -> [String] {
        var problems: [String] = []
        validate(value, path: path, into: &problems)
        return problems
    }

    private func matches(_ type: ValueType, _ value: JSONValue) -> Bool {
        switch (type, value) {
        case (.string, .string), (.boolean, .bool), (.object, .object), (.array, .array), (.null, .null), (.integer, .int): return true
        case (.number, .int), (.number, .double): return true
        case (.integer, .double(let d)): return d.rounded() == d
        default: return false
        }
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .object: return "object"
        case .array: return "array"
        default:
            let text = value.jsonString()
            return text.count > 60 ? String(text.prefix(57)) + "..." : text
        }
    }

    private func validate(_ value: JSONValue, path: String, into problems: inout [String]) {
        if !types.isEmpty, !types.contains(where: { matches($0, value) }) {
            let expected = types.map(\.rawValue).joined(separator: " or ")
            problems.append("\(path): expected \(expected), got \(Self.describe(value))")
            return
        }
        if let enumValues, !enumValues.contains(value) {
            problems.append("\(path): \(Self.describe(value)) is not one of \(enumValues.map { $0.jsonString() }.joined(separator: ", "))")
        }
        switch value {
        case .int, .double:
            let d = value.doubleValue!
            if let minimum, d < minimum { problems.append("\(path): \(Self.describe(value)) is less than the minimum \(JSONValue.double(minimum).jsonString())") }
            if let maximum, d > maximum { problems.append("\(path): \(Self.describe(value)) is greater than the maximum \(JSONValue.double(maximum).jsonString())") }
        case .string(let s):
            if let minLength, s.count < minLength { problems.append("\(path): shorter than \(minLength) characters") }
            if let maxLength, s.count > maxLength { problems.append("\(path): longer than \(maxLength) characters") }
            if let pattern, let regex = try? NSRegularExpression(pattern: pattern),
               regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) == nil {
                problems.append("\(path): \(Self.describe(value)) does not match the pattern \(pattern)")
            }
            if let format, let problem = Self.check(format: format, s) {
                problems.append("\(path): \(Self.describe(value)) is not a valid \(format): \(problem)")
            }
        case .object(let o):
            for name in required where o[name] == nil {
                problems.append("\(path).\(name): required")
            }
            for key in o.keys.sorted() {
                let child = o[key]!
                if let schema = properties[key] {
                    schema.validate(child, path: "\(path).\(key)", into: &problems)
                } else {
                    switch additionalProperties {
                    case .allowed: break
                    case .forbidden:
                        let known = properties.keys.sorted().joined(separator: ", ")
                        problems.append("\(path).\(key): unknown property (known: \(known))")
                    case .schema(let schema): schema.validate(child, path: "\(path).\(key)", into: &problems)
                    }
                }
            }
        case .array(let a):
            if let items {
                for (i, element) in a.enumerated() { items.validate(element, path: "\(path)[\(i)]", into: &problems) }
            }
        default: break
        }
    }

    static func check(format: String, _ s: String) -> String? {
        switch format {
        case "hostname":
            let labels = s.split(separator: ".", omittingEmptySubsequences: false)
            if s.isEmpty || s.count > 253 { return "must be 1 to 253 characters" }
            for label in labels {
                if label.isEmpty || label.count > 63 { return "each dot-separated label must be 1 to 63 characters" }
                if !label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) || label.first == "-" || label.last == "-" {
                    return "labels hold letters, digits and inner hyphens"
                }
            }
            return nil
        case "uri":
            guard let url = URL(string: s), let scheme = url.scheme, !scheme.isEmpty, url.host != nil else { return "expected scheme://host..." }
            return nil
        case "ip":
            return IPAddress.parse(s) == nil ? "expected an IPv4 or IPv6 address" : nil
        case "cidr":
            let parts = s.split(separator: "/")
            guard parts.count == 2, let bits = Int(parts[1]), let ip = IPAddress.parse(String(parts[0])) else { return "expected ADDRESS/PREFIX" }
            return (0...(ip.isV6 ? 128 : 32)).contains(bits) ? nil : "prefix length out of range"
        case "duration":
            return GoDuration.seconds(s) == nil ? "expected a duration such as 90s, 30m, 1h30m" : nil
        case "quantity":
            let pattern = #"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$"#
            return s.range(of: pattern, options: .regularExpression) == nil ? "expected a Kubernetes quantity such as 100m, 128Mi" : nil
        default:
            return nil
        }
    }
}

/// Minimal IP address syntax check for schema formats.
enum IPAddress {
    struct Parsed { var isV6: Bool }
    static func parse(_ s: String) -> Parsed? {
        if s.contains(":") {
            let groups = s.components(separatedBy: ":")
            guard groups.count >= 3, groups.count <= 8 else { return nil }
            guard groups.allSatisfy({ $0.count <= 4 && $0.allSatisfy(\.isHexDigit) }) else { return nil }
            return Parsed(isV6: true)
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ p in !p.isEmpty && p.count <= 3 && Int(p).map { (0...255).contains($0) } == true }) else { return nil }
        return Parsed(isV6: false)
    }
}

/// Go-style durations (`90s`, `30m`, `1h30m`, `48h`), the form Kubernetes uses.
public enum GoDuration {
    /// The duration in seconds; nil when malformed.
    public static func seconds(_ text: String) -> Double? {
        guard !text.isEmpty else { return nil }
        if text == "0" { return 0 }
        var total = 0.0
        var number = ""
        var unit = ""
        var sawAny = false
        func flush() -> Bool {
            guard let n = Double(number) else { return false }
            let factor: Double
            switch unit {
            case "ns": factor = 1e-9
            case "us", "µs": factor = 1e-6
            case "ms": factor = 1e-3
            case "s": factor = 1
            case "m": factor = 60
            case "h": factor = 3600
            default: return false
            }
            total += n * factor
            number = ""
            unit = ""
            sawAny = true
            return true
        }
        for c in text {
            if c.isNumber || c == "." {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(c)
            } else {
                guard !number.isEmpty else { return nil }
                unit.append(c)
            }
        }
        guard flush(), sawAny else { return nil }
        return total
    }
}
