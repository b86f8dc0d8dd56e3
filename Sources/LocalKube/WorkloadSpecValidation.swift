import KubernetesModel

/// The numbers and policies of workload specs as apps and batch validation check them:
/// non-negative counts and durations, a progress deadline above minReadySeconds, rolling-update
/// bounds, deployment and daemon set strategies, a StatefulSet's pod management and update
/// strategy, a CronJob's schedule (the cron parser's error text) and concurrency policy.
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
            deploymentStrategy(spec["strategy"], path: "\(path).strategy", errors: &errors)
            nonNegative("minReadySeconds")
            nonNegative("revisionHistoryLimit")
            nonNegative("progressDeadlineSeconds")
            if let deadline = spec["progressDeadlineSeconds"].intValue, deadline <= (spec["minReadySeconds"].intValue ?? 0) {
                errors.invalid("\(path).progressDeadlineSeconds", .int(deadline), "must be greater than minReadySeconds")
            }
        case "ReplicaSet":
            nonNegative("replicas")
            nonNegative("minReadySeconds")
        case "StatefulSet":
            statefulSetPolicies(spec, path: path, errors: &errors)
            nonNegative("replicas")
            nonNegative("minReadySeconds")
        case "DaemonSet":
            nonNegative("minReadySeconds")
            daemonSetStrategy(spec["updateStrategy"], path: "\(path).updateStrategy", errors: &errors)
            nonNegative("revisionHistoryLimit")
        case "Job":
            for field in ["parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"] { nonNegative(field) }
        case "CronJob":
            let schedule = spec["schedule"].stringValue ?? ""
            if schedule.isEmpty {
                errors.required("\(path).schedule")
            } else if let message = CronScheduleSyntax.error(schedule) {
                errors.invalid("\(path).schedule", .string(schedule), message)
            }
            nonNegative("startingDeadlineSeconds")
            if let policy = spec["concurrencyPolicy"].stringValue, !["Allow", "Forbid", "Replace"].contains(policy) {
                errors.notSupported("\(path).concurrencyPolicy", policy, ["Allow", "Forbid", "Replace"])
            }
            for field in ["successfulJobsHistoryLimit", "failedJobsHistoryLimit"] { nonNegative(field) }
        default:
            break
        }
        return errors
    }

    /// The fields of an apps kind the server checks before its selector and template (the others after them).
    static func leadingFields(kind: String, path: String) -> [String] {
        switch kind {
        case "Deployment": return ["\(path).replicas"]
        case "ReplicaSet": return ["\(path).replicas", "\(path).minReadySeconds"]
        case "StatefulSet": return ["\(path).podManagementPolicy", "\(path).updateStrategy", "\(path).replicas", "\(path).minReadySeconds"]
        default: return []
        }
    }

    /// `ValidateDeploymentStrategy`: Recreate without rollingUpdate; the strategy printed as a Go struct when its type is unknown.
    private static func deploymentStrategy(_ strategy: JSONValue, path: String, errors: inout FieldErrors) {
        let type = strategy["type"].stringValue ?? ""
        switch type {
        case "Recreate":
            if !strategy["rollingUpdate"].isNull {
                errors.forbidden("\(path).rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")
            }
        case "RollingUpdate":
            if strategy["rollingUpdate"].isNull {
                errors.required("\(path).rollingUpdate", "this should be defaulted and never be nil")
            } else {
                rollingUpdate(strategy["rollingUpdate"], path: "\(path).rollingUpdate", errors: &errors)
            }
        default:
            let value = "apps.DeploymentStrategy{Type:\(GoSyntax.quote(type)), RollingUpdate:\(pointer(strategy["rollingUpdate"], "apps.RollingUpdateDeployment"))}"
            errors.notSupported(path, .go(value), ["Recreate", "RollingUpdate"])
        }
    }

    /// `ValidateDaemonSetUpdateStrategy`: OnDelete, or RollingUpdate with its parameters.
    private static func daemonSetStrategy(_ strategy: JSONValue, path: String, errors: inout FieldErrors) {
        let type = strategy["type"].stringValue ?? ""
        switch type {
        case "OnDelete":
            break
        case "RollingUpdate":
            if strategy["rollingUpdate"].isNull { errors.required("\(path).rollingUpdate") }
        default:
            let value = "apps.DaemonSetUpdateStrategy{Type:\(GoSyntax.quote(type)), RollingUpdate:\(pointer(strategy["rollingUpdate"], "apps.RollingUpdateDaemonSet"))}"
            errors.notSupported(path, .go(value), ["RollingUpdate", "OnDelete"])
        }
    }

    /// A StatefulSet's podManagementPolicy and updateStrategy (`ValidateStatefulSetSpec` words these as Invalid, not NotSupported).
    private static func statefulSetPolicies(_ spec: JSONValue, path: String, errors: inout FieldErrors) {
        switch spec["podManagementPolicy"].stringValue ?? "" {
        case "":
            errors.required("\(path).podManagementPolicy")
        case "OrderedReady", "Parallel":
            break
        case let policy:
            errors.invalid("\(path).podManagementPolicy", .string(policy), "must be 'OrderedReady' or 'Parallel'")
        }
        let strategy = spec["updateStrategy"], update = strategy["rollingUpdate"]
        let type = strategy["type"].stringValue ?? ""
        switch type {
        case "":
            errors.required("\(path).updateStrategy")
        case "OnDelete":
            if !update.isNull {
                let value = "apps.RollingUpdateStatefulSetStrategy{Partition:\(update["partition"].intValue ?? 0), MaxUnavailable:(*intstr.IntOrString)(nil)}"
                errors.invalid("\(path).updateStrategy.rollingUpdate", .go(value), "only allowed for updateStrategy 'RollingUpdate'")
            }
        case "RollingUpdate":
            if let partition = update["partition"].intValue, partition < 0 {
                errors.invalid("\(path).updateStrategy.rollingUpdate.partition", .int(partition), negativeMessage)
            }
        default:
            let value = "apps.StatefulSetUpdateStrategy{Type:\(GoSyntax.quote(type)), RollingUpdate:\(pointer(update, "apps.RollingUpdateStatefulSetStrategy"))}"
            errors.invalid("\(path).updateStrategy", .go(value), "must be 'RollingUpdate' or 'OnDelete'")
        }
    }

    /// A pointer field inside a struct the server prints with `%#v`: nil, or an address (a stand-in here,
    /// which the conformance normaliser turns into `<ptr>` like the server's).
    private static func pointer(_ value: JSONValue, _ type: String) -> String {
        value.isNull ? "(*\(type))(nil)" : "(*\(type))(0xc000a10050)"
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
