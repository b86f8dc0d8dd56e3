import KubernetesModel
import Testing
@testable import AddonController

@Suite struct KindHealthTests {
    static func object(_ apiVersion: String, _ kind: String, generation: Int64? = 1, spec: JSONValue = .emptyObject, status: JSONValue = .emptyObject) -> KubeObject {
        var o = KubeObject(apiVersion: apiVersion, kind: kind, name: "x", namespace: "ns")
        if let generation { o.generation = generation }
        o["spec"] = spec
        o["status"] = status
        return o
    }

    static func deployment(_ status: JSONValue, replicas: Int64 = 2, generation: Int64 = 1) -> KubeObject {
        object("apps/v1", "Deployment", generation: generation, spec: ["replicas": .int(replicas)], status: status)
    }

    static let cases: [(String, KubeObject, HealthState)] = [
        ("deployment without status yet", deployment(.emptyObject), .progressing),
        ("deployment generation not observed", deployment(["observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2, "readyReplicas": 2], generation: 2), .progressing),
        ("deployment rolling", deployment(["observedGeneration": 1, "replicas": 3, "updatedReplicas": 1, "availableReplicas": 2, "readyReplicas": 2]), .progressing),
        ("deployment old replicas terminating", deployment(["observedGeneration": 1, "replicas": 3, "updatedReplicas": 2, "availableReplicas": 2, "readyReplicas": 2]), .progressing),
        ("deployment available", deployment(["observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2, "readyReplicas": 2]), .healthy),
        ("deployment rolled out but unavailable", deployment(["observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 0, "readyReplicas": 0]), .degraded),
        ("deployment past deadline", deployment(["observedGeneration": 1, "conditions": [["type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "too slow"]]]), .failed),
        ("daemonset ready", object("apps/v1", "DaemonSet", status: ["observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 3, "numberReady": 3]), .healthy),
        ("daemonset updating", object("apps/v1", "DaemonSet", status: ["observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 1, "numberAvailable": 3, "numberReady": 3]), .progressing),
        ("daemonset unavailable", object("apps/v1", "DaemonSet", status: ["observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 1, "numberReady": 1]), .degraded),
        ("statefulset revisions differ", object("apps/v1", "StatefulSet", spec: ["replicas": 1], status: ["observedGeneration": 1, "readyReplicas": 1, "currentRevision": "a", "updateRevision": "b"]), .progressing),
        ("statefulset ready", object("apps/v1", "StatefulSet", spec: ["replicas": 1], status: ["observedGeneration": 1, "readyReplicas": 1, "updatedReplicas": 1, "currentRevision": "a", "updateRevision": "a"]), .healthy),
        ("job complete", object("batch/v1", "Job", status: ["conditions": [["type": "Complete", "status": "True"]]]), .healthy),
        ("job failed", object("batch/v1", "Job", status: ["conditions": [["type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"]]]), .failed),
        ("job running", object("batch/v1", "Job", status: ["active": 1]), .progressing),
        ("pod ready", object("v1", "Pod", generation: nil, status: ["phase": "Running", "conditions": [["type": "Ready", "status": "True"]]]), .healthy),
        ("pod succeeded", object("v1", "Pod", generation: nil, status: ["phase": "Succeeded"]), .healthy),
        ("pod pending", object("v1", "Pod", generation: nil, status: ["phase": "Pending"]), .progressing),
        ("pvc bound", object("v1", "PersistentVolumeClaim", generation: nil, status: ["phase": "Bound"]), .healthy),
        ("pvc pending", object("v1", "PersistentVolumeClaim", generation: nil, status: ["phase": "Pending"]), .progressing),
        ("pvc lost", object("v1", "PersistentVolumeClaim", generation: nil, status: ["phase": "Lost"]), .failed),
        ("lb service without address", object("v1", "Service", generation: nil, spec: ["type": "LoadBalancer"]), .progressing),
        ("lb service with address", object("v1", "Service", generation: nil, spec: ["type": "LoadBalancer"], status: ["loadBalancer": ["ingress": [["ip": "10.0.0.5"]]]]), .healthy),
        ("clusterip service", object("v1", "Service", generation: nil, spec: ["type": "ClusterIP"]), .healthy),
        ("crd established", object("apiextensions.k8s.io/v1", "CustomResourceDefinition", status: ["conditions": [["type": "NamesAccepted", "status": "True"], ["type": "Established", "status": "True"]]]), .healthy),
        ("crd names conflict", object("apiextensions.k8s.io/v1", "CustomResourceDefinition", status: ["conditions": [["type": "NamesAccepted", "status": "False", "message": "taken"]]]), .failed),
        ("crd waiting", object("apiextensions.k8s.io/v1", "CustomResourceDefinition"), .progressing),
        ("apiservice unavailable", object("apiregistration.k8s.io/v1", "APIService", status: ["conditions": [["type": "Available", "status": "False", "reason": "MissingEndpoints"]]]), .degraded),
        ("configmap", object("v1", "ConfigMap", generation: nil), .healthy),
        ("custom resource not ready", object("example.com/v1", "Widget", status: ["observedGeneration": 1, "conditions": [["type": "Ready", "status": "False", "reason": "Waiting"]]]), .progressing),
        ("custom resource old generation", object("example.com/v1", "Widget", generation: 3, status: ["observedGeneration": 2, "conditions": [["type": "Ready", "status": "True"]]]), .progressing),
        ("custom resource ready", object("example.com/v1", "Widget", status: ["observedGeneration": 1, "conditions": [["type": "Ready", "status": "True"]]]), .healthy),
    ]

    @Test(arguments: cases)
    func perKindRules(name: String, object: KubeObject, expected: HealthState) {
        let health = KindHealth.evaluate(object)
        #expect(health.state == expected, "\(name): \(health.message)")
    }

    @Test func deletingObjectIsProgressing() {
        var o = Self.deployment(["observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2, "readyReplicas": 2])
        o.deletionTimestamp = "2026-01-01T00:00:00Z"
        #expect(KindHealth.evaluate(o).state == .progressing)
    }

    @Test func worstStateWins() {
        #expect([HealthState.healthy, .degraded, .progressing].max() == .degraded)
        #expect([HealthState.healthy, .failed, .unknown].max() == .failed)
    }
}
