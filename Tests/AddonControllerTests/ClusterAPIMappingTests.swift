import AddonController
import KubernetesModel
import Testing

/// How a Cluster API Cluster becomes one of ours: table tests of the pure mapping.
@Suite struct ClusterAPIMappingTests {
    static func source(initialized: Bool = true, labels: [String: String] = [:], annotations: [String: String] = [:], spec: JSONValue = [:]) -> KubeObject {
        var object = KubeObject(apiVersion: "cluster.x-k8s.io/v1beta1", kind: "Cluster", name: "edge-1", namespace: "team-a")
        object.body.setValue("0f5c-uid", at: ["metadata", "uid"])
        if !labels.isEmpty { object.labels = labels }
        if !annotations.isEmpty { object.body.setValue(.object(annotations.mapValues(JSONValue.string)), at: ["metadata", "annotations"]) }
        object["spec"] = spec
        if initialized { object["status"] = ["conditions": [["type": "ControlPlaneInitialized", "status": "True"]]] }
        return object
    }

    @Test func nothingUntilTheControlPlaneIsInitialized() {
        #expect(ClusterAPIMapping.outcome(of: Self.source(initialized: false, spec: ["topology": ["version": "v1.30.2"]]))
                == .waiting("the control plane is not initialized yet"))
        var ready = Self.source(initialized: false, spec: ["topology": ["version": "v1.30.2"]])
        ready["status"] = ["controlPlaneReady": true]
        guard case .cluster = ClusterAPIMapping.outcome(of: ready) else { Issue.record("controlPlaneReady should do"); return }
    }

    @Test func theClusterCarriesWhatLabelsAnnotationsAndTheSpecSay() throws {
        let source = Self.source(
            labels: ["wave": "early", "addon-manager.io/channel": "fast", "cluster.x-k8s.io/cluster-name": "edge-1"],
            annotations: ["addon-manager.io/addons": "ingress-nginx, -log-shipping, etcd-backup@1.1.0",
                          "facts.addon-manager.io/region": "eu-1", "facts.addon-manager.io/availability-zones": "az1, az2"],
            spec: ["topology": ["version": "v1.30.2"], "paused": true,
                   "controlPlaneEndpoint": ["host": "10.0.0.5", "port": 6443],
                   "clusterNetwork": ["pods": ["cidrBlocks": ["192.168.0.0/16"]], "services": ["cidrBlocks": ["10.128.0.0/12"]]]])
        guard case .cluster(let cluster) = ClusterAPIMapping.outcome(of: source) else { Issue.record("\(ClusterAPIMapping.outcome(of: source))"); return }
        #expect(cluster.name == "edge-1" && cluster.namespace == "team-a" && cluster.kind == "Cluster")
        #expect(cluster.labels == ["wave": "early", "addon-manager.io/channel": "fast", "addon-manager.io/source": "cluster-api"])
        #expect(cluster.metadata["ownerReferences"][0]["uid"] == "0f5c-uid" && cluster.metadata["ownerReferences"][0]["kind"] == "Cluster"
                && cluster.metadata["ownerReferences"][0]["apiVersion"] == "cluster.x-k8s.io/v1beta1")
        let spec = cluster["spec"]
        #expect(spec["kubernetesVersion"] == "v1.30.2" && spec["channel"] == "fast" && spec["paused"] == true)
        #expect(spec["kubeconfigSecretRef"] == ["name": "edge-1-kubeconfig", "key": "value"])
        #expect(spec["addons"] == [["name": "ingress-nginx", "enabled": true], ["name": "log-shipping", "enabled": false],
                                   ["name": "etcd-backup", "version": "1.1.0"]])
        #expect(spec["facts"] == ["region": "eu-1", "availabilityZones": ["az1", "az2"], "apiEndpoint": "https://10.0.0.5:6443",
                                  "podCIDR": "192.168.0.0/16", "serviceCIDR": "10.128.0.0/12"])
        // The result is a Cluster the controllers accept.
        let read = try ClusterSpec(cluster: cluster)
        #expect(read.kubeconfig?.secretName == "edge-1-kubeconfig" && read.kubeconfig?.key == "value" && read.addons.count == 3 && read.facts.region == "eu-1")
    }

    @Test(arguments: [
        ([:], "no Kubernetes version: set spec.topology.version or the annotation addon-manager.io/kubernetes-version"),
        (["addon-manager.io/kubernetes-version": "1.29.1", "addon-manager.io/addons": "Ingress"],
         "annotation addon-manager.io/addons: \"Ingress\" is not an addon (name, -name or name@version)"),
        (["addon-manager.io/kubernetes-version": "1.29.1", "addon-manager.io/addons": "etcd-backup@latest"],
         "annotation addon-manager.io/addons: \"etcd-backup@latest\": \"latest\" is not a version like 1.2.3"),
        (["addon-manager.io/kubernetes-version": "1.29.1", "addon-manager.io/addons": "a,-a"], "annotation addon-manager.io/addons: a is named twice"),
    ])
    func whatCannotBeUsedIsSaid(annotations: [String: String], message: String) {
        #expect(ClusterAPIMapping.outcome(of: Self.source(annotations: annotations)) == .invalid(message))
    }
}
