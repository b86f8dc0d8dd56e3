import AddonController
import ServiceLifecycle

/// The cluster controllers. On graceful shutdown they stop taking work (no controller starts,
/// the running ones stop dequeuing), the reconciles in flight finish (at most `drainLimit`),
/// and only then do the informers stop.
struct ControllersService: Service {
    let starter: ControllerStarter
    let drainLimit: Duration

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await starter.run() }
            try? await gracefulShutdown()
            await starter.stopControllers(within: drainLimit)
            group.cancelAll()
        }
    }
}
