import KubernetesModel

/// A CRD's subresources as apiextensions' `ValidateCustomResourceDefinitionSubresources` checks
/// them: the scale subresource's replica paths must be simple JSON paths (`.a.b`) under `.spec.`
/// and `.status.` (the trailing dot included, so `.spec` alone is refused), its optional label
/// selector path under either. Nothing checks that the paths exist in the schema, as on the server.
enum CustomResourceSubresourceValidation {
    static func errors(_ subresources: JSONValue, at path: String, into errors: inout FieldErrors) {
        let scale = subresources["scale"]
        guard case .object = scale else { return }
        replicasPath(scale, "specReplicasPath", under: ".spec", at: path, into: &errors)
        replicasPath(scale, "statusReplicasPath", under: ".status", at: path, into: &errors)
        if let selectorPath = scale["labelSelectorPath"].stringValue, !selectorPath.isEmpty {
            if let problem = simpleJSONPathProblem(selectorPath) {
                errors.invalid("\(path).scale.labelSelectorPath", .string(selectorPath), problem)
            } else if !selectorPath.hasPrefix(".spec."), !selectorPath.hasPrefix(".status.") {
                errors.invalid("\(path).scale.labelSelectorPath", .string(selectorPath), "should be a json path under either .spec or .status")
            }
        }
    }

    /// A required replicas path: a simple JSON path under `prefix` and a dot.
    private static func replicasPath(_ scale: JSONValue, _ key: String, under prefix: String, at path: String, into errors: inout FieldErrors) {
        let value = scale[key].stringValue ?? ""
        if value.isEmpty {
            errors.required("\(path).scale.\(key)")
        } else if let problem = simpleJSONPathProblem(value) {
            errors.invalid("\(path).scale.\(key)", .string(value), problem)
        } else if !value.hasPrefix(prefix + ".") {
            errors.invalid("\(path).scale.\(key)", .string(value), "should be a json path under \(prefix)")
        }
    }

    /// `validateSimpleJSONPath`.
    private static func simpleJSONPathProblem(_ path: String) -> String? {
        if path.isEmpty { return "must not be empty" }
        if !path.hasPrefix(".") { return "must be a simple json path starting with ." }
        return nil
    }
}
