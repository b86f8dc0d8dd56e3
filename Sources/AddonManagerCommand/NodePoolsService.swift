import ClusterLifecycle
import ControllerRuntime
import ServiceLifecycle

/// The provisioning and healing loop (`run --node-pools`). One writer of Machines and servers:
/// the replica holding the `addon-manager-node-pools` Lease runs it, each time it leads with a
/// fresh `ClusterLifecycle`. On shutdown the reconciles in flight finish, the Node watches stop,
/// the Lease is released (another replica takes over at once), then the providers' connections
/// close.
struct NodePoolsService: Service {
    static let leaseName = "addon-manager-node-pools"

    let makeLifecycle: @Sendable () -> ClusterLifecycle
    let providers: InfrastructureProviders
    let elector: LeaderElector
    let current = CurrentLifecycle()

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await elector.run {
                let lifecycle = makeLifecycle()
                await current.set(lifecycle)
                await lifecycle.run()
                await current.set(nil)
            }
        }
        await providers.shutdown()
    }

    /// The loop's series while this replica runs it (none otherwise: the leader's are the fleet's).
    func series() async -> String { await current.lifecycle?.exposition() ?? "" }
}

/// The loop this replica runs now, if it leads.
actor CurrentLifecycle {
    private(set) var lifecycle: ClusterLifecycle?
    func set(_ lifecycle: ClusterLifecycle?) { self.lifecycle = lifecycle }
}
