import KubernetesModel

/// A `metav1.LabelSelector` as the v1.24 server checks it: `ValidateLabelSelector` (each
/// `matchLabels` key and value; each requirement's operator, the values it needs or forbids,
/// and its key) and `LabelSelectorAsSelector`, which the workload kinds try after it and which
/// also refuses a requirement value that is not a label value (v1.24 validates those only there).
enum LabelSelectorValidation {
    static func errors(_ selector: JSONValue, path: String) -> FieldErrors {
        var errors = FieldErrors()
        guard case .object = selector else { return errors }
        // Go ranges over the map in random order; sorted here.
        for (key, value) in (selector["matchLabels"].objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            for message in LabelValidation.qualifiedNameErrors(key) { errors.invalid("\(path).matchLabels", .string(key), message) }
            let text = value.stringValue ?? ""
            for message in LabelValidation.labelValueErrors(text) { errors.invalid("\(path).matchLabels", .string(text), message) }
        }
        for (i, requirement) in (selector["matchExpressions"].arrayValue ?? []).enumerated() {
            let at = "\(path).matchExpressions[\(i)]"
            let operation = requirement["operator"].stringValue ?? ""
            if !setOperatorValues(operation, count: requirement["values"].arrayValue?.count ?? 0, path: at, errors: &errors) {
                errors.invalid("\(at).operator", .string(operation), "not a valid selector operator")
            }
            let key = requirement["key"].stringValue ?? ""
            for message in LabelValidation.qualifiedNameErrors(key) { errors.invalid("\(at).key", .string(key), message) }
        }
        return errors
    }

    /// The values a set operator needs (In, NotIn: some) or forbids (Exists, DoesNotExist: none),
    /// as label and node selector requirements word it; false for any other operator.
    static func setOperatorValues(_ operation: String, count: Int, path: String, errors: inout FieldErrors) -> Bool {
        switch operation {
        case "In", "NotIn":
            if count == 0 { errors.required("\(path).values", "must be specified when `operator` is 'In' or 'NotIn'") }
        case "Exists", "DoesNotExist":
            if count > 0 { errors.forbidden("\(path).values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'") }
        default:
            return false
        }
        return true
    }

    /// Whether `LabelSelectorAsSelector` accepts a selector whose `errors` are `found`: none of
    /// them, and every requirement value a label value.
    static func converts(_ selector: JSONValue, found: FieldErrors) -> Bool {
        guard found.isEmpty else { return false }
        let values = (selector["matchExpressions"].arrayValue ?? []).flatMap { $0["values"].arrayValue ?? [] }
        return values.allSatisfy { LabelValidation.labelValueErrors($0.stringValue ?? "").isEmpty }
    }
}
