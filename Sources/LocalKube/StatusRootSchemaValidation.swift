import KubernetesModel

/// With the status subresource on, the server validates `status` with `properties[status]` of the
/// root schema alone, so the root may hold only what survives that split
/// (`validateCustomResourceDefinitionValidation`, v1.24): type `object`, and among the internal
/// `JSONSchemaProps` fields only those in `allowedFieldsAtRootSchema`. The first offending field
/// in the struct's order is reported, once; the value is the whole internal schema as Go's `%#v`
/// prints it (pointers as stand-in addresses, which the conformance normaliser reads as `<ptr>`).
enum StatusRootSchemaValidation {
    static let allowedFields = ["Description", "Type", "Format", "Title", "Maximum", "ExclusiveMaximum", "Minimum", "ExclusiveMinimum",
                                "MaxLength", "MinLength", "Pattern", "MaxItems", "MinItems", "UniqueItems", "MultipleOf", "Required",
                                "Items", "Properties", "ExternalDocs", "Example", "XPreserveUnknownFields", "XValidations"]

    static func errors(_ schema: JSONValue, at path: String, into errors: inout FieldErrors) {
        for field in InternalSchemaSyntax.fields where field.isSet(schema) {
            if field.name == "Type" {
                let type = schema["type"].stringValue ?? ""
                if type != "object" {
                    errors.invalid("\(path).type", .string(type), "only \"object\" is allowed as the type at the root of the schema if the status subresource is enabled")
                    return
                }
                continue
            }
            if !allowedFields.contains(field.name) {
                var pointers = GoSyntax.Pointers(from: 0xc000b20000)
                errors.invalid(path, .go(InternalSchemaSyntax.goValue(schema, pointers: &pointers)),
                               "only [\(allowedFields.joined(separator: " "))] fields are allowed at the root of the schema if the status subresource is enabled")
                return
            }
        }
    }
}
