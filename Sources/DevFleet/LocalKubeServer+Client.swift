import KubernetesClient
import LocalKube
import Logging

extension LocalKubeServer {
    /// Our client of one of its clusters, through the kubeconfig it writes (HTTPS, its CA, the
    /// cluster's token), as any client of a real cluster connects.
    public func client(for cluster: String, logger: Logger) throws -> KubernetesClient {
        try KubernetesClient(connection: try Kubeconfig.parse(try kubeconfig(for: cluster), file: cluster).connection(), logger: logger)
    }
}
