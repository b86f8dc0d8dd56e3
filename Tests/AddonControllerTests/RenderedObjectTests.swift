import KubernetesModel
import Testing
@testable import AddonController

/// A kept rendering's objects: who they are without parsing, the same object when parsed.
@Suite struct RenderedObjectTests {
    @Test func theKeptFormIsTheSameObject() {
        var object = KubeObject(apiVersion: "apps/v1", kind: "Deployment", name: "ingress-controller", namespace: "ingress-system")
        object.labels = ["applyset.kubernetes.io/part-of": "applyset-abc", "app": "ingress"]
        object["spec"] = ["replicas": 2, "template": ["spec": ["containers": [["name": "controller", "image": "registry.example/ingress:1.2.3"]]]]]
        let fresh = RenderedObject(object)
        let kept = fresh.kept
        for rendered in [fresh, kept] {
            #expect(rendered.groupVersionKind == GroupVersionKind(group: "apps", version: "v1", kind: "Deployment"))
            #expect(rendered.namespace == "ingress-system" && rendered.name == "ingress-controller")
            #expect(rendered.reference == object.reference)
            #expect(rendered.object.body == object.body)
        }
        let clusterScoped = RenderedObject(KubeObject(apiVersion: "storage.k8s.io/v1", kind: "StorageClass", name: "cinder")).kept
        #expect(clusterScoped.namespace == nil)
        #expect(clusterScoped.reference == ObjectReference(groupKind: GroupKind(group: "storage.k8s.io", kind: "StorageClass"), namespace: nil, name: "cinder"))
    }
}
