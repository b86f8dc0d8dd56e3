import KubernetesModel

/// A custom resource's values checked against its CRD openAPIV3Schema (type, enum, bounds,
/// required, lengths, patterns, item counts), with the real server's cause wording.
struct CustomResourceValidation {
    private(set) var causes: [KubeStatus.Cause] = []

    static func causes(_ object: JSONValue, schema: JSONValue) -> [KubeStatus.Cause] {
        var v = CustomResourceValidation()
        if case .object(let o) = object {
            for (key, value) in o where !["apiVersion", "kind", "metadata"].contains(key) {
                if let property = schema["properties"][key].objectValue.map(JSONValue.object) {
                    v.validate(value, property, path: key)
                }
            }
            for required in schema["required"].arrayValue?.compactMap(\.stringValue) ?? [] where o[required] == nil {
                v.causes.append(.init(reason: "FieldValueRequired", message: "Required value", field: required))
            }
        }
        return v.causes.sorted { ($0.field ?? "") < ($1.field ?? "") }
    }

    private mutating func invalid(_ path: String, _ value: JSONValue, _ message: String) {
        causes.append(.init(reason: "FieldValueInvalid", message: "Invalid value: \(Self.goValue(value)): \(message)", field: path))
    }

    private mutating func validate(_ value: JSONValue, _ schema: JSONValue, path: String) {
        if value.isNull {
            if schema["nullable"].boolValue != true, !schema["type"].isNull {
                causes.append(.init(reason: "FieldValueTypeInvalid", message: "Invalid value: \"null\": \(path) in body must be of type \(schema["type"].stringValue ?? "object"): \"null\"", field: path))
            }
            return
        }
        if schema["x-kubernetes-int-or-string"].boolValue == true {
            switch value { case .int, .string: break; default:
                causes.append(.init(reason: "FieldValueTypeInvalid", message: "Invalid value: \"\(Self.jsonType(value))\": \(path) in body must be of type integer,string: \"\(Self.jsonType(value))\"", field: path))
            }
            return
        }
        if let type = schema["type"].stringValue, !Self.matches(value, type) {
            causes.append(.init(reason: "FieldValueTypeInvalid", message: "Invalid value: \"\(Self.jsonType(value))\": \(path) in body must be of type \(type): \"\(Self.jsonType(value))\"", field: path))
            return
        }
        if case .array(let allowed) = schema["enum"], !allowed.contains(value) {
            let list = allowed.map { Self.goValue($0) }.joined(separator: ", ")
            causes.append(.init(reason: "FieldValueNotSupported", message: "Unsupported value: \(Self.goValue(value)): supported values: \(list)", field: path))
        }
        if let number = value.doubleValue {
            if let minimum = schema["minimum"].doubleValue {
                let exclusive = schema["exclusiveMinimum"].boolValue == true
                if exclusive ? number <= minimum : number < minimum {
                    invalid(path, value, "\(path) in body should be greater than \(exclusive ? "" : "or equal to ")\(Self.number(schema["minimum"]))")
                }
            }
            if let maximum = schema["maximum"].doubleValue {
                let exclusive = schema["exclusiveMaximum"].boolValue == true
                if exclusive ? number >= maximum : number > maximum {
                    invalid(path, value, "\(path) in body should be less than \(exclusive ? "" : "or equal to ")\(Self.number(schema["maximum"]))")
                }
            }
        }
        if case .string(let s) = value {
            if let min = schema["minLength"].intValue, s.count < min { invalid(path, value, "\(path) in body should be at least \(min) chars long") }
            if let max = schema["maxLength"].intValue, s.count > max { invalid(path, value, "\(path) in body should be at most \(max) chars long") }
            if let pattern = schema["pattern"].stringValue, let regex = try? Regex(pattern), (try? regex.firstMatch(in: s)) == nil {
                invalid(path, value, "\(path) in body should match '\(pattern)'")
            }
        }
        switch value {
        case .object(let o):
            let properties = schema["properties"].objectValue ?? [:]
            for (key, child) in o {
                if let p = properties[key] {
                    validate(child, p, path: "\(path).\(key)")
                } else if case .object = schema["additionalProperties"] {
                    validate(child, schema["additionalProperties"], path: "\(path).\(key)")
                }
            }
            for required in schema["required"].arrayValue?.compactMap(\.stringValue) ?? [] where o[required] == nil {
                causes.append(.init(reason: "FieldValueRequired", message: "Required value", field: "\(path).\(required)"))
            }
        case .array(let items):
            if let min = schema["minItems"].intValue, items.count < min { invalid(path, value, "\(path) in body should have at least \(min) items") }
            if let max = schema["maxItems"].intValue, items.count > max { invalid(path, value, "\(path) in body should have at most \(max) items") }
            if !schema["items"].isNull {
                for (i, item) in items.enumerated() { validate(item, schema["items"], path: "\(path)[\(i)]") }
            }
        default: break
        }
    }

    static func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("integer", .int), ("number", .int), ("number", .double): return true
        case ("integer", .double(let d)): return d.rounded() == d
        default: return false
        }
    }

    static func jsonType(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// A value as Go's `%#v`-ish formatting prints it in field errors (strings quoted).
    static func goValue(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return "\"\(s)\""
        case .int(let i): return String(i)
        case .double(let d): return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): return String(b)
        default: return value.jsonString()
        }
    }

    static func number(_ value: JSONValue) -> String { goValue(value) }
}
