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
            errors.append(contentsOf: selectorErrors(object["spec"], path: "spec", kind: type.kind))
            if type.kind == "StatefulSet" {
                errors.append(contentsOf: statefulSetTemplateErrors(object["spec"]["template"]["spec"]))
            } else {
                errors.append(contentsOf: PodSpecValidation.errors(object["spec"]["template"]["spec"], path: "spec.template.spec", restartPolicies: ["Always"]))
            }
            errors.append(causes: numbers.causes.filter { !isLeading($0) })
            return errors
        case ("batch", "Job"):
            var errors = WorkloadSpecValidation.errors(object["spec"], kind: type.kind, path: "spec")
            errors.append(contentsOf: selectorErrors(object["spec"], path: "spec", kind: type.kind))
            errors.append(contentsOf: PodSpecValidation.errors(object["spec"]["template"]["spec"], path: "spec.template.spec", restartPolicies: ["OnFailure", "Never"]))
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

    /// A selector is required on apps kinds (a DaemonSet without one is reported as not matching
    /// its template, as v1.24 does); where there is one, it must select the template; Deployments,
    /// StatefulSets and DaemonSets refuse an empty one.
    private static func selectorErrors(_ spec: JSONValue, path: String, kind: String) -> FieldErrors {
        var errors = FieldErrors()
        let selector = spec["selector"]
        let labels = spec["template"]["metadata"]["labels"]
        let mismatch = "`selector` does not match template `labels`"
        if selector.isNull {
            // A DaemonSet's missing selector selects nothing, so its template's labels do not match it.
            if kind == "DaemonSet" {
                errors.invalid("\(path).template.metadata.labels", .go(GoSyntax.stringMap(labels)), mismatch)
            } else if kind != "Job" && kind != "CronJob" {
                errors.required("\(path).selector")
            }
            return errors
        }
        errors.append(contentsOf: LabelSelectorValidation.errors(selector, path: "\(path).selector"))
        let empty = (selector["matchLabels"].objectValue ?? [:]).isEmpty && (selector["matchExpressions"].arrayValue ?? []).isEmpty
        if empty {
            if kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" {
                errors.invalid("\(path).selector", .go(GoSyntax.labelSelector(selector)), "empty selector is invalid for \(kind.lowercased())")
            }
            return errors
        }
        // `LabelSelectorAsSelector` failing: the template is not matched against it (a Job's
        // validation says nothing more; the apps kinds call the selector invalid).
        guard LabelSelectorValidation.converts(selector), let parsed = try? LabelSelector(json: selector) else {
            if kind != "Job" { errors.invalid("\(path).selector", .go(GoSyntax.labelSelector(selector)), "invalid label selector") }
            return errors
        }
        let set = (labels.objectValue ?? [:]).compactMapValues(\.stringValue)
        if !parsed.matches(set) {
            errors.invalid("\(path).template.metadata.labels", .go(GoSyntax.stringMap(labels)), mismatch)
        }
        return errors
    }
}
