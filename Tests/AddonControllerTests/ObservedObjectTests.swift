import AddonCatalog
import KubernetesModel
import Testing
@testable import AddonController

/// What the watch caches of a workload cluster keep of an owned object (`ObservedObject`):
/// everything health reads, a fingerprint of the rest, and nothing else.
@Suite struct ObservedObjectTests {
    /// Every case of the built-in rules, its object given a pod template, annotations and
    /// managedFields that the caches drop: the kept form is judged exactly as the whole object.
    @Test(arguments: KindHealthTests.cases)
    func theKeptFormIsJudgedAsTheWholeObject(name: String, object: KubeObject, expected: HealthState) {
        var whole = object
        whole["spec"]["template"] = ["spec": ["containers": [["name": "main", "image": "registry.example/app:1.0"]]]]
        whole["metadata"]["annotations"] = ["note": "large text nobody reads"]
        whole["metadata"]["managedFields"] = [["manager": "addon-manager", "operation": "Apply"]]
        let kept = ObservedObject.kept(whole)
        #expect(KindHealth.evaluate(kept) == KindHealth.evaluate(whole), "\(name)")
        #expect(KindHealth.evaluate(kept).state == expected, "\(name)")
        #expect(kept["spec"]["template"].isNull)
        #expect(kept["metadata"]["annotations"].isNull)
    }

    @Test func aSecretsDataIsNotKept() {
        var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: "cloud-config", namespace: "kube-system")
        secret["data"] = ["cloud.conf": "c2VjcmV0"]
        secret["stringData"] = ["password": "hunter2"]
        secret.labels = [OwnershipLabels.addonNameKey: "cinder-csi", OwnershipLabels.addonVersionKey: "1.2.0", "app": "csi"]
        let kept = ObservedObject.kept(secret)
        #expect(kept["data"].isNull)
        #expect(kept["stringData"].isNull)
        #expect(!kept.body.jsonString().contains("c2VjcmV0"))
        #expect(!kept.body.jsonString().contains("hunter2"))
        // What the informer's handler and the cache's key read: the addon's name, no other label.
        #expect(kept.labels == [OwnershipLabels.addonNameKey: "cinder-csi"])
        #expect(kept.name == "cloud-config" && kept.namespace == "kube-system")
        // Nothing of ours is added to it either (the fingerprint is kept beside it, in the cache).
        #expect(kept.body.objectValue.map { Set($0.keys) } == ["apiVersion", "kind", "metadata"])
    }

    /// A rule reading a label the caches do not keep judges its object as read from the API;
    /// the addon's name label is kept.
    @Test func aRuleReadingALabelNotKeptIsNotJudgedFromTheCache() {
        #expect(!ObservedObject.keeps(["metadata", "labels", "app"]))
        #expect(!ObservedObject.keeps(["metadata", "labels"]))
        #expect(ObservedObject.keeps(["metadata", "labels", OwnershipLabels.addonNameKey]))
        #expect(ObservedObject.keeps(["metadata", "generation"]))
        #expect(!ObservedObject.keeps(["metadata", "annotations", "a"]))
    }

    static func deployment() -> KubeObject {
        var o = KubeObject(apiVersion: "apps/v1", kind: "Deployment", name: "controller", namespace: "kube-system")
        o.labels = ["app": "controller"]
        o.generation = 3
        o["metadata"]["resourceVersion"] = "41"
        o["metadata"]["managedFields"] = [["manager": "addon-manager", "operation": "Apply"]]
        o["spec"] = ["replicas": 2, "template": ["spec": ["containers": [["name": "main", "image": "app:1.0"]]]]]
        o["status"] = ["observedGeneration": 3, "readyReplicas": 2]
        return o
    }

    /// What changes without anyone changing the object leaves its fingerprint alone: the watch
    /// event of a status update needs no read for the drift check.
    @Test func statusVersionManagedFieldsAndGenerationDoNotMoveTheFingerprint() {
        let before = Self.deployment()
        var after = before
        after["metadata"]["resourceVersion"] = "57"
        after["metadata"]["managedFields"] = [["manager": "kube-controller-manager", "operation": "Update", "subresource": "status"]]
        after["status"] = ["observedGeneration": 3, "readyReplicas": 1, "conditions": [["type": "Available", "status": "False"]]]
        #expect(ObservedObject.contentFingerprint(of: after) == ObservedObject.contentFingerprint(of: before))
        after.generation = 4
        #expect(ObservedObject.contentFingerprint(of: after) == ObservedObject.contentFingerprint(of: before))
    }

    /// Whatever we may have applied, and a pending deletion, moves it.
    @Test(arguments: ["image", "replicas", "label", "annotation", "deletion", "data"])
    func anEditMovesTheFingerprint(edit: String) {
        let before = Self.deployment()
        var after = before
        switch edit {
        case "image": after["spec"]["template"]["spec"]["containers"] = [["name": "main", "image": "app:2.0"]]
        case "replicas": after["spec"]["replicas"] = 3
        case "label": after.labels["app"] = "other"
        case "annotation": after["metadata"]["annotations"] = ["a": "b"]
        case "deletion": after["metadata"]["deletionTimestamp"] = "2026-12-05T10:00:00Z"
        default: after["data"] = ["k": "v"]
        }
        #expect(ObservedObject.contentFingerprint(of: after) != ObservedObject.contentFingerprint(of: before), "\(edit)")
    }

    @Test func rulesThatReadOnlyWhatIsKeptAreJudgedFromTheCache() {
        let target = ObjectReference(groupKind: GroupKind(group: "apps", kind: "DaemonSet"), namespace: "kube-system", name: "node-plugin")
        let kept: [HealthRule.Check] = [
            .condition(type: "Available", status: "True"),
            .succeededWithin(seconds: 3600),
            .fieldEquals(path: ["status", "numberReady"], value: 3),
            .fieldEqualsField(path: ["status", "numberReady"], otherPath: ["status", "desiredNumberScheduled"]),
            .fieldEquals(path: ["spec", "replicas"], value: 2),
            .fieldEquals(path: ["metadata", "generation"], value: 2),
        ]
        for check in kept { #expect(ObservedObject.suffices(for: HealthRule(name: "r", target: target, check: check)), "\(check)") }
        let read: [HealthRule.Check] = [
            .fieldEquals(path: ["spec", "suspend"], value: false),
            .fieldEqualsField(path: ["status", "numberReady"], otherPath: ["spec", "template", "metadata", "labels", "n"]),
            .fieldEquals(path: ["metadata", "annotations", "a"], value: "b"),
            .fieldEquals(path: ["metadata", "labels", "tier"], value: "node"),
            .fieldEquals(path: ["data", "key"], value: "v"),
            .fieldEquals(path: [], value: "v"),
        ]
        for check in read { #expect(!ObservedObject.suffices(for: HealthRule(name: "r", target: target, check: check)), "\(check)") }
    }
}
