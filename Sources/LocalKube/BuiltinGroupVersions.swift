/// Every version a v1.24 kube-apiserver lists for the built-in groups (`/apis`, `/apis/G`),
/// preferred first, as the recorded server's discovery shows them (kube-conformance
/// `discovery/groups`). A group's entry lists all of them even where LocalKube serves the kinds
/// of only some versions: its resource list for another version is then empty, as discovery may
/// leave resources out, and a request for such a resource is answered 404 like any unknown one.
enum BuiltinGroupVersions {
    static let versions: [String: [String]] = [
        "apiregistration.k8s.io": ["v1"],
        "apps": ["v1"],
        "events.k8s.io": ["v1", "v1beta1"],
        "authentication.k8s.io": ["v1"],
        "authorization.k8s.io": ["v1"],
        "autoscaling": ["v2", "v1", "v2beta1", "v2beta2"],
        "batch": ["v1", "v1beta1"],
        "certificates.k8s.io": ["v1"],
        "networking.k8s.io": ["v1"],
        "policy": ["v1", "v1beta1"],
        "rbac.authorization.k8s.io": ["v1"],
        "storage.k8s.io": ["v1", "v1beta1"],
        "admissionregistration.k8s.io": ["v1"],
        "apiextensions.k8s.io": ["v1"],
        "scheduling.k8s.io": ["v1"],
        "coordination.k8s.io": ["v1"],
        "node.k8s.io": ["v1", "v1beta1"],
        "discovery.k8s.io": ["v1", "v1beta1"],
        "flowcontrol.apiserver.k8s.io": ["v1beta2", "v1beta1"],
    ]

    /// The versions of a built-in group LocalKube serves kinds of: the server's versions in its
    /// order, then any other served one. Empty when no kind of the group is served.
    static func listed(group: String, served: [String]) -> [String] {
        guard !served.isEmpty, let all = versions[group] else { return served }
        return all + served.filter { !all.contains($0) }
    }
}
