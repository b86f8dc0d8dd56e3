import KubernetesModel

extension ObjectDefaults {
    /// `x-kubernetes-validations` (CEL rules) is behind the CustomResourceValidationExpressions
    /// gate, alpha and off in v1.24: the CRD strategy's `dropDisabledFields` removes the rules from
    /// every schema of a CRD whose stored form has none (LocalKube never stores any), so a v1.24
    /// server neither checks nor shows them.
    static func dropValidationRules(_ schema: inout JSONValue) {
        guard case .object(var node) = schema else { return }
        node["x-kubernetes-validations"] = nil
        for key in ["items", "additionalProperties", "not", "additionalItems"] {
            if var child = node[key] { dropValidationRules(&child); node[key] = child }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if case .array(var list)? = node[key] {
                for i in list.indices { dropValidationRules(&list[i]) }
                node[key] = .array(list)
            }
        }
        for key in ["properties", "patternProperties", "definitions"] {
            if case .object(var map)? = node[key] {
                for name in Array(map.keys) { if var child = map[name] { dropValidationRules(&child); map[name] = child } }
                node[key] = .object(map)
            }
        }
        schema = .object(node)
    }
}
