import AddonController
import Logging
import ServiceLifecycle

/// The cluster controllers. On graceful shutdown they stop taking work (no controller starts,
/// the running ones stop dequeuing), the reconciles in flight finish (at most `drainLimit`),
/// and only then do the informers stop.
struct ControllersService: Service {
    let starter: ControllerStarter
    let drainLimit: Duration
    let logger: Logger

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await starter.run() }
            try? await gracefulShutdown()
            // A signal, or another service ended (the group then shuts the rest down).
            logger.notice("shutting down: the controllers take no more work and finish what is in flight",
                          metadata: ["drainLimit": "\(drainLimit)"])
            await starter.stopControllers(within: drainLimit)
            logger.notice("controllers stopped")
            group.cancelAll()
        }
    }
}
