import KubernetesModel

/// v1.24 defaults of the autoscaling, network policy and RBAC binding kinds addons ship.
extension ObjectDefaults {
    /// A binding's roleRef and its User/Group subjects are in the RBAC API group unless they say otherwise.
    static func roleBindingDefaults(_ object: inout JSONValue) {
        if (object["roleRef"]["apiGroup"].stringValue ?? "").isEmpty, case .object = object["roleRef"] {
            object.setValue("rbac.authorization.k8s.io", at: ["roleRef", "apiGroup"])
        }
        guard case .array(var subjects) = object["subjects"] else { return }
        for i in subjects.indices where (subjects[i]["apiGroup"].stringValue ?? "").isEmpty {
            if subjects[i]["kind"] == "User" || subjects[i]["kind"] == "Group" { subjects[i]["apiGroup"] = "rbac.authorization.k8s.io" }
        }
        object["subjects"] = .array(subjects)
    }

    /// autoscaling/v2 HorizontalPodAutoscaler: one replica at least, a CPU utilisation target of
    /// 80% when no metric is named, and the default scaling rules filled into a given behavior.
    static func horizontalPodAutoscalerDefaults(_ object: inout JSONValue) {
        setIfAbsent(&object, ["spec", "minReplicas"], 1)
        if (object["spec"]["metrics"].arrayValue ?? []).isEmpty {
            object.setValue([["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 80]]]],
                            at: ["spec", "metrics"])
        }
        guard case .object = object["spec"]["behavior"] else { return }
        let scaleUp: JSONValue = [
            "stabilizationWindowSeconds": 0, "selectPolicy": "Max",
            "policies": [["type": "Pods", "value": 4, "periodSeconds": 15], ["type": "Percent", "value": 100, "periodSeconds": 15]],
        ]
        let scaleDown: JSONValue = ["selectPolicy": "Max", "policies": [["type": "Percent", "value": 100, "periodSeconds": 15]]]
        for (direction, defaults) in [("scaleUp", scaleUp), ("scaleDown", scaleDown)] {
            var rules = object["spec"]["behavior"][direction]
            if !rules.isNull, rules.objectValue == nil { continue }
            for (field, value) in defaults.objectValue ?? [:] where rules[field].isNull { rules[field] = value }
            object.setValue(rules, at: ["spec", "behavior", direction])
        }
    }

    /// The status a fresh HorizontalPodAutoscaler shows (its Go struct's zero value).
    static func horizontalPodAutoscalerStatus(_ object: inout JSONValue) {
        if object["status"]["currentMetrics"].isNull { object.setValue(.null, at: ["status", "currentMetrics"]) }
        setIfAbsent(&object, ["status", "desiredReplicas"], 0)
    }

    /// networking.k8s.io/v1 NetworkPolicy: policyTypes Ingress (and Egress when egress rules are
    /// given) when none are named; ports default to TCP.
    static func networkPolicyDefaults(_ object: inout JSONValue) {
        if (object["spec"]["policyTypes"].arrayValue ?? []).isEmpty, case .object = object["spec"] {
            var types: [JSONValue] = ["Ingress"]
            if !(object["spec"]["egress"].arrayValue ?? []).isEmpty { types.append("Egress") }
            object.setValue(.array(types), at: ["spec", "policyTypes"])
        }
        for direction in ["ingress", "egress"] {
            guard case .array(var rules) = object["spec"][direction] else { continue }
            for i in rules.indices {
                guard case .array(var ports) = rules[i]["ports"] else { continue }
                for j in ports.indices where ports[j].objectValue != nil { setIfAbsent(&ports[j], ["protocol"], "TCP") }
                rules[i]["ports"] = .array(ports)
            }
            object.setValue(.array(rules), at: ["spec", direction])
        }
    }
}
