import AddonCatalog

/// Where the controllers get the catalog. Loading from a directory now; publishing into the
/// management plane (rollout issue) is another source behind the same protocol.
public protocol CatalogSource: Sendable {
    func current() async throws -> Catalog
}

/// A catalog loaded once from a directory (`addons/` + `catalog/`).
public struct LoadedCatalog: CatalogSource {
    public let catalog: Catalog

    public init(directory: String) throws(CatalogErrors) {
        catalog = try Catalog.load(directory: directory)
    }

    public init(catalog: Catalog) { self.catalog = catalog }

    public func current() async throws -> Catalog { catalog }
}
