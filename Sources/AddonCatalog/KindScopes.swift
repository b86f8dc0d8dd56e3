import KubernetesModel

/// Which built-in kinds are cluster-scoped (as the API server's discovery says); every other
/// built-in kind in `namespacedBuiltins` is namespaced. Kinds defined by CustomResourceDefinitions
/// the addon renders take their scope from the CRD; kinds known to neither are not checked.
public enum KindScopes {
    public static let clusterScoped: Set<GroupKind> = [
        GroupKind(group: "", kind: "Namespace"),
        GroupKind(group: "", kind: "Node"),
        GroupKind(group: "", kind: "PersistentVolume"),
        GroupKind(group: "", kind: "ComponentStatus"),
        GroupKind(group: "rbac.authorization.k8s.io", kind: "ClusterRole"),
        GroupKind(group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding"),
        GroupKind(group: "apiextensions.k8s.io", kind: "CustomResourceDefinition"),
        GroupKind(group: "apiregistration.k8s.io", kind: "APIService"),
        GroupKind(group: "admissionregistration.k8s.io", kind: "MutatingWebhookConfiguration"),
        GroupKind(group: "admissionregistration.k8s.io", kind: "ValidatingWebhookConfiguration"),
        GroupKind(group: "admissionregistration.k8s.io", kind: "ValidatingAdmissionPolicy"),
        GroupKind(group: "admissionregistration.k8s.io", kind: "ValidatingAdmissionPolicyBinding"),
        GroupKind(group: "storage.k8s.io", kind: "StorageClass"),
        GroupKind(group: "storage.k8s.io", kind: "CSIDriver"),
        GroupKind(group: "storage.k8s.io", kind: "CSINode"),
        GroupKind(group: "storage.k8s.io", kind: "VolumeAttachment"),
        GroupKind(group: "scheduling.k8s.io", kind: "PriorityClass"),
        GroupKind(group: "networking.k8s.io", kind: "IngressClass"),
        GroupKind(group: "node.k8s.io", kind: "RuntimeClass"),
        GroupKind(group: "policy", kind: "PodSecurityPolicy"),
        GroupKind(group: "certificates.k8s.io", kind: "CertificateSigningRequest"),
        GroupKind(group: "flowcontrol.apiserver.k8s.io", kind: "FlowSchema"),
        GroupKind(group: "flowcontrol.apiserver.k8s.io", kind: "PriorityLevelConfiguration"),
        GroupKind(group: "snapshot.storage.k8s.io", kind: "VolumeSnapshotClass"),
        GroupKind(group: "snapshot.storage.k8s.io", kind: "VolumeSnapshotContent"),
    ]

    public static let namespacedBuiltins: Set<GroupKind> = [
        GroupKind(group: "", kind: "ConfigMap"), GroupKind(group: "", kind: "Secret"), GroupKind(group: "", kind: "Service"),
        GroupKind(group: "", kind: "ServiceAccount"), GroupKind(group: "", kind: "Pod"), GroupKind(group: "", kind: "PersistentVolumeClaim"),
        GroupKind(group: "", kind: "Endpoints"), GroupKind(group: "", kind: "LimitRange"), GroupKind(group: "", kind: "ResourceQuota"),
        GroupKind(group: "", kind: "ReplicationController"), GroupKind(group: "", kind: "Event"),
        GroupKind(group: "apps", kind: "Deployment"), GroupKind(group: "apps", kind: "DaemonSet"), GroupKind(group: "apps", kind: "StatefulSet"),
        GroupKind(group: "apps", kind: "ReplicaSet"), GroupKind(group: "apps", kind: "ControllerRevision"),
        GroupKind(group: "batch", kind: "Job"), GroupKind(group: "batch", kind: "CronJob"),
        GroupKind(group: "rbac.authorization.k8s.io", kind: "Role"), GroupKind(group: "rbac.authorization.k8s.io", kind: "RoleBinding"),
        GroupKind(group: "networking.k8s.io", kind: "Ingress"), GroupKind(group: "networking.k8s.io", kind: "NetworkPolicy"),
        GroupKind(group: "policy", kind: "PodDisruptionBudget"), GroupKind(group: "autoscaling", kind: "HorizontalPodAutoscaler"),
        GroupKind(group: "coordination.k8s.io", kind: "Lease"), GroupKind(group: "discovery.k8s.io", kind: "EndpointSlice"),
        GroupKind(group: "storage.k8s.io", kind: "CSIStorageCapacity"),
        GroupKind(group: "snapshot.storage.k8s.io", kind: "VolumeSnapshot"),
        GroupKind(group: "monitoring.coreos.com", kind: "ServiceMonitor"),
    ]

    public static func isClusterScoped(_ kind: GroupKind) -> Bool { clusterScoped.contains(kind) }

    /// The scope of a kind: true for namespaced, false for cluster-scoped, nil when unknown.
    /// `customResources` maps kinds defined by rendered CRDs to their namespaced-ness.
    public static func isNamespaced(_ kind: GroupKind, customResources: [GroupKind: Bool] = [:]) -> Bool? {
        if clusterScoped.contains(kind) { return false }
        if namespacedBuiltins.contains(kind) { return true }
        return customResources[kind]
    }
}

/// The order objects are applied in: namespaces and CRDs first (their contents depend on them),
/// then what pods need (accounts, config, RBAC, storage), then services, then workloads, and
/// admission webhooks last so they never block the objects of their own addon. Within a kind:
/// by namespace, then name. Unknown kinds go after the known ones, by group and kind.
public enum ApplyOrder {
    public static let kinds: [GroupKind] = [
        GroupKind(group: "", kind: "Namespace"),
        GroupKind(group: "apiextensions.k8s.io", kind: "CustomResourceDefinition"),
        GroupKind(group: "scheduling.k8s.io", kind: "PriorityClass"),
        GroupKind(group: "networking.k8s.io", kind: "NetworkPolicy"),
        GroupKind(group: "", kind: "ResourceQuota"),
        GroupKind(group: "", kind: "LimitRange"),
        GroupKind(group: "policy", kind: "PodDisruptionBudget"),
        GroupKind(group: "", kind: "ServiceAccount"),
        GroupKind(group: "", kind: "Secret"),
        GroupKind(group: "", kind: "ConfigMap"),
        GroupKind(group: "storage.k8s.io", kind: "CSIDriver"),
        GroupKind(group: "storage.k8s.io", kind: "StorageClass"),
        GroupKind(group: "", kind: "PersistentVolume"),
        GroupKind(group: "", kind: "PersistentVolumeClaim"),
        GroupKind(group: "rbac.authorization.k8s.io", kind: "ClusterRole"),
        GroupKind(group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding"),
        GroupKind(group: "rbac.authorization.k8s.io", kind: "Role"),
        GroupKind(group: "rbac.authorization.k8s.io", kind: "RoleBinding"),
        GroupKind(group: "", kind: "Service"),
        GroupKind(group: "apps", kind: "DaemonSet"),
        GroupKind(group: "", kind: "Pod"),
        GroupKind(group: "apps", kind: "Deployment"),
        GroupKind(group: "autoscaling", kind: "HorizontalPodAutoscaler"),
        GroupKind(group: "apps", kind: "StatefulSet"),
        GroupKind(group: "batch", kind: "Job"),
        GroupKind(group: "batch", kind: "CronJob"),
        GroupKind(group: "networking.k8s.io", kind: "IngressClass"),
        GroupKind(group: "networking.k8s.io", kind: "Ingress"),
        GroupKind(group: "apiregistration.k8s.io", kind: "APIService"),
    ]
    static let webhookKinds: [GroupKind] = [
        GroupKind(group: "admissionregistration.k8s.io", kind: "MutatingWebhookConfiguration"),
        GroupKind(group: "admissionregistration.k8s.io", kind: "ValidatingWebhookConfiguration"),
    ]

    private static let rank: [GroupKind: Int] = {
        var r: [GroupKind: Int] = [:]
        for (i, k) in kinds.enumerated() { r[k] = i }
        for (i, k) in webhookKinds.enumerated() { r[k] = 10_000 + i }
        return r
    }()

    /// Whether `a` is applied before `b`.
    public static func precedes(_ a: KubeObject, _ b: KubeObject) -> Bool {
        let ka = a.groupVersionKind.groupKind, kb = b.groupVersionKind.groupKind
        let ra = rank[ka] ?? 5_000, rb = rank[kb] ?? 5_000
        if ra != rb { return ra < rb }
        if ka != kb { return ka < kb }
        if (a.namespace ?? "") != (b.namespace ?? "") { return (a.namespace ?? "") < (b.namespace ?? "") }
        return a.name < b.name
    }

    public static func sorted(_ objects: [KubeObject]) -> [KubeObject] { objects.sorted(by: precedes) }
}
