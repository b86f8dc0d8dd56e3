import AddonCatalog
import KubernetesClient
import KubernetesModel
import Logging

/// Publishes a catalog (loaded from a directory) into the management plane: an `AddonVersion`
/// per addon version not published yet, then an `AddonChannel` per channel (server-side apply),
/// so that a channel never names a version that is not there. A version already published
/// with other content is refused: published versions are immutable, a change is a new version.
public struct CatalogPublisher: Sendable {
    /// What publishing would do or did.
    public struct Plan: Sendable {
        /// AddonVersions to create (not published yet).
        public var newVersions: [KubeObject] = []
        /// Versions published already with the same content (left alone).
        public var unchangedVersions: [String] = []
        /// Versions published with other content: publishing is refused while there is one.
        public var changedVersions: [ChangedVersion] = []
        /// Every channel, as it will be applied, with the one published now (nil when new).
        public var channels: [(object: KubeObject, published: Channel?)] = []
    }

    public struct ChangedVersion: Sendable, CustomStringConvertible {
        public var name: String
        public var publishedDigest: String
        public var digest: String
        public var description: String {
            "AddonVersion \(name) is published with digest \(publishedDigest), the directory has \(digest): published versions are immutable, publish a new version"
        }
    }

    /// Publishing refused: versions whose content differs from what is published.
    public struct ChangedVersionsError: Error, Sendable, CustomStringConvertible {
        public var versions: [ChangedVersion]
        public var description: String { versions.map(\.description).joined(separator: "\n") }
    }

    let client: any KubeClient
    let fieldManager: String
    let logger: Logger

    public init(client: any KubeClient, fieldManager: String, logger: Logger) {
        self.client = client
        self.fieldManager = fieldManager
        self.logger = logger
    }

    /// Compares the catalog with what the management plane holds.
    public func plan(_ catalog: Catalog) async throws -> Plan {
        var plan = Plan()
        let published = try await client.list(ManagementKinds.addonVersion, namespace: nil, options: ListOptions())
        let digests = Dictionary(published.items.map { ($0.name, $0.spec["digest"].stringValue ?? "") }, uniquingKeysWith: { a, _ in a })
        for version in catalog.publishedVersions {
            let object = try version.object()
            switch digests[object.name] {
            case nil: plan.newVersions.append(object)
            case version.digest?: plan.unchangedVersions.append(object.name)
            case let other?: plan.changedVersions.append(ChangedVersion(name: object.name, publishedDigest: other, digest: version.digest))
            }
        }
        let channels = try await client.list(ManagementKinds.addonChannel, namespace: nil, options: ListOptions())
        let current = Dictionary(channels.items.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for name in catalog.channels.keys.sorted() {
            guard let channel = catalog.channel(named: name) else { continue }
            plan.channels.append((channel.object(in: catalog), current[name].flatMap { try? Channel(object: $0) }))
        }
        return plan
    }

    /// Creates the new AddonVersions, then applies the channels. Refuses (before writing
    /// anything) when a version is published with other content.
    @discardableResult
    public func publish(_ catalog: Catalog) async throws -> Plan {
        let plan = try await plan(catalog)
        guard plan.changedVersions.isEmpty else { throw ChangedVersionsError(versions: plan.changedVersions) }
        try await publish(plan)
        return plan
    }

    /// Writes a plan made by `plan(_:)`.
    public func publish(_ plan: Plan) async throws {
        guard plan.changedVersions.isEmpty else { throw ChangedVersionsError(versions: plan.changedVersions) }
        let options = ApplyOptions(fieldManager: fieldManager, force: true)
        for object in plan.newVersions {
            _ = try await client.apply(object, options: options)
            logger.info("addon version published", metadata: ["addonVersion": "\(object.name)", "digest": "\(object.spec["digest"].stringValue ?? "")"])
        }
        for (object, _) in plan.channels {
            _ = try await client.apply(object, options: options)
            logger.info("channel published", metadata: ["addonChannel": "\(object.name)"])
        }
    }
}
