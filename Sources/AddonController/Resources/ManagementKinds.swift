import KubernetesModel

/// The kinds the addon manager reads and writes in the management plane.
public enum ManagementKinds {
    public static let group = "addon-manager.io"
    public static let version = "v1alpha1"
    public static let apiVersion = "\(group)/\(version)"

    public static let cluster = GroupVersionKind(group: group, version: version, kind: "Cluster")
    public static let clusterAddon = GroupVersionKind(group: group, version: version, kind: "ClusterAddon")
    /// A published addon version (cluster-scoped, immutable once accepted).
    public static let addonVersion = GroupVersionKind(group: group, version: version, kind: "AddonVersion")
    /// A published channel with its addon sets and rollout waves (cluster-scoped).
    public static let addonChannel = GroupVersionKind(group: group, version: version, kind: "AddonChannel")
    /// One addon's rollout on one channel (cluster-scoped, written by the rollout driver).
    public static let addonRollout = GroupVersionKind(group: group, version: version, kind: "AddonRollout")
    /// One VM of a Cluster's node pool (the provisioning loop).
    public static let machine = GroupVersionKind(group: group, version: version, kind: "Machine")
    public static let secret = GroupVersionKind(group: "", version: "v1", kind: "Secret")
    public static let configMap = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
    public static let namespace = GroupVersionKind(group: "", version: "v1", kind: "Namespace")
    public static let event = GroupVersionKind(group: "", version: "v1", kind: "Event")
    public static let customResourceDefinition = GroupVersionKind(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition")

    /// The label on a ClusterAddon naming its cluster.
    public static let clusterLabel = "addon-manager.io/cluster"
    /// The label on a ClusterAddon naming its addon.
    public static let addonLabel = "addon-manager.io/addon"

    /// The ClusterAddon of (cluster, addon): one per pair, in the cluster's namespace.
    public static func clusterAddonName(cluster: String, addon: String) -> String { "\(cluster)-\(addon)" }

    /// The addon a ClusterAddon is for, by its label (else its spec), as a starting controller
    /// reads it; nil when it names none.
    public static func addon(ofClusterAddon object: KubeObject) -> String? {
        object.labels[addonLabel] ?? object.spec["addon"].stringValue
    }
}
