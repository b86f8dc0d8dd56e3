import AddonController
import ControllerRuntime
import ServiceLifecycle

/// Cluster API clusters served (`ClusterAPIClusters`), on the replica holding the
/// `addon-manager-cluster-api` Lease: one writer of the Clusters made from them.
struct ClusterAPIService: Service {
    static let leaseName = "addon-manager-cluster-api"

    let clusters: ClusterAPIClusters
    let elector: LeaderElector

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await elector.run { await clusters.run() }
        }
    }
}
