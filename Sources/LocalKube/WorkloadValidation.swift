import KubernetesModel

/// Pods and the kinds that carry a pod template (apps, batch, PodTemplate): the template's pod
/// spec (not for StatefulSets, whose pod spec v1.24 leaves unchecked), the restart policy each
/// kind allows, and a selector that matches the template's labels.
enum WorkloadValidation {
    static let allRestartPolicies = ["Always", "OnFailure", "Never"]

    /// nil for kinds without a pod spec.
    static func errors(_ object: JSONValue, type: ResourceType) -> FieldErrors? {
        switch (type.group, type.kind) {
        case ("", "Pod"):
            return PodSpecValidation.errors(object["spec"], path: "spec", restartPolicies: allRestartPolicies)
        case ("", "PodTemplate"):
            return PodSpecValidation.errors(object["template"]["spec"], path: "template.spec", restartPolicies: allRestartPolicies)
        case ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "DaemonSet"), ("apps", "StatefulSet"):
            // The server checks some fields first (replicas; a StatefulSet's policies), the template next, the other numbers last.
            let numbers = WorkloadSpecValidation.errors(object["spec"], kind: type.kind, path: "spec")
            let leading = WorkloadSpecValidation.leadingFields(kind: type.kind, path: "spec")
            func isLeading(_ cause: KubeStatus.Cause) -> Bool {
                leading.contains { cause.field == $0 || (cause.field ?? "").hasPrefix($0 + ".") }
            }
            var errors = FieldErrors()
            errors.append(causes: numbers.causes.filter(isLeading))
            let selector = selectorErrors(object["spec"], path: "spec", kind: type.kind)
            errors.append(contentsOf: selector.errors)
            if type.kind == "StatefulSet" {
                errors.append(contentsOf: statefulSetTemplateErrors(object["spec"]["template"]["spec"]))
            } else if selector.converted || type.kind == "DaemonSet" {
                errors.append(contentsOf: PodSpecValidation.errors(object["spec"]["template"]["spec"], path: "spec.template.spec", restartPolicies: ["Always"]))
            }
            errors.append(causes: numbers.causes.filter { !isLeading($0) })
            return errors
        case ("batch", "Job"):
            // The numbers and the template first, then the selector (`ValidateJobSpec`).
            var errors = WorkloadSpecValidation.errors(object["spec"], kind: type.kind, path: "spec")
            errors.append(contentsOf: PodSpecValidation.errors(object["spec"]["template"]["spec"], path: "spec.template.spec", restartPolicies: ["OnFailure", "Never"]))
            errors.append(contentsOf: selectorErrors(object["spec"], path: "spec", kind: type.kind).errors)
            return errors
        case ("batch", "CronJob"):
            // Schedule, deadline and policy; then the job template (whose selector the server generates); then the history limits.
            let job = object["spec"]["jobTemplate"]["spec"]
            let cron = WorkloadSpecValidation.errors(object["spec"], kind: type.kind, path: "spec")
            let isHistory = { (cause: KubeStatus.Cause) in (cause.field ?? "").hasSuffix("JobsHistoryLimit") }
            var errors = FieldErrors()
            errors.append(causes: cron.causes.filter { !isHistory($0) })
            errors.append(contentsOf: WorkloadSpecValidation.errors(job, kind: "Job", path: "spec.jobTemplate.spec"))
            errors.append(contentsOf: PodSpecValidation.errors(job["template"]["spec"], path: "spec.jobTemplate.spec.template.spec", restartPolicies: ["OnFailure", "Never"]))
            if !job["selector"].isNull {
                errors.invalid("spec.jobTemplate.spec.selector", .go(GoSyntax.labelSelector(job["selector"])), "`selector` will be auto-generated")
            }
            errors.append(causes: cron.causes.filter(isHistory))
            return errors
        default:
            return nil
        }
    }

    /// v1.24 does not validate a StatefulSet's pod spec (`ValidatePodTemplateSpecForStatefulSet`
    /// leaves it as a TODO): only the restart policy and activeDeadlineSeconds are checked.
    private static func statefulSetTemplateErrors(_ spec: JSONValue) -> FieldErrors {
        var errors = FieldErrors()
        if let policy = spec["restartPolicy"].stringValue, policy != "Always" {
            errors.notSupported("spec.template.spec.restartPolicy", policy, ["Always"])
        }
        if !spec["activeDeadlineSeconds"].isNull {
            errors.forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported")
        }
        return errors
    }

    /// What `selectorErrors` found, and whether `LabelSelectorAsSelector` turned the selector
    /// into one (when it did not, v1.24 skips the template's checks for Deployments and
    /// ReplicaSets: `ValidatePodTemplateSpecForReplicaSet` runs only in its else branch).
    private struct SelectorCheck {
        var errors = FieldErrors()
        var converted = true
    }

    /// A selector is required on apps kinds; a missing one selects nothing, so the template's
    /// labels do not match it either (a DaemonSet reports only that, as v1.24 does); where there
    /// is one, it must be a valid selector and select the template; Deployments, StatefulSets and
    /// DaemonSets refuse an empty one. A selector `LabelSelectorAsSelector` refuses is "invalid
    /// label selector" for Deployments and ReplicaSets, an invalid value without a detail for
    /// StatefulSets, and nothing more for DaemonSets and Jobs (the template is not matched).
    private static func selectorErrors(_ spec: JSONValue, path: String, kind: String) -> SelectorCheck {
        var check = SelectorCheck()
        let selector = spec["selector"]
        let labels = spec["template"]["metadata"]["labels"]
        let mismatch = "`selector` does not match template `labels`"
        if selector.isNull {
            guard kind != "Job" && kind != "CronJob" else { return check }
            if kind != "DaemonSet" { check.errors.required("\(path).selector") }
            check.errors.invalid("\(path).template.metadata.labels", .go(GoSyntax.stringMap(labels)), mismatch)
            return check
        }
        let found = LabelSelectorValidation.errors(selector, path: "\(path).selector")
        check.errors.append(contentsOf: found)
        let empty = (selector["matchLabels"].objectValue ?? [:]).isEmpty && (selector["matchExpressions"].arrayValue ?? []).isEmpty
        if empty {
            if kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" {
                check.errors.invalid("\(path).selector", .go(GoSyntax.labelSelector(selector)), "empty selector is invalid for \(kind.lowercased())")
            }
            return check
        }
        guard LabelSelectorValidation.converts(selector, found: found), let parsed = try? LabelSelector(json: selector) else {
            check.converted = false
            switch kind {
            case "Deployment", "ReplicaSet": check.errors.invalid("\(path).selector", .go(GoSyntax.labelSelector(selector)), "invalid label selector")
            case "StatefulSet": check.errors.invalid("\(path).selector", .go(GoSyntax.labelSelector(selector)), "")
            default: break
            }
            return check
        }
        let set = (labels.objectValue ?? [:]).compactMapValues(\.stringValue)
        if !parsed.matches(set) {
            check.errors.invalid("\(path).template.metadata.labels", .go(GoSyntax.stringMap(labels)), mismatch)
        }
        return check
    }
}
