import AddonController
import ControllerRuntime
import ServiceLifecycle

/// The rollouts: every replica watches them (its cluster controllers read which version each
/// cluster runs), and the replica that holds the `addon-manager-rollouts` Lease drives them.
/// It ends after `ControllersService` did: the controllers read the rollouts until they stop;
/// on shutdown the driver stops and the Lease is released, so another replica drives at once.
struct RolloutsService: Service {
    static let leaseName = "addon-manager-rollouts"

    let book: RolloutBook
    let driver: RolloutDriver
    /// Nil: this process is the only replica and drives without a Lease (`dev`).
    let elector: LeaderElector?

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await book.run() }
                group.addTask {
                    if let elector {
                        await elector.run { await driver.run() }
                    } else {
                        await driver.run()
                    }
                }
                await group.waitForAll()
            }
        }
    }
}
