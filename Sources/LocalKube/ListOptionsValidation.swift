import KubernetesModel

/// The server's check of a list's `resourceVersionMatch` before it lists anything (422 Invalid,
/// `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: …`).
enum ListOptionsValidation {
    static func validate(_ query: [String: String]) throws(APIError) {
        guard let match = query["resourceVersionMatch"], !match.isEmpty, query["watch"] != "1", query["watch"] != "true" else { return }
        var causes: [KubeStatus.Cause] = []
        func forbidden(_ detail: String) { causes.append(.init(reason: "FieldValueForbidden", message: "Forbidden: \(detail)", field: "resourceVersionMatch")) }
        let resourceVersion = query["resourceVersion"] ?? ""
        if resourceVersion.isEmpty { forbidden("resourceVersionMatch is forbidden unless resourceVersion is provided") }
        if !(query["continue"] ?? "").isEmpty { forbidden("resourceVersionMatch is forbidden when continue is provided") }
        switch match {
        case "Exact":
            if resourceVersion == "0" { forbidden("resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"") }
        case "NotOlderThan":
            break
        default:
            causes.append(.init(reason: "FieldValueNotSupported",
                                message: "Unsupported value: \"\(match)\": supported values: \"Exact\", \"NotOlderThan\", \"\"", field: "resourceVersionMatch"))
        }
        if !causes.isEmpty { throw APIError.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "", causes: causes) }
    }
}
