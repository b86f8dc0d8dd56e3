import KubernetesClient
import Logging

/// The management-plane clients of `run`, closed (and awaited) once the service group has
/// ended — every service, and every informer in them, stopped — whether it drained on SIGTERM
/// or was cancelled because a service failed. (They were a service of the group, closed when it
/// was cancelled: at the same time as the informers still using them, each of which then logged
/// a failed list with `alreadyShutdown`.)
struct ManagerClients {
    let clients: [KubernetesClient]
    let logger: Logger

    func close() async {
        for client in clients {
            do {
                try await client.shutdown()
            } catch {
                logger.warning("closing a Kubernetes client failed", metadata: ["cluster": "\(client.clusterName)", "error": "\(error)"])
            }
        }
    }
}
