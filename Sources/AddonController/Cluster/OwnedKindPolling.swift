import ControllerRuntime
import KubernetesModel

/// Which kinds of owned objects a cluster's controller polls rather than watches, when a drift
/// poll interval is set (`ClusterAddonController.Options.driftPollInterval`; off by default). A
/// watch kept open costs the manager some 9 KB for as long as the cluster runs (AsyncHTTPClient's
/// request, an HTTP/2 stream, their buffers) and the API server a stream; the default addons own
/// objects of some twenty kinds per cluster, most of which carry no status: RBAC, ConfigMaps,
/// Secrets, Namespaces, classes, webhooks. For those a change matters only as drift (an edit or a
/// deletion to undo), which a poll finds within its interval (Flux checks every ten minutes).
/// Kinds health reads — workloads, Services, CRDs, and any a catalog's health rule names — stay
/// watched, so that health flows back within moments.
public enum OwnedKindPolling {
    /// Kinds without a status that health reads (`KindHealth` judges them by existence and
    /// deletion only).
    public static let statusless: Set<GroupKind> = [
        GroupKind(group: "", kind: "ConfigMap"),
        GroupKind(group: "", kind: "Secret"),
        GroupKind(group: "", kind: "ServiceAccount"),
        GroupKind(group: "", kind: "Namespace"),
        GroupKind(group: "rbac.authorization.k8s.io", kind: "Role"),
        GroupKind(group: "rbac.authorization.k8s.io", kind: "RoleBinding"),
        GroupKind(group: "rbac.authorization.k8s.io", kind: "ClusterRole"),
        GroupKind(group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding"),
        GroupKind(group: "storage.k8s.io", kind: "StorageClass"),
        GroupKind(group: "storage.k8s.io", kind: "CSIDriver"),
        GroupKind(group: "networking.k8s.io", kind: "IngressClass"),
        GroupKind(group: "networking.k8s.io", kind: "NetworkPolicy"),
        GroupKind(group: "scheduling.k8s.io", kind: "PriorityClass"),
        GroupKind(group: "admissionregistration.k8s.io", kind: "ValidatingWebhookConfiguration"),
        GroupKind(group: "admissionregistration.k8s.io", kind: "MutatingWebhookConfiguration"),
    ]

    /// How the objects of `kind` are followed: polled every `interval` when the kind is
    /// statusless and no health rule names it; watched otherwise, or when `interval` is nil.
    public static func following(_ kind: GroupKind, interval: Duration?, ruleKinds: Set<GroupKind>) -> Informer.Following {
        guard let interval, statusless.contains(kind), !ruleKinds.contains(kind) else { return .watching }
        return .polling(every: interval)
    }
}
