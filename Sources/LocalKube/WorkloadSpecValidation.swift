import KubernetesModel

/// The numbers and policies of workload specs as apps and batch validation check them:
/// non-negative counts and durations, a progress deadline above minReadySeconds, rolling-update
/// bounds, a CronJob's schedule and concurrency policy.
enum WorkloadSpecValidation {
    static let negativeMessage = "must be greater than or equal to 0"

    static func errors(_ spec: JSONValue, kind: String, path: String) -> FieldErrors {
        var errors = FieldErrors()
        func nonNegative(_ field: String) {
            if let value = spec[field].intValue, value < 0 { errors.invalid("\(path).\(field)", .int(value), negativeMessage) }
        }
        switch kind {
        case "Deployment":
            nonNegative("replicas")
            rollingUpdate(spec["strategy"]["rollingUpdate"], path: "\(path).strategy.rollingUpdate", errors: &errors)
            nonNegative("minReadySeconds")
            nonNegative("revisionHistoryLimit")
            nonNegative("progressDeadlineSeconds")
            if let deadline = spec["progressDeadlineSeconds"].intValue, deadline <= (spec["minReadySeconds"].intValue ?? 0) {
                errors.invalid("\(path).progressDeadlineSeconds", .int(deadline), "must be greater than minReadySeconds")
            }
        case "ReplicaSet", "StatefulSet":
            nonNegative("replicas")
            nonNegative("minReadySeconds")
        case "DaemonSet":
            nonNegative("minReadySeconds")
            nonNegative("revisionHistoryLimit")
        case "Job":
            for field in ["parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"] { nonNegative(field) }
        case "CronJob":
            if (spec["schedule"].stringValue ?? "").isEmpty { errors.required("\(path).schedule") }
            if let policy = spec["concurrencyPolicy"].stringValue, !["Allow", "Forbid", "Replace"].contains(policy) {
                errors.notSupported("\(path).concurrencyPolicy", policy, ["Allow", "Forbid", "Replace"])
            }
            for field in ["startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"] { nonNegative(field) }
        default:
            break
        }
        return errors
    }

    /// maxUnavailable / maxSurge: a count or a percent up to 100%, not both zero.
    private static func rollingUpdate(_ update: JSONValue, path: String, errors: inout FieldErrors) {
        guard case .object = update else { return }
        func goValue(_ value: JSONValue) -> FieldErrors.Value {
            switch value {
            case .string(let s): return .go("intstr.IntOrString{Type:1, IntVal:0, StrVal:\(GoSyntax.quote(s))}")
            default: return .go("intstr.IntOrString{Type:0, IntVal:\(value.intValue ?? 0), StrVal:\"\"}")
            }
        }
        func amount(_ value: JSONValue) -> Int64? {
            switch value {
            case .int(let i): return i
            case .string(let s) where s.hasSuffix("%"): return Int64(s.dropLast())
            default: return nil
            }
        }
        for field in ["maxUnavailable", "maxSurge"] {
            let value = update[field]
            switch value {
            case .string(let text):
                if amount(value) == nil || text.dropLast().contains(where: { !$0.isNumber }) {
                    errors.invalid("\(path).\(field)", goValue(value), ClusterPolicyValidation.percentMessage)
                }
            case .int(let number) where number < 0:
                errors.invalid("\(path).\(field)", .int(number), negativeMessage)
            default:
                break
            }
        }
        if case .string(let text) = update["maxUnavailable"], let percent = amount(update["maxUnavailable"]), percent > 100, text.hasSuffix("%") {
            errors.invalid("\(path).maxUnavailable", goValue(update["maxUnavailable"]), "must not be greater than 100%")
        }
        if amount(update["maxUnavailable"]) == 0, amount(update["maxSurge"]) == 0 {
            errors.invalid("\(path).maxUnavailable", goValue(update["maxUnavailable"]), "may not be 0 when `maxSurge` is 0")
        }
    }
}
