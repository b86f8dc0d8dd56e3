import KubernetesClient
import LocalKube
import Logging

/// Runs `body` with a LocalKube server of one cluster (`name`) and our client of it over HTTPS;
/// shuts both down afterwards, whether `body` threw or not.
public func withLocalKubeClient(cluster name: String, settings: ClusterSettings = ClusterSettings(simulatesWorkloads: false),
                                logger: Logger,
                                _ body: (LocalKubeCluster, KubernetesClient) async throws -> Void) async throws {
    let server = try await LocalKubeServer.start(settings: settings, logger: logger)
    let cluster = try await server.addCluster(name: name)
    let client = try KubernetesClient(connection: try Kubeconfig.parse(try server.kubeconfig(for: name), file: nil).connection(), logger: logger)
    do {
        try await body(cluster, client)
    } catch {
        try? await client.shutdown()
        await server.shutdown()
        throw error
    }
    try? await client.shutdown()
    await server.shutdown()
}
