import KubernetesModel

/// A CRD's printer column as apiextensions' `ValidateCustomResourceColumnDefinition` checks it:
/// a name, a type and a format the table knows (both reported as Invalid with the sorted list),
/// and a simple JSONPath starting with `.` under the internal field name `JSONPath` (whether it
/// parses is only found out when a table is served).
enum PrinterColumnValidation {
    static let types = ["boolean", "date", "integer", "number", "string"]
    static let formats = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"]

    static func errors(_ column: JSONValue, at path: String, into errors: inout FieldErrors) {
        if (column["name"].stringValue ?? "").isEmpty { errors.required("\(path).name") }
        let type = column["type"].stringValue ?? ""
        if type.isEmpty {
            errors.required("\(path).type", "must be one of \(types.joined(separator: ","))")
        } else if !types.contains(type) {
            errors.invalid("\(path).type", .string(type), "must be one of \(types.joined(separator: ","))")
        }
        if let format = column["format"].stringValue, !format.isEmpty, !formats.contains(format) {
            errors.invalid("\(path).format", .string(format), "must be one of \(formats.joined(separator: ","))")
        }
        let jsonPath = column["jsonPath"].stringValue ?? ""
        if jsonPath.isEmpty {
            errors.required("\(path).JSONPath")
        } else if !jsonPath.hasPrefix(".") {
            errors.invalid("\(path).JSONPath", .string(jsonPath), "must be a simple json path starting with .")
        }
    }
}
