import Testing
@testable import KubernetesModel

@Suite struct CompressedJSONTests {
    /// A Deployment as a cache would keep it: comes back equal, in a fraction of its text.
    @Test func anObjectComesBackEqualAndSmaller() throws {
        var containers: [JSONValue] = []
        for i in 0..<4 {
            containers.append([
                "name": .string("sidecar-\(i)"), "image": "registry.k8s.io/sig-storage/csi-provisioner:v3.6.0",
                "args": ["--csi-address=$(ADDRESS)", "--timeout=3m", "--leader-election=true", "--v=2"],
                "env": [["name": "ADDRESS", "value": "/var/lib/csi/sockets/pluginproxy/csi.sock"]],
                "resources": ["requests": ["cpu": "10m", "memory": "20Mi"], "limits": ["memory": "200Mi"]],
                "volumeMounts": [["name": "socket-dir", "mountPath": "/var/lib/csi/sockets/pluginproxy/"]],
            ])
        }
        let deployment: JSONValue = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "csi-cinder-controllerplugin", "namespace": "kube-system", "labels": ["app.kubernetes.io/managed-by": "addon-manager"]],
            "spec": ["replicas": 2, "template": ["spec": ["containers": .array(containers)]]],
            "status": ["replicas": 2, "readyReplicas": 2, "observedGeneration": 3, "ratio": 0.5, "ok": true, "note": "ünïcødé ✓"],
        ]
        let kept = CompressedJSON(deployment)
        #expect(kept.value == deployment)
        let text = deployment.serialized().count
        #expect(kept.storedBytes * 3 < text, "kept \(kept.storedBytes) bytes of \(text)")
    }

    /// A value compression cannot shrink is kept as its text, and still comes back.
    @Test func tinyValuesAreKeptAsText() {
        for value: JSONValue in [.null, true, 7, "x", [:], []] {
            let kept = CompressedJSON(value)
            #expect(kept.value == value)
            #expect(kept.storedBytes == value.serialized().count)
        }
    }
}
