import KubernetesModel

/// A CRD version's `openAPIV3Schema` as apiextensions checks it on a v1 CRD (v1.24): first the
/// OpenAPI walk (`ValidateCustomResourceDefinitionOpenAPISchema`: keywords CRDs do not support,
/// `uniqueItems`, `properties` with `additionalProperties`, the `x-kubernetes-*` extensions),
/// then — the schema being convertible — the structural rules (`ValidateStructural`: a type
/// everywhere, `items` for arrays, the root and embedded resources' `apiVersion`, `kind` and
/// `metadata`, what `allOf`/`anyOf`/`oneOf`/`not` may hold and that what they name exists),
/// whose errors the server sorts. A real server refuses a CRD that is not structural; a fake
/// that took it let a non-structural CRD ship.
///
/// Paths are the internal form's: `spec.validation.openAPIV3Schema` when every version has the
/// same schema, else `spec.versions[i].schema.openAPIV3Schema`; map keys print as `[key]`.
/// Properties are walked in sorted order (the server's order among them is Go's map order).
/// Then, the schema being structural, its defaults (`CustomResourceDefaultValidation`). Patterns
/// must compile as Go regular expressions (`GoRegexpSyntax`); defaults in the root's metadata,
/// kind and apiVersion are refused in the walk. Not checked: CEL rules (`x-kubernetes-validations`).
enum CustomResourceSchemaValidation {
    static let types = ["array", "boolean", "integer", "number", "object", "string"]

    static func errors(_ schema: JSONValue, at path: String, statusEnabled: Bool = false) -> FieldErrors {
        var errors = FieldErrors()
        let root = path
        if statusEnabled { StatusRootSchemaValidation.errors(schema, at: root, into: &errors) }
        if schema["nullable"].boolValue == true { errors.forbidden("\(root).nullable", "nullable cannot be true at the root") }
        var unconvertible = false
        openAPIErrors(schema, at: root, meta: .root, into: &errors, unconvertible: &unconvertible)
        // The structural form cannot hold what the walk refused (`$ref`, item arrays, ...): the
        // server then reports the walk's errors alone.
        guard !unconvertible else { return errors }
        var structural = FieldErrors()
        structuralErrors(schema, at: root, level: .root, into: &structural)
        completenessErrors(schema, at: root, into: &structural)
        let sorted = structural.causes.sorted { "\($0.field ?? ""): \($0.message ?? "")" < "\($1.field ?? ""): \($1.message ?? "")" }
        errors.append(causes: sorted)
        // Defaults are checked against a schema only once it is structural.
        if structural.isEmpty { errors.append(contentsOf: CustomResourceDefaultValidation.errors(schema, at: root)) }
        return errors
    }

    /// Where a node sits relative to resource metadata (the root's or an embedded resource's
    /// `apiVersion`, `kind` and `metadata`), which decides whether it may have a `default`.
    struct MetaContext {
        var isRoot = false
        var insideResourceMeta = false
        /// Why a default here is refused (`in top-level metadata`), if it is.
        var forbiddenDefaults: String?

        static let root = MetaContext(isRoot: true)

        func property(_ key: String, of node: JSONValue) -> MetaContext {
            var sub = MetaContext(insideResourceMeta: insideResourceMeta, forbiddenDefaults: forbiddenDefaults)
            if isRoot || node["x-kubernetes-embedded-resource"].boolValue == true, CustomResourceValidation.resourceMetaFields.contains(key) {
                sub.insideResourceMeta = true
                if isRoot { sub.forbiddenDefaults = "in top-level \(key)" }
            }
            return sub
        }

        var additionalProperties: MetaContext {
            var sub = MetaContext(insideResourceMeta: insideResourceMeta, forbiddenDefaults: forbiddenDefaults)
            if insideResourceMeta { sub.forbiddenDefaults = "inside additionalProperties applying to object metadata" }
            return sub
        }

        var nested: MetaContext { MetaContext(insideResourceMeta: insideResourceMeta, forbiddenDefaults: forbiddenDefaults) }
    }

    // MARK: The OpenAPI walk

    private static func openAPIErrors(_ node: JSONValue, at path: String, meta: MetaContext, into errors: inout FieldErrors, unconvertible: inout Bool) {
        guard case .object = node else { return }
        if !node["default"].isNull, let reason = meta.forbiddenDefaults { errors.forbidden("\(path).default", "must not be set \(reason)") }
        if node["x-kubernetes-embedded-resource"].boolValue == true, meta.insideResourceMeta {
            errors.forbidden("\(path).x-kubernetes-embedded-resource", "must not be used inside of resource meta")
        }
        for (key, detail) in [("id", "id is not supported"), ("additionalItems", "additionalItems is not supported"),
                              ("patternProperties", "patternProperties is not supported"), ("definitions", "definitions is not supported"),
                              ("dependencies", "dependencies is not supported"), ("$ref", "$ref is not supported")]
        where !node[key].isNull {
            errors.forbidden("\(path).\(key)", detail)
            unconvertible = true
        }
        if let type = node["type"].stringValue {
            if type == "null" { errors.forbidden("\(path).type", "type cannot be set to null, use nullable as an alternative") }
            if !type.isEmpty, !types.contains(type) { errors.notSupported("\(path).type", type, types) }
        }
        if case .array = node["items"] {
            errors.forbidden("\(path).items", "items must be a schema object and not an array")
            unconvertible = true
        }
        if node["uniqueItems"].boolValue == true {
            errors.forbidden("\(path).uniqueItems", "uniqueItems cannot be set to true since the runtime complexity becomes quadratic")
        }
        let properties = node["properties"].objectValue ?? [:]
        let additional = node["additionalProperties"]
        if !properties.isEmpty, additional.boolValue == false || additional.objectValue != nil {
            errors.forbidden("\(path).additionalProperties", "additionalProperties and properties are mutual exclusive")
        }
        if additional.objectValue != nil {
            openAPIErrors(additional, at: "\(path).additionalProperties", meta: meta.additionalProperties, into: &errors, unconvertible: &unconvertible)
        }
        for key in properties.keys.sorted() {
            openAPIErrors(properties[key] ?? .null, at: "\(path).properties[\(key)]", meta: meta.property(key, of: node), into: &errors, unconvertible: &unconvertible)
        }
        openAPIErrors(node["not"], at: "\(path).not", meta: meta.nested, into: &errors, unconvertible: &unconvertible)
        for combinator in ["allOf", "oneOf", "anyOf"] {
            for (i, nested) in (node[combinator].arrayValue ?? []).enumerated() {
                openAPIErrors(nested, at: "\(path).\(combinator)[\(i)]", meta: meta.nested, into: &errors, unconvertible: &unconvertible)
            }
        }
        if node["items"].objectValue != nil { openAPIErrors(node["items"], at: "\(path).items", meta: meta.nested, into: &errors, unconvertible: &unconvertible) }
        if node["x-kubernetes-preserve-unknown-fields"].boolValue == false {
            errors.invalid("\(path).x-kubernetes-preserve-unknown-fields", .go("false"), "must be true or undefined")
        }
        extensionErrors(node, at: path, into: &errors)
    }

    /// `x-kubernetes-map-type`, `x-kubernetes-list-type` and `x-kubernetes-list-map-keys`.
    private static func extensionErrors(_ node: JSONValue, at path: String, into errors: inout FieldErrors) {
        let type = node["type"].stringValue ?? ""
        if let mapType = node["x-kubernetes-map-type"].stringValue {
            requireType("object", of: node, at: path, because: "x-kubernetes-map-type is specified", into: &errors)
            if !["atomic", "granular"].contains(mapType) { errors.notSupported("\(path).x-kubernetes-map-type", mapType, ["atomic", "granular"]) }
        }
        let keys = (node["x-kubernetes-list-map-keys"].arrayValue ?? []).compactMap(\.stringValue)
        let listType = node["x-kubernetes-list-type"].stringValue
        if let listType {
            requireType("array", of: node, at: path, because: "x-kubernetes-list-type is specified", into: &errors)
            if !["atomic", "set", "map"].contains(listType) {
                errors.notSupported("\(path).x-kubernetes-list-type", listType, ["atomic", "set", "map"])
            }
        }
        if !keys.isEmpty, listType != "map" {
            if let listType {
                errors.invalid("\(path).x-kubernetes-list-type", .string(listType), "must be map if x-kubernetes-list-map-keys is non-empty")
            } else {
                errors.required("\(path).x-kubernetes-list-type", "must be map if x-kubernetes-list-map-keys is non-empty")
            }
        }
        guard type == "array" || listType != nil else { return }
        let items = node["items"]
        if listType == "map" {
            if keys.isEmpty { errors.required("\(path).x-kubernetes-list-map-keys", "must not be empty if x-kubernetes-list-type is map") }
            if items.objectValue == nil {
                errors.required("\(path).items", "must have a schema if x-kubernetes-list-type is map")
            } else {
                let itemType = items["type"].stringValue ?? ""
                if itemType != "object" {
                    errors.invalid("\(path).items.type", .string(itemType), "must be object if parent array's x-kubernetes-list-type is map")
                } else {
                    let itemProperties = items["properties"].objectValue ?? [:]
                    for key in keys {
                        // The server prints the items' type here, not the key's.
                        if let keyType = itemProperties[key]?["type"].stringValue, !["string", "integer", "number", "boolean"].contains(keyType) {
                            errors.invalid("\(path).items.properties[\(key)].type", .string(itemType), "must be a scalar type if parent array's x-kubernetes-list-type is map")
                        }
                    }
                    if keys.contains(where: { itemProperties[$0] == nil }) {
                        errors.invalid("\(path).x-kubernetes-list-map-keys", .go(GoSyntax.stringSlice(.array(keys.map(JSONValue.string)))),
                                       "entries must all be names of item properties")
                    }
                    if Set(keys).count != keys.count {
                        errors.invalid("\(path).x-kubernetes-list-map-keys", .go(GoSyntax.stringSlice(.array(keys.map(JSONValue.string)))),
                                       "must not contain duplicate entries")
                    }
                }
            }
        }
        if listType == "map" || listType == "set", items["nullable"].boolValue == true {
            errors.forbidden("\(path).items.nullable", "cannot be nullable when x-kubernetes-list-type is \(listType ?? "")")
        }
        if listType == "map", items["type"].stringValue == "object" {
            let required = Set((items["required"].arrayValue ?? []).compactMap(\.stringValue))
            for key in keys {
                guard let property = items["properties"][key].objectValue.map(JSONValue.object) else { continue }
                if !required.contains(key), property["default"].isNull {
                    errors.required("\(path).items.properties[\(key)].default",
                                    "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property")
                }
                if property["nullable"].boolValue == true {
                    errors.forbidden("\(path).items.properties[\(key)].nullable", "this property is in x-kubernetes-list-map-keys, so it cannot be nullable")
                }
            }
        }
    }

    private static func requireType(_ wanted: String, of node: JSONValue, at path: String, because reason: String, into errors: inout FieldErrors) {
        let type = node["type"].stringValue ?? ""
        if type.isEmpty {
            errors.required("\(path).type", "must be \(wanted) if \(reason)")
        } else if type != wanted {
            errors.invalid("\(path).type", .string(type), "must be \(wanted) if \(reason)")
        }
    }

    // MARK: Structural rules

    private enum Level { case root, field, items }

    private static func structuralErrors(_ node: JSONValue, at path: String, level: Level, into errors: inout FieldErrors) {
        guard case .object = node else { return }
        let type = node["type"].stringValue ?? ""
        let intOrString = node["x-kubernetes-int-or-string"].boolValue == true
        let preserve = node["x-kubernetes-preserve-unknown-fields"].boolValue == true
        let embedded = node["x-kubernetes-embedded-resource"].boolValue == true
        let properties = node["properties"].objectValue ?? [:]
        let additional = node["additionalProperties"]

        patternErrors(node, at: path, into: &errors)
        if type == "array", node["items"].isNull { errors.required("\(path).items", "must be specified") }
        if level == .root, !additional.isNull { errors.forbidden("\(path).additionalProperties", "must not be used at the root") }
        if intOrString, preserve {
            errors.invalid("\(path).x-kubernetes-preserve-unknown-fields", .go("true"), "must be false if x-kubernetes-int-or-string is true")
        }
        if intOrString, embedded {
            errors.invalid("\(path).x-kubernetes-embedded-resource", .go("true"), "must be false if x-kubernetes-int-or-string is true")
        }
        if embedded, type != "object" {
            if type.isEmpty {
                errors.required("\(path).type", "must be object if x-kubernetes-embedded-resource is true")
            } else {
                errors.invalid("\(path).type", .string(type), "must be object if x-kubernetes-embedded-resource is true")
            }
        } else if type.isEmpty, !intOrString, !preserve {
            switch level {
            case .root: errors.required("\(path).type", "must not be empty at the root")
            case .items: errors.required("\(path).type", "must not be empty for specified array items")
            case .field: errors.required("\(path).type", "must not be empty for specified object fields")
            }
        }
        if embedded, !additional.isNull { errors.forbidden("\(path).additionalProperties", "must not be used if x-kubernetes-embedded-resource is set") }
        if level == .root, !type.isEmpty, type != "object" { errors.invalid("\(path).type", .string(type), "must be object at the root") }
        if level == .root || embedded {
            for key in ["apiVersion", "kind"] {
                if let fieldType = properties[key]?["type"].stringValue, !fieldType.isEmpty, fieldType != "string" {
                    errors.invalid("\(path).properties[\(key)].type", .string(fieldType), "must be string")
                }
            }
            if let metadataType = properties["metadata"]?["type"].stringValue, !metadataType.isEmpty, metadataType != "object" {
                errors.invalid("\(path).properties[metadata].type", .string(metadataType), "must be object")
            }
        }
        if level == .root, let metadata = properties["metadata"], !metadataIsImplicit(metadata) {
            errors.forbidden("\(path).properties[metadata]", "must not specify anything other than name and generateName, but metadata is implicitly specified")
        }
        if embedded, properties.isEmpty, !preserve {
            errors.required("\(path).properties", "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields")
        }
        if additional.objectValue != nil { structuralErrors(additional, at: "\(path).additionalProperties", level: .field, into: &errors) }
        for key in properties.keys.sorted() {
            structuralErrors(properties[key] ?? .null, at: "\(path).properties[\(key)]", level: .field, into: &errors)
        }
        if node["items"].objectValue != nil { structuralErrors(node["items"], at: "\(path).items", level: .items, into: &errors) }
        nestedValueValidationErrors(node, at: path, into: &errors)
    }

    /// The root `metadata` may say only that it is an object and which of `name` and
    /// `generateName` it constrains (the server fills in the rest of ObjectMeta).
    private static func metadataIsImplicit(_ metadata: JSONValue) -> Bool {
        guard case .object(var fields) = metadata else { return true }
        fields["type"] = nil
        if let properties = fields["properties"]?.objectValue, Set(properties.keys).isSubset(of: ["name", "generateName"]) {
            fields["properties"] = nil
        }
        fields["default"] = nil  // refused elsewhere
        return fields.isEmpty
    }

    /// What `allOf`, `anyOf`, `oneOf` and `not` may hold: value validations only, no types,
    /// descriptions, defaults or extensions (the structure lives in the schema around them).
    private static func nestedValueValidationErrors(_ node: JSONValue, at path: String, into errors: inout FieldErrors) {
        if !node["not"].isNull { nestedErrors(node["not"], at: "\(path).not", into: &errors) }
        for combinator in ["allOf", "anyOf", "oneOf"] {
            let list = node[combinator].arrayValue ?? []
            // `anyOf: [{type: integer}, {type: string}]` (alone or as `allOf[0].anyOf`) is how
            // int-or-string is spelled: allowed.
            if combinator == "anyOf", isIntOrStringPattern(list) { continue }
            for (i, nested) in list.enumerated() {
                if combinator == "allOf", i == 0, isIntOrStringPattern(nested["anyOf"].arrayValue ?? []) {
                    var rest = nested.objectValue ?? [:]
                    rest["anyOf"] = nil
                    nestedErrors(.object(rest), at: "\(path).allOf[0]", into: &errors)
                    continue
                }
                nestedErrors(nested, at: "\(path).\(combinator)[\(i)]", into: &errors)
            }
        }
    }

    private static func isIntOrStringPattern(_ list: [JSONValue]) -> Bool {
        list.count == 2 && list[0].objectValue?.count == 1 && list[0]["type"] == "integer" && list[1].objectValue?.count == 1 && list[1]["type"] == "string"
    }

    /// `validateValueValidation`: a `pattern` must compile as a Go regular expression.
    private static func patternErrors(_ node: JSONValue, at path: String, into errors: inout FieldErrors) {
        if let pattern = node["pattern"].stringValue, !pattern.isEmpty, let failure = GoRegexpSyntax.compileError(pattern) {
            errors.invalid("\(path).pattern", .string(pattern), "must be a valid regular expression, but isn't: \(failure)")
        }
    }

    private static func nestedErrors(_ node: JSONValue, at path: String, into errors: inout FieldErrors) {
        guard case .object = node else { return }
        patternErrors(node, at: path, into: &errors)
        for (key, detail) in [("type", "must be empty to be structural"), ("title", "must be empty to be structural"),
                              ("description", "must be empty to be structural")]
        where !(node[key].stringValue ?? "").isEmpty {
            errors.forbidden("\(path).\(key)", detail)
        }
        for key in ["additionalProperties", "default"] where !node[key].isNull { errors.forbidden("\(path).\(key)", "must be undefined to be structural") }
        if node["nullable"].boolValue == true { errors.forbidden("\(path).nullable", "must be false to be structural") }
        for key in ["x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string"] where node[key].boolValue == true {
            errors.forbidden("\(path).\(key)", "must be false to be structural")
        }
        for key in ["x-kubernetes-list-map-keys", "x-kubernetes-validations"] where !(node[key].arrayValue ?? []).isEmpty {
            errors.forbidden("\(path).\(key)", "must be empty to be structural")
        }
        for key in ["x-kubernetes-list-type", "x-kubernetes-map-type"] where !node[key].isNull {
            errors.forbidden("\(path).\(key)", "must be undefined to be structural")
        }
        let properties = node["properties"].objectValue ?? [:]
        if properties["metadata"] != nil { errors.forbidden("\(path).properties[metadata]", "must not be specified in a nested context") }
        for key in properties.keys.sorted() { nestedErrors(properties[key] ?? .null, at: "\(path).properties[\(key)]", into: &errors) }
        if node["items"].objectValue != nil { nestedErrors(node["items"], at: "\(path).items", into: &errors) }
        nestedValueValidationErrors(node, at: path, into: &errors)
    }

    // MARK: Completeness

    /// What the root's `allOf`/`anyOf`/`oneOf`/`not` name (properties, items) must exist in the
    /// schema itself.
    private static func completenessErrors(_ schema: JSONValue, at path: String, into errors: inout FieldErrors) {
        forEachNested(schema, at: path) { nested, nestedPath in complete(nested, nestedPath, against: schema, path, into: &errors) }
    }

    private static func forEachNested(_ node: JSONValue, at path: String, _ body: (JSONValue, String) -> Void) {
        if case .object = node["not"] { body(node["not"], "\(path).not") }
        for combinator in ["allOf", "anyOf", "oneOf"] {
            for (i, nested) in (node[combinator].arrayValue ?? []).enumerated() { body(nested, "\(path).\(combinator)[\(i)]") }
        }
    }

    private static func complete(_ nested: JSONValue, _ nestedPath: String, against schema: JSONValue, _ schemaPath: String, into errors: inout FieldErrors) {
        guard case .object = nested else { return }
        if case .object = nested["items"] {
            if case .object = schema["items"] {
                complete(nested["items"], "\(nestedPath).items", against: schema["items"], "\(schemaPath).items", into: &errors)
            } else {
                errors.required("\(schemaPath).items", "because it is defined in \(nestedPath).items")
            }
        }
        let properties = schema["properties"].objectValue ?? [:]
        for (key, value) in (nested["properties"].objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let property = properties[key] {
                complete(value, "\(nestedPath).properties[\(key)]", against: property, "\(schemaPath).properties[\(key)]", into: &errors)
            } else if case .object = schema["additionalProperties"] {
                complete(value, "\(nestedPath).properties[\(key)]", against: schema["additionalProperties"], "\(schemaPath).additionalProperties", into: &errors)
            } else {
                errors.required("\(schemaPath).properties[\(key)]", "because it is defined in \(nestedPath).properties[\(key)]")
            }
        }
        forEachNested(nested, at: nestedPath) { deeper, deeperPath in complete(deeper, deeperPath, against: schema, schemaPath, into: &errors) }
    }
}
