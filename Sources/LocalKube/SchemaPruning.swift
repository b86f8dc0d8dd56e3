import KubernetesModel

/// Drops fields a schema does not declare (what decoding into the typed structs does for built-in
/// kinds, and structural-schema pruning does for custom resources) and fills CRD `default`s.
/// Works on the JSON schemas themselves: OpenAPI v2 definitions (`$ref`) or a CRD's openAPIV3Schema.
struct SchemaPruning {
    /// Definitions `$ref`s resolve against.
    let definitions: [String: JSONValue]
    /// Custom resources: an object schema without properties keeps nothing (unless it preserves unknown fields).
    let structural: Bool

    static let builtin = SchemaPruning(definitions: OpenAPIDefinitions.builtin, structural: false)
    static let custom = SchemaPruning(definitions: [:], structural: true)

    /// The definition of a built-in kind.
    static func builtinSchema(for type: ResourceType) -> JSONValue? { builtinByKind[type.groupVersionKind] }

    private static let builtinByKind: [GroupVersionKind: JSONValue] = {
        var result: [GroupVersionKind: JSONValue] = [:]
        for (_, def) in OpenAPIDefinitions.builtin.sorted(by: { $0.key < $1.key }) {
            for gvk in def["x-kubernetes-group-version-kind"].arrayValue ?? [] {
                guard let kind = gvk["kind"].stringValue, let version = gvk["version"].stringValue else { continue }
                let key = GroupVersionKind(group: gvk["group"].stringValue ?? "", version: version, kind: kind)
                if result[key] == nil { result[key] = def }
            }
        }
        return result
    }()

    private func resolve(_ schema: JSONValue) -> JSONValue {
        var s = schema
        var depth = 0
        while let ref = s["$ref"].stringValue, depth < 16 {
            let name = ref.replacingOccurrences(of: "#/definitions/", with: "")
            guard let target = definitions[name] else { return .null }
            s = target
            depth += 1
        }
        if case .array(let all) = s["allOf"], let first = all.first { return resolve(first) }
        return s
    }

    /// Remove undeclared fields; returns their paths (`spec.bogus`, `spec.containers[0].x`).
    /// `asResourceRoot`: the value is a resource, whose `apiVersion`, `kind` and `metadata` stay.
    func prune(_ value: inout JSONValue, schema: JSONValue, asResourceRoot: Bool = true) -> [String] {
        var removed: [String] = []
        prune(&value, schema: schema, path: "", removed: &removed, root: asResourceRoot)
        return removed
    }

    private func prune(_ value: inout JSONValue, schema rawSchema: JSONValue, path: String, removed: inout [String], root: Bool) {
        let schema = resolve(rawSchema)
        if schema.isNull { return }
        let preserve = schema["x-kubernetes-preserve-unknown-fields"].boolValue == true
        switch value {
        case .object(var o):
            let properties = schema["properties"].objectValue
            let additional = schema["additionalProperties"]
            if properties == nil, additional.isNull, !structural || preserve { return }
            if schema["x-kubernetes-embedded-resource"].boolValue == true || schema["x-kubernetes-int-or-string"].boolValue == true { return }
            for (key, child) in o {
                if root, ["apiVersion", "kind", "metadata"].contains(key) { continue }
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if let propertySchema = properties?[key] {
                    var c = child
                    prune(&c, schema: propertySchema, path: childPath, removed: &removed, root: false)
                    o[key] = c
                } else if case .object = additional {
                    var c = child
                    prune(&c, schema: additional, path: childPath, removed: &removed, root: false)
                    o[key] = c
                } else if additional.boolValue == true || preserve {
                    continue
                } else {
                    o[key] = nil
                    removed.append(childPath)
                }
            }
            value = .object(o)
        case .array(var items):
            let itemSchema = schema["items"]
            guard !itemSchema.isNull else { return }
            for i in items.indices { prune(&items[i], schema: itemSchema, path: "\(path)[\(i)]", removed: &removed, root: false) }
            value = .array(items)
        default:
            return
        }
    }

    /// Fill `default`s of absent properties (structural defaulting of custom resources).
    func applyDefaults(_ value: inout JSONValue, schema rawSchema: JSONValue) {
        let schema = resolve(rawSchema)
        switch value {
        case .object(var o):
            if case .object(let properties) = schema["properties"] {
                for (key, propertySchema) in properties {
                    if o[key] == nil, let d = resolve(propertySchema).objectValue?["default"] { o[key] = d }
                    if var child = o[key] {
                        applyDefaults(&child, schema: propertySchema)
                        o[key] = child
                    }
                }
            }
            if case .object = schema["additionalProperties"] {
                for (key, child) in o where (schema["properties"].objectValue?[key]) == nil {
                    var c = child
                    applyDefaults(&c, schema: schema["additionalProperties"])
                    o[key] = c
                }
            }
            value = .object(o)
        case .array(var items):
            let itemSchema = schema["items"]
            guard !itemSchema.isNull else { return }
            for i in items.indices { applyDefaults(&items[i], schema: itemSchema) }
            value = .array(items)
        default:
            return
        }
    }
}
