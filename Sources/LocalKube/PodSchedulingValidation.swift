import KubernetesModel

/// Where a pod may run, as v1.24's core validation checks it: `validateAffinity` (node affinity's
/// selector terms and their requirements, pod affinity and anti-affinity terms with their label
/// and namespace selectors, namespaces and topology keys, preferred weights) and
/// `validateTopologySpreadConstraints` (maxSkew, topologyKey, whenUnsatisfiable, no repeated
/// pair). v1.24 does not check a spread constraint's label selector (later releases do), and
/// its `minDomains` is behind a gate that is off, so the field is dropped before validation.
enum PodSchedulingValidation {
    /// `supportedScheduleActions.List()`: sorted.
    static let whenUnsatisfiable = ["DoNotSchedule", "ScheduleAnyway"]
    static let notPositive = "must be greater than zero"

    static func affinity(_ affinity: JSONValue, path: String, errors: inout FieldErrors) {
        guard case .object = affinity else { return }
        let node = affinity["nodeAffinity"]
        if case .object = node {
            let at = "\(path).nodeAffinity"
            if case .object = node["requiredDuringSchedulingIgnoredDuringExecution"] {
                nodeSelector(node["requiredDuringSchedulingIgnoredDuringExecution"], path: "\(at).requiredDuringSchedulingIgnoredDuringExecution", errors: &errors)
            }
            for (i, term) in (node["preferredDuringSchedulingIgnoredDuringExecution"].arrayValue ?? []).enumerated() {
                let termPath = "\(at).preferredDuringSchedulingIgnoredDuringExecution[\(i)]"
                weight(term, path: termPath, errors: &errors)
                nodeSelectorTerm(term["preference"], path: "\(termPath).preference", errors: &errors)
            }
        }
        for kind in ["podAffinity", "podAntiAffinity"] {
            let pod = affinity[kind]
            guard case .object = pod else { continue }
            let at = "\(path).\(kind)"
            for (i, term) in (pod["requiredDuringSchedulingIgnoredDuringExecution"].arrayValue ?? []).enumerated() {
                podAffinityTerm(term, path: "\(at).requiredDuringSchedulingIgnoredDuringExecution[\(i)]", errors: &errors)
            }
            for (i, term) in (pod["preferredDuringSchedulingIgnoredDuringExecution"].arrayValue ?? []).enumerated() {
                let termPath = "\(at).preferredDuringSchedulingIgnoredDuringExecution[\(i)]"
                weight(term, path: termPath, errors: &errors)
                podAffinityTerm(term["podAffinityTerm"], path: "\(termPath).podAffinityTerm", errors: &errors)
            }
        }
    }

    static func topologySpreadConstraints(_ constraints: [JSONValue], path: String, errors: inout FieldErrors) {
        for (i, constraint) in constraints.enumerated() {
            let at = "\(path)[\(i)]"
            let maxSkew = constraint["maxSkew"].intValue ?? 0
            if maxSkew <= 0 { errors.invalid("\(at).maxSkew", .int(maxSkew), notPositive) }
            let key = constraint["topologyKey"].stringValue ?? ""
            if key.isEmpty { errors.required("\(at).topologyKey", "can not be empty") }
            let action = constraint["whenUnsatisfiable"].stringValue ?? ""
            if !whenUnsatisfiable.contains(action) { errors.notSupported("\(at).whenUnsatisfiable", action, whenUnsatisfiable) }
            let repeated = constraints[(i + 1)...].contains {
                ($0["topologyKey"].stringValue ?? "") == key && ($0["whenUnsatisfiable"].stringValue ?? "") == action
            }
            if repeated { errors.duplicate("\(at).{topologyKey, whenUnsatisfiable}", .string("{\(key), \(action)}")) }
        }
    }

    /// `ValidateNodeSelector`: at least one term, and nothing else checked when there is none.
    private static func nodeSelector(_ selector: JSONValue, path: String, errors: inout FieldErrors) {
        let terms = selector["nodeSelectorTerms"].arrayValue ?? []
        if terms.isEmpty {
            errors.required("\(path).nodeSelectorTerms", "must have at least one node selector term")
            return
        }
        for (i, term) in terms.enumerated() { nodeSelectorTerm(term, path: "\(path).nodeSelectorTerms[\(i)]", errors: &errors) }
    }

    private static func nodeSelectorTerm(_ term: JSONValue, path: String, errors: inout FieldErrors) {
        for (j, requirement) in (term["matchExpressions"].arrayValue ?? []).enumerated() {
            let at = "\(path).matchExpressions[\(j)]"
            let count = requirement["values"].arrayValue?.count ?? 0
            let operation = requirement["operator"].stringValue ?? ""
            if operation == "Gt" || operation == "Lt" {
                if count != 1 { errors.required("\(at).values", "must be specified single value when `operator` is 'Lt' or 'Gt'") }
            } else if !LabelSelectorValidation.setOperatorValues(operation, count: count, path: at, errors: &errors) {
                errors.invalid("\(at).operator", .string(operation), "not a valid selector operator")
            }
            let key = requirement["key"].stringValue ?? ""
            for message in LabelValidation.qualifiedNameErrors(key) { errors.invalid("\(at).key", .string(key), message) }
        }
        // Node fields: only `metadata.name`, with In or NotIn and exactly one value.
        for (j, requirement) in (term["matchFields"].arrayValue ?? []).enumerated() {
            let at = "\(path).matchFields[\(j)]"
            let values = requirement["values"].arrayValue ?? []
            let operation = requirement["operator"].stringValue ?? ""
            if operation == "In" || operation == "NotIn" {
                if values.count != 1 { errors.required("\(at).values", "must be only one value when `operator` is 'In' or 'NotIn' for node field selector") }
            } else {
                errors.invalid("\(at).operator", .string(operation), "not a valid selector operator")
            }
            let key = requirement["key"].stringValue ?? ""
            if key != "metadata.name" {
                errors.invalid("\(at).key", .string(key), "not a valid field selector key")
                continue
            }
            for (k, value) in values.enumerated() { ObjectValidation.subdomain(value.stringValue ?? "", "\(at).values[\(k)]", &errors) }
        }
    }

    /// `validatePodAffinityTerm`. Namespaces are reported under `namespace`, as upstream does.
    private static func podAffinityTerm(_ term: JSONValue, path: String, errors: inout FieldErrors) {
        errors.append(contentsOf: LabelSelectorValidation.errors(term["labelSelector"], path: "\(path).labelSelector"))
        errors.append(contentsOf: LabelSelectorValidation.errors(term["namespaceSelector"], path: "\(path).namespaceSelector"))
        for namespace in term["namespaces"].arrayValue ?? [] {
            PodSpecValidation.label(namespace.stringValue ?? "", "\(path).namespace", &errors)
        }
        let key = term["topologyKey"].stringValue ?? ""
        if key.isEmpty { errors.required("\(path).topologyKey", "can not be empty") }
        for message in LabelValidation.qualifiedNameErrors(key) { errors.invalid("\(path).topologyKey", .string(key), message) }
    }

    private static func weight(_ term: JSONValue, path: String, errors: inout FieldErrors) {
        let weight = term["weight"].intValue ?? 0
        if weight <= 0 || weight > 100 { errors.invalid("\(path).weight", .int(weight), "must be in the range 1-100") }
    }
}
