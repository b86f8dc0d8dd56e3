import Foundation
import KubernetesModel
import Testing
@testable import AddonCatalog

@Suite struct HealthRuleTests {
    let cronJob = ObjectReference(groupKind: GroupKind(group: "batch", kind: "CronJob"), namespace: "kube-system", name: "etcd-backup")
    let now = KubeTime.parse("2026-11-27T12:00:00Z")!

    func object(status: JSONValue) -> KubeObject {
        var object = KubeObject(apiVersion: "batch/v1", kind: "CronJob", name: "etcd-backup", namespace: "kube-system")
        object["status"] = status
        return object
    }

    @Test func cronJobMustHaveSucceededRecently() {
        let rule = HealthRule(name: "recent", target: cronJob, check: .succeededWithin(seconds: 12 * 3600))
        #expect(rule.evaluate(object(status: ["lastSuccessfulTime": "2026-11-27T09:00:00Z"]), now: now)
                == .init(healthy: true, message: "CronJob.batch kube-system/etcd-backup last succeeded 3h ago, limit 12h"))
        #expect(rule.evaluate(object(status: ["lastSuccessfulTime": "2026-11-26T20:30:00Z"]), now: now)
                == .init(healthy: false, message: "CronJob.batch kube-system/etcd-backup last succeeded 15h30m ago, limit 12h"))
        #expect(rule.evaluate(object(status: .emptyObject), now: now).healthy == false)
        #expect(rule.evaluate(nil, now: now) == .init(healthy: false, message: "CronJob.batch kube-system/etcd-backup does not exist"))
    }

    @Test func conditionsAndFields() {
        let deployment = ObjectReference(groupKind: GroupKind(group: "apps", kind: "Deployment"), namespace: "x", name: "web")
        var live = KubeObject(apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "x")
        live["status"] = ["conditions": [["type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable"]], "readyReplicas": 1, "replicas": 2]
        let available = HealthRule(name: "a", target: deployment, check: .condition(type: "Available", status: "True"))
        #expect(available.evaluate(live, now: now) == .init(healthy: false, message: "Deployment.apps x/web condition Available is False, want True (MinimumReplicasUnavailable)"))
        let ready = HealthRule(name: "r", target: deployment, check: .fieldEqualsField(path: ["status", "readyReplicas"], otherPath: ["status", "replicas"]))
        #expect(ready.evaluate(live, now: now).healthy == false)
        live["status"]["readyReplicas"] = 2
        #expect(ready.evaluate(live, now: now).healthy)
        let replicas = HealthRule(name: "f", target: deployment, check: .fieldEquals(path: ["status", "replicas"], value: 2))
        #expect(replicas.evaluate(live, now: now).healthy)
    }
}
