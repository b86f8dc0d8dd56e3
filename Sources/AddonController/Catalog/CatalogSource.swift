import AddonCatalog

/// Where the controllers get the catalog: a directory loaded once (`LoadedCatalog`, for
/// development) or the management plane's published AddonVersions and AddonChannels
/// (`ManagementPlaneCatalog`).
public protocol CatalogSource: Sendable {
    /// The catalog as it is now; throws while it is not known yet.
    func current() async throws -> Catalog
    /// One element each time the catalog changed (changes close together may come as one);
    /// finishes when the source never changes.
    func updates() async -> AsyncStream<Void>
}

/// A catalog loaded once from a directory (`addons/` + `catalog/`).
public struct LoadedCatalog: CatalogSource {
    public let catalog: Catalog

    public init(directory: String) throws(CatalogErrors) {
        catalog = try Catalog.load(directory: directory)
    }

    public init(catalog: Catalog) { self.catalog = catalog }

    public func current() async throws -> Catalog { catalog }

    public func updates() async -> AsyncStream<Void> { AsyncStream { $0.finish() } }
}
