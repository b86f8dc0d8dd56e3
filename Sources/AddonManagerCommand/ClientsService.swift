import KubernetesClient
import Logging
import ServiceLifecycle

/// The Kubernetes clients, closed (and awaited) once everything that uses them has ended.
struct ClientsService: Service {
    let clients: [KubernetesClient]
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

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
