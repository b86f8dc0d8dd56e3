/// What a kubeconfig may make this process do beyond talking to its server with the credentials
/// it carries inline.
///
/// An operator's own kubeconfig is trusted as kubectl trusts it: exec plugins run, file paths
/// are read. A kubeconfig that a tenant wrote (the workload kubeconfig Secret of a Cluster) is
/// data, not a program: an `exec` entry would run a process inside the manager, and a
/// `tokenFile` or certificate path would read the manager's own files (its service-account token
/// would be sent to a server the tenant names). Such kubeconfigs are read `.inlineOnly`.
public struct KubeconfigPolicy: Sendable, Hashable {
    /// Whether `users[].user.exec` plugins may run.
    public var allowsExecPlugins: Bool
    /// Whether `certificate-authority`, `client-certificate`, `client-key` and `tokenFile` may name files.
    public var allowsFilePaths: Bool

    public init(allowsExecPlugins: Bool, allowsFilePaths: Bool) {
        self.allowsExecPlugins = allowsExecPlugins
        self.allowsFilePaths = allowsFilePaths
    }

    /// kubectl's semantics: for kubeconfigs the operator gave this process.
    public static let trusted = KubeconfigPolicy(allowsExecPlugins: true, allowsFilePaths: true)

    /// Server, CA, token, client certificate and key inline only: for kubeconfigs that tenants write.
    public static let inlineOnly = KubeconfigPolicy(allowsExecPlugins: false, allowsFilePaths: false)
}
