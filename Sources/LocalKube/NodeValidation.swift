import KubernetesModel

/// A Node's spec as the v1.24 server's `ValidateNode` and `ValidateNodeUpdate` check it: taints
/// (a qualified key, a label value, a known effect, one per key and effect), reported under
/// `metadata.taints` as upstream does (it builds the path from `metadata`); on update, a set
/// provider ID never changes.
enum NodeValidation {
    static let effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"]

    static func errors(_ node: JSONValue, old: JSONValue?) -> FieldErrors {
        var errors = FieldErrors()
        if let old, let previous = old["spec"]["providerID"].stringValue, !previous.isEmpty, node["spec"]["providerID"].stringValue != previous {
            errors.forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid")
        }
        var seen: [String: Set<String>] = [:]
        for (i, taint) in (node["spec"]["taints"].arrayValue ?? []).enumerated() {
            let path = "metadata.taints[\(i)]"
            let key = taint["key"].stringValue ?? ""
            let value = taint["value"].stringValue ?? ""
            let effect = taint["effect"].stringValue ?? ""
            for message in LabelValidation.qualifiedNameErrors(key) { errors.invalid("\(path).key", .string(key), message) }
            let valueErrors = LabelValidation.labelValueErrors(value)
            if !valueErrors.isEmpty { errors.invalid("\(path).value", .string(value), valueErrors.joined(separator: ";")) }
            if effect.isEmpty {
                errors.required("\(path).effect")
            } else if !effects.contains(effect) {
                errors.notSupported("\(path).effect", effect, effects)
            }
            if seen[effect, default: []].contains(key) {
                let added = taint["timeAdded"].stringValue == nil ? "(*v1.Time)(nil)" : "<ptr>"
                errors.duplicate(path, .go("core.Taint{Key:\(GoSyntax.quote(key)), Value:\(GoSyntax.quote(value)), Effect:\(GoSyntax.quote(effect)), TimeAdded:\(added)}"
                                           + ": taints must be unique by key and effect pair"))
                continue
            }
            seen[effect, default: []].insert(key)
        }
        return errors
    }
}
