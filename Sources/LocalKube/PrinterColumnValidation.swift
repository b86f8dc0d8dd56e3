import KubernetesModel

/// A CRD's additionalPrinterColumns as apiextensions validation checks them: a name, a type the
/// table knows, a known format, and a simple JSONPath starting with `.` (whether it parses is
/// only found out when a table is served).
enum PrinterColumnValidation {
    static let types = ["boolean", "date", "integer", "number", "string"]
    static let formats = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"]

    static func errors(_ crd: JSONValue) -> FieldErrors {
        var errors = FieldErrors()
        for (v, version) in (crd["spec"]["versions"].arrayValue ?? []).enumerated() {
            for (i, column) in (version["additionalPrinterColumns"].arrayValue ?? []).enumerated() {
                let at = "spec.versions[\(v)].additionalPrinterColumns[\(i)]"
                if (column["name"].stringValue ?? "").isEmpty { errors.required("\(at).name") }
                let type = column["type"].stringValue ?? ""
                if type.isEmpty {
                    errors.required("\(at).type", "must be one of \(types.joined(separator: ","))")
                } else if !types.contains(type) {
                    errors.notSupported("\(at).type", type, types)
                }
                if let format = column["format"].stringValue, !format.isEmpty, !formats.contains(format) {
                    errors.notSupported("\(at).format", format, formats)
                }
                let path = column["jsonPath"].stringValue ?? ""
                if path.isEmpty {
                    errors.required("\(at).jsonPath")
                } else if !path.hasPrefix(".") {
                    errors.invalid("\(at).jsonPath", .string(path), "must be a simple json path starting with .")
                }
            }
        }
        return errors
    }
}
