import KubernetesModel

extension ObjectDefaults {
    /// `x-kubernetes-validations` (CEL rules) is behind the CustomResourceValidationExpressions
    /// gate, alpha and off in v1.24: the CRD strategy's `dropDisabledFields` removes the rules from
    /// every schema of a CRD whose stored form has none (LocalKube never stores any), so a v1.24
    /// server neither checks nor shows them.
    static func dropValidationRules(_ schema: inout JSONValue) {
        SchemaChildren.changeEverywhere(&schema) { $0["x-kubernetes-validations"] = nil }
    }
}
