import AddonController
import ServiceLifecycle

/// The watch on the catalog published in the management plane (AddonVersions, AddonChannels).
/// It ends after `ControllersService` did: the controllers read it until they stop.
struct PublishedCatalogService: Service {
    let catalog: ManagementPlaneCatalog

    func run() async throws {
        await cancelWhenGracefulShutdown { await catalog.run() }
    }
}
