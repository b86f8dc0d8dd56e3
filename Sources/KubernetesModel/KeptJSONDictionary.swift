/// The preset dictionary `KeptJSON` deflates against: the keys and values compact JSON of
/// Kubernetes objects repeats, as the caches keep them (sorted keys, no spaces).
///
/// Deflate refers back to earlier text at a cost that grows with the distance, so what nearly every
/// kept text holds comes last: identity, ownership labels, the status of workloads. Before it, the
/// vocabulary of whole manifests (pod templates, RBAC rules), for the renderings that are kept.
/// Changing it changes nothing outside the process: nothing deflated with it is written anywhere.
/// It must stay under the window less 262 bytes (3834 bytes for a 4 KiB window).
enum KeptJSONDictionary {
    static let bytes: [UInt8] = Array(fragments.joined().utf8)

    private static let fragments = [
        // Manifests: pod templates, RBAC.
        #""template":{"metadata":{"annotations":{},"labels":{"app.kubernetes.io/component":"controller","#,
        #""spec":{"affinity":{},"containers":[{"args":["--v=2","--cloud-config=$(CLOUD_CONFIG)"],"command":["/bin/"],"#,
        #""env":[{"name":"NODE_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"spec.nodeName"}}},{"name":"","value":""}],"#,
        #""image":"registry.k8s.io/","imagePullPolicy":"IfNotPresent","livenessProbe":{"httpGet":{"path":"/healthz","port":"#,
        #""ports":[{"containerPort":8080,"name":"http","protocol":"TCP"}],"readinessProbe":{"#,
        #""resources":{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},"#,
        #""securityContext":{"allowPrivilegeEscalation":false,"privileged":true,"readOnlyRootFilesystem":true,"runAsNonRoot":true},"#,
        #""volumeMounts":[{"mountPath":"/etc/kubernetes/","name":"","readOnly":true}]}],"dnsPolicy":"ClusterFirst","#,
        #""hostNetwork":true,"nodeSelector":{"node-role.kubernetes.io/control-plane":""},"priorityClassName":"system-cluster-critical","#,
        #""serviceAccountName":"","tolerations":[{"effect":"NoSchedule","key":"node-role.kubernetes.io/control-plane","operator":"Exists"}],"#,
        #""volumes":[{"configMap":{"name":""}},{"hostPath":{"path":"/var/lib/kubelet","type":"DirectoryOrCreate"},"name":""},{"name":"","secret":{"secretName":""}}]}},"#,
        #""selector":{"matchLabels":{"app.kubernetes.io/instance":"","app.kubernetes.io/name":""}},"#,
        #""rules":[{"apiGroups":[""],"resources":["pods","nodes","services","endpoints","secrets","configmaps","events","leases"],"verbs":["get","list","watch","create","update","patch","delete"]}],"#,
        #""roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":""},"subjects":[{"kind":"ServiceAccount","name":"","namespace":"kube-system"}],"#,
        #""data":{"":""},"annotations":{"":""},"app.kubernetes.io/managed-by":"addon-manager","addons.addon-manager.io/version":"1.0.0","applyset.kubernetes.io/part-of":"applyset-","#,
        // What the caches keep of owned objects (`ObservedObject`), most repeated last.
        #"{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"creationTimestamp":"2026-01-01T00:00:00Z","generation":1,"name":"","namespace":"kube-system","resourceVersion":"1","uid":""},"#,
        #""status":{"active":[],"lastScheduleTime":"","lastSuccessfulTime":""}}"#,
        #"{"apiVersion":"v1","kind":"Service","spec":{"type":"ClusterIP"},"status":{"loadBalancer":{}}}"#,
        #"{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"creationTimestamp":"2026-01-01T00:00:00Z","generation":1,"name":"","namespace":"kube-system","resourceVersion":"1","uid":""},"#,
        #""status":{"currentNumberScheduled":1,"desiredNumberScheduled":1,"numberAvailable":1,"numberMisscheduled":0,"numberReady":1,"observedGeneration":1,"updatedNumberScheduled":1}}"#,
        #"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"creationTimestamp":"2026-01-01T00:00:00Z","labels":{"addons.addon-manager.io/name":""},"name":"","resourceVersion":"1","uid":""}}"#,
        #"{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"creationTimestamp":"2026-01-01T00:00:00Z","labels":{"addons.addon-manager.io/name":""},"name":"","namespace":"kube-system","resourceVersion":"1","uid":""}}"#,
        #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"creationTimestamp":"2026-01-01T00:00:00Z","generation":1,"labels":{"addons.addon-manager.io/name":""},"#,
        #""name":"","namespace":"kube-system","resourceVersion":"1","uid":"00000000-0000-0000-0000-000000000000"},"spec":{"replicas":2},"status":{"availableReplicas":2,"#,
        #""conditions":[{"lastTransitionTime":"2026-01-01T00:00:00Z","lastUpdateTime":"2026-01-01T00:00:00Z","message":"Deployment has minimum availability.","#,
        #""reason":"MinimumReplicasAvailable","status":"True","type":"Available"},{"lastTransitionTime":"2026-01-01T00:00:00Z","lastUpdateTime":"2026-01-01T00:00:00Z","#,
        #""message":"ReplicaSet \"\" has successfully progressed.","reason":"NewReplicaSetAvailable","status":"True","type":"Progressing"}],"#,
        #""observedGeneration":1,"readyReplicas":2,"replicas":2,"updatedReplicas":2}}"#,
    ]
}
