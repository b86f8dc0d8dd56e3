import ControllerRuntime
import ServiceLifecycle

/// The shard Leases, renewed until graceful shutdown and then released (so another replica
/// takes the shards over at once). It ends after `ControllersService` did: nothing runs on a
/// released shard.
struct ShardLeasesService: Service {
    let coordinator: ShardCoordinator

    func run() async throws {
        await cancelWhenGracefulShutdown { await coordinator.run() }
    }
}
