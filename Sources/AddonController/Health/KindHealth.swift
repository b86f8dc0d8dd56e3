import Foundation
import KubernetesModel

/// Built-in per-kind health rules, kstatus-style, with a few stricter checks (a LoadBalancer
/// Service needs an ingress address). Pure functions of the object as read from the cluster.
public enum KindHealth {
    public static func evaluate(_ object: KubeObject) -> ObjectHealth {
        let (state, message) = rule(for: object)
        return ObjectHealth(reference: object.reference, state: state, message: message)
    }

    static func rule(for object: KubeObject) -> (HealthState, String) {
        if object.deletionTimestamp != nil { return (.progressing, "being deleted") }
        let gk = object.groupVersionKind.groupKind
        switch (gk.group, gk.kind) {
        case ("apps", "Deployment"): return deployment(object)
        case ("apps", "DaemonSet"): return daemonSet(object)
        case ("apps", "StatefulSet"): return statefulSet(object)
        case ("apps", "ReplicaSet"): return replicaSet(object)
        case ("batch", "Job"): return job(object)
        case ("", "Pod"): return pod(object)
        case ("", "PersistentVolumeClaim"): return pvc(object)
        case ("", "Service"): return service(object)
        case ("apiextensions.k8s.io", "CustomResourceDefinition"): return crd(object)
        case ("apiregistration.k8s.io", "APIService"): return apiService(object)
        default: return generic(object)
        }
    }

    // MARK: Workloads

    static func deployment(_ o: KubeObject) -> (HealthState, String) {
        if let pending = generationPending(o) { return pending }
        let status = o.status
        if let c = condition(o, "Progressing"), c.status == "False", c.reason == "ProgressDeadlineExceeded" {
            return (.failed, "rollout exceeded its progress deadline: \(c.message)")
        }
        let desired = o.spec["replicas"].intValue ?? 1
        let updated = status["updatedReplicas"].intValue ?? 0
        let total = status["replicas"].intValue ?? 0
        let available = status["availableReplicas"].intValue ?? 0
        let ready = status["readyReplicas"].intValue ?? 0
        if updated < desired { return (.progressing, "\(updated) of \(desired) replicas updated") }
        if total > updated { return (.progressing, "\(total - updated) old replicas pending termination") }
        if available < desired || ready < desired {
            // The rollout is complete, yet replicas are not available: it was working and is not now.
            return (.degraded, "\(available) of \(desired) replicas available")
        }
        return (.healthy, "\(available) of \(desired) replicas available")
    }

    static func daemonSet(_ o: KubeObject) -> (HealthState, String) {
        if let pending = generationPending(o) { return pending }
        let status = o.status
        let desired = status["desiredNumberScheduled"].intValue ?? 0
        let updated = status["updatedNumberScheduled"].intValue ?? 0
        let available = status["numberAvailable"].intValue ?? 0
        let ready = status["numberReady"].intValue ?? 0
        if updated < desired { return (.progressing, "\(updated) of \(desired) pods updated") }
        if available < desired || ready < desired { return (.degraded, "\(available) of \(desired) pods available") }
        return (.healthy, "\(available) of \(desired) pods available")
    }

    static func statefulSet(_ o: KubeObject) -> (HealthState, String) {
        if let pending = generationPending(o) { return pending }
        let status = o.status
        let desired = o.spec["replicas"].intValue ?? 1
        let ready = status["readyReplicas"].intValue ?? 0
        let updated = status["updatedReplicas"].intValue ?? 0
        if let current = status["currentRevision"].stringValue, let update = status["updateRevision"].stringValue, current != update {
            return (.progressing, "rolling update: \(updated) of \(desired) replicas at revision \(update)")
        }
        if ready < desired { return (updated < desired ? .progressing : .degraded, "\(ready) of \(desired) replicas ready") }
        return (.healthy, "\(ready) of \(desired) replicas ready")
    }

    static func replicaSet(_ o: KubeObject) -> (HealthState, String) {
        if let pending = generationPending(o) { return pending }
        let desired = o.spec["replicas"].intValue ?? 1
        let available = o.status["availableReplicas"].intValue ?? 0
        if available < desired { return (.progressing, "\(available) of \(desired) replicas available") }
        return (.healthy, "\(available) of \(desired) replicas available")
    }

    static func job(_ o: KubeObject) -> (HealthState, String) {
        if let c = condition(o, "Failed"), c.status == "True" { return (.failed, "job failed: \(c.reason) \(c.message)".trimmed) }
        if let c = condition(o, "Complete"), c.status == "True" { return (.healthy, "job complete") }
        return (.progressing, "job running: \(o.status["succeeded"].intValue ?? 0) succeeded")
    }

    static func pod(_ o: KubeObject) -> (HealthState, String) {
        switch o.status["phase"].stringValue {
        case "Succeeded": return (.healthy, "pod succeeded")
        case "Failed": return (.failed, "pod failed: \(o.status["reason"].stringValue ?? "")".trimmed)
        default:
            if let c = condition(o, "Ready"), c.status == "True" { return (.healthy, "pod ready") }
            return (.progressing, "pod \(o.status["phase"].stringValue ?? "Pending"), not ready")
        }
    }

    // MARK: Storage and networking

    static func pvc(_ o: KubeObject) -> (HealthState, String) {
        switch o.status["phase"].stringValue {
        case "Bound": return (.healthy, "bound")
        case "Lost": return (.failed, "claim lost its volume")
        default: return (.progressing, "waiting for a volume (\(o.status["phase"].stringValue ?? "Pending"))")
        }
    }

    static func service(_ o: KubeObject) -> (HealthState, String) {
        guard o.spec["type"].stringValue == "LoadBalancer" else { return (.healthy, "") }
        let ingress = o.status["loadBalancer"]["ingress"].arrayValue ?? []
        if ingress.isEmpty { return (.progressing, "waiting for a load balancer address") }
        let addresses = ingress.compactMap { $0["ip"].stringValue ?? $0["hostname"].stringValue }
        return (.healthy, "load balancer at \(addresses.joined(separator: ", "))")
    }

    // MARK: API extensions

    static func crd(_ o: KubeObject) -> (HealthState, String) {
        if let names = condition(o, "NamesAccepted"), names.status == "False" { return (.failed, "names not accepted: \(names.message)") }
        if let established = condition(o, "Established"), established.status == "True" { return (.healthy, "established") }
        return (.progressing, "waiting to be established")
    }

    static func apiService(_ o: KubeObject) -> (HealthState, String) {
        if let c = condition(o, "Available") {
            return c.status == "True" ? (.healthy, "available") : (.degraded, "not available: \(c.reason) \(c.message)".trimmed)
        }
        return (.progressing, "availability not reported yet")
    }

    /// Any other kind: `status.observedGeneration` and a `Ready` condition when present; an
    /// object without status is healthy once it exists (ConfigMap, RBAC, ...).
    static func generic(_ o: KubeObject) -> (HealthState, String) {
        if let pending = generationPending(o) { return pending }
        if let ready = condition(o, "Ready") {
            return ready.status == "True" ? (.healthy, "ready") : (.progressing, "not ready: \(ready.reason) \(ready.message)".trimmed)
        }
        if let stalled = condition(o, "Stalled"), stalled.status == "True" { return (.failed, "stalled: \(stalled.message)") }
        return (.healthy, "")
    }

    // MARK: Helpers

    struct Condition {
        var status: String
        var reason: String
        var message: String
    }

    static func condition(_ o: KubeObject, _ type: String) -> Condition? {
        for c in o.status["conditions"].arrayValue ?? [] where c["type"].stringValue == type {
            return Condition(status: c["status"].stringValue ?? "Unknown", reason: c["reason"].stringValue ?? "", message: c["message"].stringValue ?? "")
        }
        return nil
    }

    static func generationPending(_ o: KubeObject) -> (HealthState, String)? {
        guard let generation = o.generation, let observed = o.status["observedGeneration"].intValue else {
            if o.generation != nil, o.status["observedGeneration"].isNull, isWorkload(o) { return (.progressing, "waiting for the controller to observe the object") }
            return nil
        }
        if observed < generation { return (.progressing, "generation \(generation) not yet observed (at \(observed))") }
        return nil
    }

    static func isWorkload(_ o: KubeObject) -> Bool {
        let gk = o.groupVersionKind.groupKind
        return gk.group == "apps" && ["Deployment", "DaemonSet", "StatefulSet", "ReplicaSet"].contains(gk.kind)
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespaces) }
}
