import KubernetesModel

/// A custom resource's values checked against its CRD openAPIV3Schema as kube-openapi's schema
/// validator does it on v1.24 (type, enum, bounds, `multipleOf`, required, lengths, patterns,
/// `format`, item and property counts, `allOf`/`anyOf`/`oneOf`/`not`), then the list types
/// (`CustomResourceListValidation`), with the real server's cause wording. A composition's own
/// error is not a field error on the server (it goes through `field.Invalid(nil, "", …)`), so
/// its field prints as `<nil>`.
struct CustomResourceValidation {
    /// A resource's fields the server fills and checks itself, not through the schema.
    static let resourceMetaFields: Set<String> = ["apiVersion", "kind", "metadata"]

    private(set) var causes: [KubeStatus.Cause] = []
    /// Each `pattern` compiled once per validation (an array of strings under one pattern
    /// would otherwise compile it for every item); nil: Swift cannot compile it.
    private var compiledPatterns: [String: Regex<AnyRegexOutput>?] = [:]

    static func causes(_ object: JSONValue, schema: JSONValue) -> [KubeStatus.Cause] {
        var v = CustomResourceValidation()
        if case .object(let o) = object {
            v.validateFields(of: o, schema, path: "", skipping: resourceMetaFields)
            v.compositions(object, schema, path: "")
        }
        // By field, and for one field in the order found (properties are walked in sorted order;
        // the server walks them in Go's map order).
        let sorted = v.causes.enumerated().sorted { ($0.element.field ?? "", $0.offset) < ($1.element.field ?? "", $1.offset) }.map(\.element)
        return sorted + CustomResourceListValidation.causes(object, schema: schema)
    }

    /// A value checked against one schema node, as `ValidateCustomResource(fieldPrefix, value, …)`
    /// reports it: messages name paths inside the value (`""` for the value itself, so a type
    /// error reads ` in body must be of type …`), fields start at `fieldPrefix`.
    static func valueCauses(_ value: JSONValue, schema: JSONValue, fieldPrefix: String) -> [KubeStatus.Cause] {
        var v = CustomResourceValidation()
        v.validate(value, schema, path: "")
        return v.causes.map { cause in
            var c = cause
            let field = cause.field ?? ""
            c.field = field.isEmpty || field == "<nil>" ? fieldPrefix : "\(fieldPrefix).\(field)"
            return c
        }
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
        compositions(value, schema, path: path)
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
            if let factor = schema["multipleOf"].doubleValue, factor > 0 {
                // go-openapi's MultipleOf: the quotient (or, for factors below 1, the product with
                // the inverse) must be a JSON integer (within ±2^53; later swag versions allow a
                // small relative error, which v1.24's may not: not reproduced).
                let quotient = factor < 1 ? (1 / factor) * number : number / factor
                if !(quotient.isFinite && quotient.rounded() == quotient && abs(quotient) <= 9_007_199_254_740_992) {
                    invalid(path, value, "\(path) in body should be a multiple of \(Self.number(schema["multipleOf"]))")
                }
            }
        }
        if case .string(let s) = value {
            if let min = schema["minLength"].intValue, s.count < min { invalid(path, value, "\(path) in body should be at least \(min) chars long") }
            if let max = schema["maxLength"].intValue, s.count > max { invalid(path, value, "\(path) in body should be at most \(max) chars long") }
            if let pattern = schema["pattern"].stringValue, let regex = compiled(pattern), (try? regex.firstMatch(in: s)) == nil {
                invalid(path, value, "\(path) in body should match '\(pattern)'")
            }
            if let format = schema["format"].stringValue, SchemaStringFormat.accepts(format, s) == false {
                causes.append(.init(reason: "FieldValueTypeInvalid",
                                    message: "Invalid value: \(Self.goValue(value)): \(path) in body must be of type \(format): \(GoSyntax.quote(s))", field: path))
            }
        }
        switch value {
        case .object(let o):
            validateFields(of: o, schema, path: path)
        case .array(let items):
            if let min = schema["minItems"].intValue, items.count < min { invalid(path, value, "\(path) in body should have at least \(min) items") }
            if let max = schema["maxItems"].intValue, items.count > max { invalid(path, value, "\(path) in body should have at most \(max) items") }
            if !schema["items"].isNull {
                for (i, item) in items.enumerated() { validate(item, schema["items"], path: "\(path)[\(i)]") }
            }
        default: break
        }
    }

    /// An object's fields against their schemas, its required fields, and its property counts
    /// (`minProperties`/`maxProperties`: the server prints the bound as the value). `skipping`:
    /// fields not checked here (a resource's apiVersion, kind and metadata).
    private mutating func validateFields(of o: [String: JSONValue], _ schema: JSONValue, path: String, skipping: Set<String> = []) {
        for field in Self.fields(of: o, schema: schema, skipping: skipping) { validate(field.value, field.schema, path: Self.join(path, field.key)) }
        for required in schema["required"].arrayValue?.compactMap(\.stringValue) ?? [] where o[required] == nil {
            causes.append(.init(reason: "FieldValueRequired", message: "Required value", field: Self.join(path, required)))
        }
        if let max = schema["maxProperties"].intValue, o.count > max {
            invalid(path, .int(Int64(max)), "\(path) in body should have at most \(max) properties")
        }
        if let min = schema["minProperties"].intValue, o.count < min {
            invalid(path, .int(Int64(min)), "\(path) in body should have at least \(min) properties")
        }
    }

    /// `anyOf`, `oneOf`, `allOf` and `not` as kube-openapi's schema-props validator runs them: a
    /// failed `anyOf` or `oneOf` reports its own error and the errors of the failing branch with
    /// the fewest errors (upstream keeps the branch with the most passed checks; the two agree
    /// on the common one-check branches), `allOf` every branch's errors.
    private mutating func compositions(_ value: JSONValue, _ schema: JSONValue, path: String) {
        func branchCauses(_ branch: JSONValue) -> [KubeStatus.Cause] {
            var inner = CustomResourceValidation()
            inner.validate(value, branch, path: path)
            return inner.causes
        }
        func composite(_ message: String) {
            causes.append(.init(reason: "FieldValueInvalid", message: "Invalid value: \"\": \(GoSyntax.quote(path)) \(message)", field: "<nil>"))
        }
        if case .array(let branches) = schema["anyOf"], !branches.isEmpty {
            let results = branches.map(branchCauses)
            if !results.contains(where: \.isEmpty) {
                composite("must validate at least one schema (anyOf)")
                causes += results.min { $0.count < $1.count } ?? []
            }
        }
        if case .array(let branches) = schema["oneOf"], !branches.isEmpty {
            let results = branches.map(branchCauses)
            let valid = results.filter(\.isEmpty).count
            if valid != 1 {
                composite("must validate one and only one schema (oneOf). " + (valid == 0 ? "Found none valid" : "Found \(valid) valid alternatives"))
                if valid == 0 { causes += results.min { $0.count < $1.count } ?? [] }
            }
        }
        if case .array(let branches) = schema["allOf"], !branches.isEmpty {
            let results = branches.map(branchCauses)
            for result in results { causes += result }
            let valid = results.filter(\.isEmpty).count
            if valid != branches.count { composite("must validate all the schemas (allOf)" + (valid == 0 ? ". None validated" : "")) }
        }
        if case .object = schema["not"], branchCauses(schema["not"]).isEmpty {
            composite("must not validate the schema (not)")
        }
    }

    /// A CRD pattern on Swift's engine, set to behave as Go's RE2 does: `\d`, `\w`, `\s` and the
    /// POSIX classes ASCII only, `.` and classes matching code points. Nil for the rare pattern Go
    /// compiles and Swift does not: it is then not checked.
    static func goLikeRegex(_ pattern: String) -> Regex<AnyRegexOutput>? {
        (try? Regex(pattern))?.asciiOnlyCharacterClasses().matchingSemantics(RegexSemanticLevel.unicodeScalar)
    }

    private mutating func compiled(_ pattern: String) -> Regex<AnyRegexOutput>? {
        if let known = compiledPatterns[pattern] { return known }
        let regex = Self.goLikeRegex(pattern)
        compiledPatterns[pattern] = .some(regex)
        return regex
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// An object value's fields (in key order) with the schema each falls under: its property's,
    /// else `additionalProperties`'; fields under neither are left out.
    static func fields(of object: [String: JSONValue], schema: JSONValue,
                       skipping: Set<String> = []) -> [(key: String, value: JSONValue, schema: JSONValue, isAdditional: Bool)] {
        let properties = schema["properties"].objectValue ?? [:]
        return object.keys.sorted().compactMap { key in
            guard !skipping.contains(key), let value = object[key] else { return nil }
            if let property = properties[key] { return (key, value, property, false) }
            if case .object = schema["additionalProperties"] { return (key, value, schema["additionalProperties"], true) }
            return nil
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
        case .double, .bool: return GoSyntax.interfaceValue(value)
        default: return value.jsonString()
        }
    }

    static func number(_ value: JSONValue) -> String { goValue(value) }
}
