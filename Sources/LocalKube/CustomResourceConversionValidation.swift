import KubernetesModel

/// A CRD's `spec.conversion` as apiextensions checks it (v1.24), on the internal form whose field
/// names the errors carry (`webhookClientConfig`, `conversionReviewVersions`, moved up from v1's
/// `webhook`): the strategy `None` or `Webhook`; a webhook needs a client config (exactly one of a
/// URL and a service, checked as admission webhooks' are) and review versions (DNS-1035 labels,
/// no repeats, at least one the server speaks: `v1`, `v1beta1`); with `None` neither may be set.
enum CustomResourceConversionValidation {
    static let reviewVersions = ["v1", "v1beta1"]

    static func errors(_ spec: JSONValue, into errors: inout FieldErrors) {
        let conversion = spec["conversion"]
        guard case .object = conversion else { return }
        let strategy = conversion["strategy"].stringValue ?? ""
        if !["None", "Webhook"].contains(strategy) {
            errors.notSupported("spec.conversion.strategy", strategy, ["None", "Webhook"])
        }
        if strategy == "Webhook", spec["preserveUnknownFields"].boolValue == true {
            errors.invalid("spec.conversion.strategy", .string(strategy), "must be None if spec.preserveUnknownFields is true")
        }
        let clientConfig = conversion["webhook"]["clientConfig"]
        let versions = conversion["webhook"]["conversionReviewVersions"].arrayValue
        guard strategy == "Webhook" else {
            if !clientConfig.isNull {
                errors.forbidden("spec.conversion.webhookClientConfig", "should not be set when strategy is not set to Webhook")
            }
            if !(versions ?? []).isEmpty {
                errors.forbidden("spec.conversion.conversionReviewVersions", "should not be set when strategy is not set to Webhook")
            }
            return
        }
        if clientConfig.isNull {
            errors.required("spec.conversion.webhookClientConfig", "required when strategy is set to Webhook")
        } else {
            errors.append(contentsOf: WebhookClientConfigValidation.errors(clientConfig, at: "spec.conversion.webhookClientConfig"))
        }
        reviewVersionErrors(versions ?? [], into: &errors)
    }

    /// `validateConversionReviewVersions`.
    private static func reviewVersionErrors(_ versions: [JSONValue], into errors: inout FieldErrors) {
        let path = "spec.conversion.conversionReviewVersions"
        guard !versions.isEmpty else { return errors.required(path) }
        var seen = Set<String>()
        for (i, version) in versions.enumerated() {
            let name = version.stringValue ?? ""
            guard seen.insert(name).inserted else {
                errors.invalid("\(path)[\(i)]", .string(name), "duplicate version")
                continue
            }
            for message in CustomResourceDefinitionValidation.dns1035Errors(name) ?? [] {
                errors.invalid("\(path)[\(i)]", .string(name), message)
            }
        }
        if !versions.contains(where: { reviewVersions.contains($0.stringValue ?? "") }) {
            errors.invalid(path, .go(GoSyntax.stringSlice(.array(versions))), "must include at least one of \(reviewVersions.joined(separator: ", "))")
        }
    }
}
