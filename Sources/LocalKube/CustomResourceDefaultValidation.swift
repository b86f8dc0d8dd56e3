import KubernetesModel

/// A structural CRD schema's `default`s as apiextensions' `ValidateDefaults` checks them when a
/// v1 CRD is written: each default must hold only fields its own schema declares (pruning it
/// must change nothing: `must not have unknown fields`, the default printed as Go's `%#v`), then
/// validate against that schema node as a custom object would, with paths inside the default
/// (`…properties[replicas].default: Invalid value: "string":  in body must be of type integer`,
/// the empty name and its double space as the server prints them). Walked through `items` and
/// `properties`, not `additionalProperties` (defaults are refused there); an embedded resource
/// starts a new resource.
///
/// Not checked: defaults inside an embedded resource's `apiVersion`/`kind`/`metadata` (the server
/// requires them to make valid ObjectMeta; the root's are refused earlier, in the schema walk),
/// and the ObjectMeta rules on a default of an embedded resource. Properties are walked in
/// sorted order (the server's is Go's map order).
enum CustomResourceDefaultValidation {
    static func errors(_ schema: JSONValue, at path: String) -> FieldErrors {
        var errors = FieldErrors()
        // The root is checked as an embedded resource: its apiVersion, kind and metadata are resource meta.
        walk(schema, at: path, insideMeta: false, embedded: true, into: &errors)
        return errors
    }

    private static func walk(_ node: JSONValue, at path: String, insideMeta: Bool, embedded: Bool, into errors: inout FieldErrors) {
        guard case .object = node else { return }
        let isEmbedded = embedded || node["x-kubernetes-embedded-resource"].boolValue == true
        let insideMeta = isEmbedded ? false : insideMeta
        let value = node["default"]
        if !value.isNull, !insideMeta {
            var pruned = value
            _ = SchemaPruning.custom.prune(&pruned, schema: node, asResourceRoot: isEmbedded)
            if pruned != value {
                errors.invalid("\(path).default", GoSyntax.badValue(value), "must not have unknown fields")
            }
            // Validated against its schema as well (the server's checks are not exclusive).
            errors.append(causes: CustomResourceValidation.valueCauses(value, schema: node, fieldPrefix: "\(path).default"))
        }
        if case .object = node["items"] {
            walk(node["items"], at: "\(path).items", insideMeta: insideMeta, embedded: false, into: &errors)
        }
        let properties = node["properties"].objectValue ?? [:]
        for key in properties.keys.sorted() {
            let meta = insideMeta || (isEmbedded && CustomResourceValidation.resourceMetaFields.contains(key))
            walk(properties[key] ?? .null, at: "\(path).properties[\(key)]", insideMeta: meta, embedded: false, into: &errors)
        }
    }

    /// Whether a schema has a `default` anywhere (which requires `preserveUnknownFields: false`).
    static func schemaHasDefaults(_ node: JSONValue) -> Bool {
        SchemaChildren.anywhere(node) { !$0["default"].isNull }
    }
}
