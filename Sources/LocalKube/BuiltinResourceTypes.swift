import KubernetesModel

/// The built-in kinds LocalKube serves, as a v1.24 kube-apiserver's discovery lists them
/// (names, scope, verbs, short names, categories, status subresources), plus the aggregation
/// and autoscaling kinds addons use, and the review kinds (create only, never stored; the
/// server's `selfsubjectrulesreviews` is not served).
enum BuiltinResourceTypes {
    static let all: [ResourceType] = [
        .init(group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["cm"], categories: [], subresources: [], storageVersionHash: "qFsyl6wFWjQ="),
        .init(group: "", version: "v1", plural: "endpoints", kind: "Endpoints", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["ep"], categories: [], subresources: [], storageVersionHash: "fWeeMqaN/OA="),
        .init(group: "", version: "v1", plural: "events", kind: "Event", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["ev"], categories: [], subresources: [], storageVersionHash: "r2yiGXH7wu8="),
        .init(group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false, verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], shortNames: ["ns"], categories: [], subresources: ["status"], storageVersionHash: "Q3oi5N2YM8M="),
        .init(group: "", version: "v1", plural: "nodes", kind: "Node", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["no"], categories: [], subresources: ["status"], storageVersionHash: "XwShjMxG9Fs="),
        .init(group: "", version: "v1", plural: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["pvc"], categories: [], subresources: ["status"], storageVersionHash: "QWTyNDq0dC4="),
        .init(group: "", version: "v1", plural: "persistentvolumes", kind: "PersistentVolume", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["pv"], categories: [], subresources: ["status"], storageVersionHash: "HN/zwEC+JgM="),
        .init(group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["po"], categories: ["all"], subresources: ["status"], storageVersionHash: "xPOwRZ+Yhw8="),
        .init(group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], subresources: [], storageVersionHash: "S6u1pOWzb84="),
        .init(group: "", version: "v1", plural: "serviceaccounts", kind: "ServiceAccount", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["sa"], categories: [], subresources: [], storageVersionHash: "pbx9ZvyFpBE="),
        .init(group: "", version: "v1", plural: "services", kind: "Service", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["svc"], categories: ["all"], subresources: ["status"], storageVersionHash: "0/CO1lhkEBI="),
        .init(group: "apps", version: "v1", plural: "controllerrevisions", kind: "ControllerRevision", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], subresources: [], storageVersionHash: "85nkx63pcBU="),
        .init(group: "apps", version: "v1", plural: "daemonsets", kind: "DaemonSet", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["ds"], categories: ["all"], subresources: ["status"], storageVersionHash: "dd7pWHUlMKQ="),
        .init(group: "apps", version: "v1", plural: "deployments", kind: "Deployment", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["deploy"], categories: ["all"], subresources: ["scale", "status"], storageVersionHash: "8aSe+NMegvE="),
        .init(group: "apps", version: "v1", plural: "replicasets", kind: "ReplicaSet", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["rs"], categories: ["all"], subresources: ["scale", "status"], storageVersionHash: "P1RzHs8/mWQ="),
        .init(group: "apps", version: "v1", plural: "statefulsets", kind: "StatefulSet", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["sts"], categories: ["all"], subresources: ["scale", "status"], storageVersionHash: "H+vl74LkKdo="),
        .init(group: "batch", version: "v1", plural: "cronjobs", kind: "CronJob", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["cj"], categories: ["all"], subresources: ["status"], storageVersionHash: "sd5LIXh4Fjs="),
        .init(group: "batch", version: "v1", plural: "jobs", kind: "Job", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: ["all"], subresources: ["status"], storageVersionHash: "mudhfqk/qZY="),
        .init(group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterrolebindings", kind: "ClusterRoleBinding", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], subresources: [], storageVersionHash: "48tpQ8gZHFc="),
        .init(group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterroles", kind: "ClusterRole", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], subresources: [], storageVersionHash: "bYE5ZWDrJ44="),
        .init(group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings", kind: "RoleBinding", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], subresources: [], storageVersionHash: "eGsCzGH6b1g="),
        .init(group: "rbac.authorization.k8s.io", version: "v1", plural: "roles", kind: "Role", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], subresources: [], storageVersionHash: "7FuwZcIIItM="),
        .init(group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["crd", "crds"], categories: ["api-extensions"], subresources: ["status"], storageVersionHash: "jfWCUB31mvA="),
        .init(group: "storage.k8s.io", version: "v1", plural: "csidrivers", kind: "CSIDriver", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], subresources: [], storageVersionHash: "hL6j/rwBV5w="),
        .init(group: "storage.k8s.io", version: "v1", plural: "csinodes", kind: "CSINode", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], subresources: [], storageVersionHash: "Pe62DkZtjuo="),
        .init(group: "storage.k8s.io", version: "v1", plural: "storageclasses", kind: "StorageClass", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["sc"], categories: [], subresources: [], storageVersionHash: "K+m6uJwbjGY="),
        .init(group: "storage.k8s.io", version: "v1", plural: "volumeattachments", kind: "VolumeAttachment", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], subresources: ["status"], storageVersionHash: "tJx/ezt6UDU="),
        .init(group: "networking.k8s.io", version: "v1", plural: "ingressclasses", kind: "IngressClass", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], subresources: [], storageVersionHash: "l/iqIbDgFyQ="),
        .init(group: "networking.k8s.io", version: "v1", plural: "ingresses", kind: "Ingress", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["ing"], categories: [], subresources: ["status"], storageVersionHash: "39NQlfNR+bo="),
        .init(group: "networking.k8s.io", version: "v1", plural: "networkpolicies", kind: "NetworkPolicy", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["netpol"], categories: [], subresources: ["status"], storageVersionHash: "YpfwF18m1G8="),
        .init(group: "policy", version: "v1", plural: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["pdb"], categories: [], subresources: ["status"], storageVersionHash: "6BGBu0kpHtk="),
        .init(group: "scheduling.k8s.io", version: "v1", plural: "priorityclasses", kind: "PriorityClass", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["pc"], categories: [], subresources: [], storageVersionHash: "1QwjyaZjj3Y="),
        .init(group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], subresources: [], storageVersionHash: "gqkMMb/YqFM="),
        .init(group: "admissionregistration.k8s.io", version: "v1", plural: "mutatingwebhookconfigurations", kind: "MutatingWebhookConfiguration", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: ["api-extensions"], subresources: [], storageVersionHash: "Sqi0GUgDaX0="),
        .init(group: "admissionregistration.k8s.io", version: "v1", plural: "validatingwebhookconfigurations", kind: "ValidatingWebhookConfiguration", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: ["api-extensions"], subresources: [], storageVersionHash: "B0wHjQmsGNk="),
        .init(group: "events.k8s.io", version: "v1", plural: "events", kind: "Event", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["ev"], categories: [], subresources: [], storageVersionHash: "r2yiGXH7wu8="),
        .init(group: "apiregistration.k8s.io", version: "v1", plural: "apiservices", kind: "APIService", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: ["api-extensions"], subresources: ["status"], storageVersionHash: "InPBPD7+PqM="),
        .init(group: "authentication.k8s.io", version: "v1", plural: "tokenreviews", kind: "TokenReview", namespaced: false, verbs: ["create"], shortNames: [], categories: [], subresources: [], storageVersionHash: ""),
        .init(group: "authorization.k8s.io", version: "v1", plural: "localsubjectaccessreviews", kind: "LocalSubjectAccessReview", namespaced: true, verbs: ["create"], shortNames: [], categories: [], subresources: [], storageVersionHash: ""),
        .init(group: "authorization.k8s.io", version: "v1", plural: "selfsubjectaccessreviews", kind: "SelfSubjectAccessReview", namespaced: false, verbs: ["create"], shortNames: [], categories: [], subresources: [], storageVersionHash: ""),
        .init(group: "authorization.k8s.io", version: "v1", plural: "subjectaccessreviews", kind: "SubjectAccessReview", namespaced: false, verbs: ["create"], shortNames: [], categories: [], subresources: [], storageVersionHash: ""),
        .init(group: "autoscaling", version: "v2", plural: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["hpa"], categories: ["all"], subresources: ["status"], storageVersionHash: "oQlkt7f5j/A="),
    ]

    /// Group versions in the order `/apis` lists them (core `v1` is served under `/api`).
    static let groupOrder: [String] = [
        "apiregistration.k8s.io", "apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch", "networking.k8s.io", "policy",
        "rbac.authorization.k8s.io", "storage.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io",
        "scheduling.k8s.io", "coordination.k8s.io",
    ]
}

extension BuiltinResourceTypes {
    static let byGroupVersionPlural: [String: ResourceType] = {
        var d: [String: ResourceType] = [:]
        for t in all { d["\(t.group)/\(t.version)/\(t.plural)"] = t }
        return d
    }()

    static let byKey: [ResourceKey: ResourceType] = {
        var d: [ResourceKey: ResourceType] = [:]
        for t in all { d[t.key] = t }
        return d
    }()

    static func named(_ group: String, _ plural: String) -> ResourceType {
        guard let t = byKey[ResourceKey(group: group, plural: plural)] else { preconditionFailure("no built-in resource \(plural).\(group)") }
        return t
    }

    static let namespace = named("", "namespaces")
    static let node = named("", "nodes")
    static let pod = named("", "pods")
    static let service = named("", "services")
    static let customResourceDefinition = named("apiextensions.k8s.io", "customresourcedefinitions")

    /// Kinds whose objects carry `metadata.generation` (their strategies set it), besides custom resources.
    static let kindsWithGeneration: Set<GroupKind> = [
        GroupKind(group: "apps", kind: "Deployment"), GroupKind(group: "apps", kind: "DaemonSet"),
        GroupKind(group: "apps", kind: "StatefulSet"), GroupKind(group: "apps", kind: "ReplicaSet"),
        GroupKind(group: "batch", kind: "Job"), GroupKind(group: "batch", kind: "CronJob"),
        GroupKind(group: "networking.k8s.io", kind: "Ingress"), GroupKind(group: "networking.k8s.io", kind: "IngressClass"),
        GroupKind(group: "networking.k8s.io", kind: "NetworkPolicy"), GroupKind(group: "policy", kind: "PodDisruptionBudget"),
        GroupKind(group: "scheduling.k8s.io", kind: "PriorityClass"),
        GroupKind(group: "admissionregistration.k8s.io", kind: "ValidatingWebhookConfiguration"),
        GroupKind(group: "admissionregistration.k8s.io", kind: "MutatingWebhookConfiguration"),
        GroupKind(group: "apiextensions.k8s.io", kind: "CustomResourceDefinition"),
        GroupKind(group: "autoscaling", kind: "HorizontalPodAutoscaler"),
    ]
}
