import KubernetesModel

/// apiextensions' internal `JSONSchemaProps` (the form a v1 schema converts to) as Go's `%#v`
/// prints it: every field in declaration order, strings quoted, pointers as addresses.
enum InternalSchemaSyntax {
    struct Field: Sendable {
        enum Kind: Sendable { case string, bool, pointer(String), strings, json, schemas, schemaMap(String), dependencies, rules }
        let name: String
        let key: String
        let kind: Kind

        /// Whether the field differs from its zero value (`reflect.DeepEqual` with the zero).
        func isSet(_ schema: JSONValue) -> Bool {
            let value = schema[key]
            switch kind {
            case .string: return !(value.stringValue ?? "").isEmpty
            case .bool: return value.boolValue == true
            default: return !value.isNull
            }
        }
    }

    static let fields: [Field] = [
        .init(name: "ID", key: "id", kind: .string), .init(name: "Schema", key: "$schema", kind: .string),
        .init(name: "Ref", key: "$ref", kind: .pointer("string")), .init(name: "Description", key: "description", kind: .string),
        .init(name: "Type", key: "type", kind: .string), .init(name: "Nullable", key: "nullable", kind: .bool),
        .init(name: "Format", key: "format", kind: .string), .init(name: "Title", key: "title", kind: .string),
        .init(name: "Default", key: "default", kind: .pointer("apiextensions.JSON")), .init(name: "Maximum", key: "maximum", kind: .pointer("float64")),
        .init(name: "ExclusiveMaximum", key: "exclusiveMaximum", kind: .bool), .init(name: "Minimum", key: "minimum", kind: .pointer("float64")),
        .init(name: "ExclusiveMinimum", key: "exclusiveMinimum", kind: .bool), .init(name: "MaxLength", key: "maxLength", kind: .pointer("int64")),
        .init(name: "MinLength", key: "minLength", kind: .pointer("int64")), .init(name: "Pattern", key: "pattern", kind: .string),
        .init(name: "MaxItems", key: "maxItems", kind: .pointer("int64")), .init(name: "MinItems", key: "minItems", kind: .pointer("int64")),
        .init(name: "UniqueItems", key: "uniqueItems", kind: .bool), .init(name: "MultipleOf", key: "multipleOf", kind: .pointer("float64")),
        .init(name: "Enum", key: "enum", kind: .json), .init(name: "MaxProperties", key: "maxProperties", kind: .pointer("int64")),
        .init(name: "MinProperties", key: "minProperties", kind: .pointer("int64")), .init(name: "Required", key: "required", kind: .strings),
        .init(name: "Items", key: "items", kind: .pointer("apiextensions.JSONSchemaPropsOrArray")), .init(name: "AllOf", key: "allOf", kind: .schemas),
        .init(name: "OneOf", key: "oneOf", kind: .schemas), .init(name: "AnyOf", key: "anyOf", kind: .schemas),
        .init(name: "Not", key: "not", kind: .pointer("apiextensions.JSONSchemaProps")),
        .init(name: "Properties", key: "properties", kind: .schemaMap("map[string]apiextensions.JSONSchemaProps")),
        .init(name: "AdditionalProperties", key: "additionalProperties", kind: .pointer("apiextensions.JSONSchemaPropsOrBool")),
        .init(name: "PatternProperties", key: "patternProperties", kind: .schemaMap("map[string]apiextensions.JSONSchemaProps")),
        .init(name: "Dependencies", key: "dependencies", kind: .dependencies),
        .init(name: "AdditionalItems", key: "additionalItems", kind: .pointer("apiextensions.JSONSchemaPropsOrBool")),
        .init(name: "Definitions", key: "definitions", kind: .schemaMap("apiextensions.JSONSchemaDefinitions")),
        .init(name: "ExternalDocs", key: "externalDocs", kind: .pointer("apiextensions.ExternalDocumentation")),
        .init(name: "Example", key: "example", kind: .pointer("apiextensions.JSON")),
        .init(name: "XPreserveUnknownFields", key: "x-kubernetes-preserve-unknown-fields", kind: .pointer("bool")),
        .init(name: "XEmbeddedResource", key: "x-kubernetes-embedded-resource", kind: .bool),
        .init(name: "XIntOrString", key: "x-kubernetes-int-or-string", kind: .bool),
        .init(name: "XListMapKeys", key: "x-kubernetes-list-map-keys", kind: .strings),
        .init(name: "XListType", key: "x-kubernetes-list-type", kind: .pointer("string")),
        .init(name: "XMapType", key: "x-kubernetes-map-type", kind: .pointer("string")),
        .init(name: "XValidations", key: "x-kubernetes-validations", kind: .rules),
    ]

    static func goValue(_ schema: JSONValue, pointers: inout GoSyntax.Pointers) -> String {
        var parts: [String] = []
        for field in fields {
            let value = schema[field.key]
            let text: String
            switch field.kind {
            case .string: text = GoSyntax.quote(value.stringValue ?? "")
            case .bool: text = String(value.boolValue == true)
            case .pointer(let type):
                text = pointers.pointer(type, set: !value.isNull)
            case .strings:
                text = GoSyntax.stringSlice(value)
            case .json:
                text = value.arrayValue.map { "[]apiextensions.JSON{" + $0.map(GoSyntax.interfaceValue).joined(separator: ", ") + "}" } ?? "[]apiextensions.JSON(nil)"
            case .schemas:
                if let list = value.arrayValue {
                    var items: [String] = []
                    for item in list { items.append(goValue(item, pointers: &pointers)) }
                    text = "[]apiextensions.JSONSchemaProps{" + items.joined(separator: ", ") + "}"
                } else {
                    text = "[]apiextensions.JSONSchemaProps(nil)"
                }
            case .schemaMap(let type):
                if let map = value.objectValue {
                    var entries: [String] = []
                    for key in map.keys.sorted() { entries.append("\(GoSyntax.quote(key)):" + goValue(map[key] ?? .null, pointers: &pointers)) }
                    text = "\(type){" + entries.joined(separator: ", ") + "}"
                } else {
                    text = "\(type)(nil)"
                }
            case .dependencies:
                if let map = value.objectValue {
                    let entries = map.keys.sorted().map { key -> String in
                        let entry = map[key] ?? .null
                        let schemaPointer = pointers.pointer("apiextensions.JSONSchemaProps", set: entry.objectValue != nil)
                        let property = GoSyntax.stringSlice(entry)
                        return "\(GoSyntax.quote(key)):apiextensions.JSONSchemaPropsOrStringArray{Schema:\(schemaPointer), Property:\(property)}"
                    }
                    text = "apiextensions.JSONSchemaDependencies{" + entries.joined(separator: ", ") + "}"
                } else {
                    text = "apiextensions.JSONSchemaDependencies(nil)"
                }
            case .rules:
                text = value.arrayValue.map { "apiextensions.ValidationRules{" + $0.map { r in
                    "apiextensions.ValidationRule{Rule:\(GoSyntax.quote(r["rule"].stringValue ?? "")), Message:\(GoSyntax.quote(r["message"].stringValue ?? ""))}"
                }.joined(separator: ", ") + "}" } ?? "apiextensions.ValidationRules(nil)"
            }
            parts.append("\(field.name):\(text)")
        }
        return "apiextensions.JSONSchemaProps{" + parts.joined(separator: ", ") + "}"
    }
}
