import KubernetesModel
import StructuredMerge

/// A container's `resources` as the server checks them: standard or qualified resource names,
/// no negative quantities, requests not above limits (equal to them for hugepages and extended
/// resources, which cannot be overcommitted).
enum ResourceRequirementsValidation {
    static let standard: Set<String> = ["cpu", "memory", "ephemeral-storage"]

    static func errors(_ resources: JSONValue, path: String, errors: inout FieldErrors) {
        let limits = resources["limits"].objectValue ?? [:]
        let requests = resources["requests"].objectValue ?? [:]
        for name in limits.keys.sorted() {
            _ = quantity(name, limits[name]!, field: "\(path).limits[\(name)]", errors: &errors)
        }
        for name in requests.keys.sorted() {
            guard let request = quantity(name, requests[name]!, field: "\(path).requests[\(name)]", errors: &errors) else { continue }
            if let limitValue = limits[name], let limit = try? Quantity(parsing: limitValue.stringValue ?? (try? Quantity.canonical(limitValue)) ?? "") {
                if !overcommitAllowed(name), request.compareValue(limit) != 0 {
                    errors.invalid("\(path).requests", .string(request.description), "must be equal to \(name) limit")
                } else if request.compareValue(limit) > 0 {
                    errors.invalid("\(path).requests", .string(request.description), "must be less than or equal to \(name) limit")
                }
            } else if limits[name] == nil, !overcommitAllowed(name) {
                errors.required("\(path).limits", "Limit must be set for non overcommitable resources")
            }
        }
    }

    /// Native resources other than hugepages can be overcommitted.
    static func overcommitAllowed(_ name: String) -> Bool {
        let native = !name.contains("/") || name.contains("kubernetes.io/")
        return native && !name.hasPrefix("hugepages-")
    }

    private static func quantity(_ name: String, _ value: JSONValue, field: String, errors: inout FieldErrors) -> Quantity? {
        if !name.contains("/"), !standard.contains(name), !name.hasPrefix("hugepages-") {
            errors.invalid(field, .string(name), "must be a standard resource for containers")
        }
        guard let text = value.stringValue ?? (try? Quantity.canonical(value)), let q = try? Quantity(parsing: text) else { return nil }
        if q.isNegative { errors.invalid(field, .string(q.description), "must be greater than or equal to 0") }
        return q
    }
}
