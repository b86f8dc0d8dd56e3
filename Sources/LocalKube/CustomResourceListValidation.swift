import KubernetesModel

/// The list types of a custom resource's schema checked in its values, as apiextensions'
/// `ValidateListSetsAndMaps` does after the schema validation: a `set` may not hold a value twice,
/// a `map` may not hold two items with the same keys (a key an item leaves out counts with its
/// schema default). Each repeated value is reported once, at the index where it first repeats,
/// as `Duplicate value: …` with Go's `%#v` of the value (`map[string]interface {}{"name":"a"}`
/// for map keys). Not reported: map-list items that are not objects or are empty (the server
/// adds `must be an object for an array of list-type map` and similar; wording not confirmed),
/// beyond the schema validation's own type errors.
enum CustomResourceListValidation {
    static func causes(_ object: JSONValue, schema: JSONValue) -> [KubeStatus.Cause] {
        var errors = FieldErrors()
        guard case .object(let o) = object else { return [] }
        for field in CustomResourceValidation.fields(of: o, schema: schema, skipping: CustomResourceValidation.resourceMetaFields) {
            walk(field.value, field.schema, path: field.key, into: &errors)
        }
        return errors.causes
    }

    private static func walk(_ value: JSONValue, _ schema: JSONValue, path: String, into errors: inout FieldErrors) {
        switch value {
        case .object(let o):
            for field in CustomResourceValidation.fields(of: o, schema: schema) {
                walk(field.value, field.schema, path: field.isAdditional ? "\(path)[\(field.key)]" : "\(path).\(field.key)", into: &errors)
            }
        case .array(let items):
            switch schema["x-kubernetes-list-type"].stringValue {
            case "set": duplicates(items.map { Optional($0) }, path: path, into: &errors)
            case "map":
                let keys = schema["x-kubernetes-list-map-keys"].arrayValue?.compactMap(\.stringValue) ?? []
                let itemProperties = schema["items"]["properties"]
                let keyed: [JSONValue?] = items.map { item in
                    guard case .object(let fields) = item, !fields.isEmpty else { return nil }
                    var key: [String: JSONValue] = [:]
                    for name in keys {
                        if let v = fields[name] { key[name] = v } else if !itemProperties[name]["default"].isNull { key[name] = itemProperties[name]["default"] }
                    }
                    return .object(key)
                }
                duplicates(keyed, path: path, into: &errors)
            default: break
            }
            for (i, item) in items.enumerated() { walk(item, schema["items"], path: "\(path)[\(i)]", into: &errors) }
        default: break
        }
    }

    private static func duplicates(_ values: [JSONValue?], path: String, into errors: inout FieldErrors) {
        guard values.count > 1 else { return }
        var seen: [JSONValue: Int] = [:]
        for (i, value) in values.enumerated() {
            guard let value else { continue }
            let times = seen[value, default: 0]
            seen[value] = times + 1
            if times == 1 { errors.duplicate("\(path)[\(i)]", GoSyntax.badValue(value)) }
        }
    }
}
