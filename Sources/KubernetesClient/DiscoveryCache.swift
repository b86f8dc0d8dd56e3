import KubernetesModel
import Logging

/// The client's discovery: fetched once (aggregated when the server offers it), shared by every
/// task, refreshed when a kind is not found (a CRD just created) or on request.
actor DiscoveryCache {
    /// GETs a discovery document: path, Accept header → JSON.
    typealias Fetch = @Sendable (_ path: String, _ accept: String) async throws -> JSONValue

    private let fetchDocument: Fetch
    private let cluster: String
    private let server: String
    private let logger: Logger
    private let sharing: SharedDiscoveries
    private var current: DiscoveredAPIs?
    private var loading: Task<DiscoveredAPIs, any Error>?
    /// Counts completed loads: a caller that missed a kind refreshes only if no load finished since it looked.
    private var generation = 0

    /// - sharing: where equal discoveries are shared (the process's, unless a test keeps its own).
    init(cluster: String, server: String, logger: Logger, sharing: SharedDiscoveries = .shared, fetch: @escaping Fetch) {
        self.cluster = cluster
        self.server = server
        self.logger = logger
        self.sharing = sharing
        self.fetchDocument = fetch
    }

    /// Discovery through a client's transport.
    init(transport: Transport) {
        self.init(cluster: transport.connection.name, server: transport.connection.server, logger: transport.logger) { path, accept in
            let context = KubernetesError.RequestContext(cluster: transport.connection.name, server: transport.connection.server, verb: "discovery", path: path)
            let response = try await transport.send(APIRequest(method: .GET, path: path, accept: accept, retry: .read, context: context))
            return try response.json(context: context)
        }
    }

    /// The discovered APIs, loading them the first time.
    func apis() async throws -> DiscoveredAPIs {
        if let current { return current }
        return try await load()
    }

    /// Loads again (deduplicated: callers arriving during a load share it).
    func refresh() async throws -> DiscoveredAPIs { try await load() }

    func snapshot() -> (DiscoveredAPIs?, Int) { (current, generation) }

    /// The resource of a kind; refreshes discovery once when it is unknown.
    func resource(for kind: GroupVersionKind) async throws -> APIResource {
        let (apis, seen) = (try await self.apis(), generation)
        if let resource = apis.resource(for: kind) { return resource }
        let fresh: DiscoveredAPIs
        if generation != seen, let current {
            fresh = current
        } else {
            fresh = try await load()
        }
        if let resource = fresh.resource(for: kind) { return resource }
        throw Self.unknownKind(kind, in: fresh, cluster: cluster, server: server)
    }

    static func unknownKind(_ kind: GroupVersionKind, in apis: DiscoveredAPIs, cluster: String, server: String) -> KubernetesError {
        var message = "the server does not serve kind \"\(kind.kind)\" in version \"\(kind.apiVersion)\""
        if let failure = apis.failedGroupVersions[kind.groupVersion] {
            message += " (discovery of \(kind.apiVersion) failed: \(failure))"
        } else if let other = apis.resources.first(where: { $0.kind == kind.kind && $0.groupVersion.group == kind.group }) {
            message += " (it serves \(other.groupVersion.apiVersion))"
        } else if !apis.groups.contains(where: { $0.name == kind.group }) {
            message += kind.group.isEmpty ? "" : " (no API group \"\(kind.group)\"; is its CRD installed?)"
        }
        let context = KubernetesError.RequestContext(cluster: cluster, server: server, verb: "discovery",
                                                     object: ObjectReference(groupKind: kind.groupKind, namespace: nil, name: ""))
        return KubernetesError(kind: .unknownKind, context: context, message: message)
    }

    private func load() async throws -> DiscoveredAPIs {
        if let loading { return try await loading.value }
        let fetch = fetchDocument
        let logger = logger
        let cluster = cluster
        let task = Task { try await Self.fetch(fetch, logger: logger, cluster: cluster) }
        loading = task
        defer { loading = nil }
        let result = sharing.share(try await task.value)
        current = result
        generation += 1
        return result
    }

    // MARK: Fetching

    private static func fetch(_ get: @escaping Fetch, logger: Logger, cluster: String) async throws -> DiscoveredAPIs {
        // Aggregated discovery: two requests for everything (Kubernetes 1.26+).
        async let core = get("/api", DiscoveredAPIs.aggregatedAccept)
        async let groups = get("/apis", DiscoveredAPIs.aggregatedAccept)
        let (coreDocument, groupsDocument) = try await (core, groups)
        var result = DiscoveredAPIs()
        var perGroupVersion: [GroupVersion] = []

        if DiscoveredAPIs.isAggregated(coreDocument) {
            result.absorb(DiscoveredAPIs.parseAggregated(coreDocument))
        } else {
            let group = DiscoveredAPIs.parseAPIVersions(coreDocument)
            result.addGroup(group)
            perGroupVersion += group.versions.map { GroupVersion(group: "", version: $0) }
        }
        if DiscoveredAPIs.isAggregated(groupsDocument) {
            let aggregated = DiscoveredAPIs.parseAggregated(groupsDocument)
            result.absorb(aggregated)
            // A Stale group version: try its own endpoint.
            perGroupVersion += aggregated.failedGroupVersions.keys.sorted()
        } else {
            for group in DiscoveredAPIs.parseGroupList(groupsDocument) {
                result.addGroup(group)
                perGroupVersion += group.versions.map { GroupVersion(group: group.name, version: $0) }
            }
        }
        // Legacy discovery: every group version in parallel; one failing leaves the others usable.
        let lists = await withTaskGroup(of: (GroupVersion, Result<[APIResource], any Error>).self) { tasks in
            for gv in perGroupVersion {
                tasks.addTask {
                    do {
                        let document = try await get(gv.pathPrefix, "application/json")
                        return (gv, .success(DiscoveredAPIs.parseResourceList(document, groupVersion: gv)))
                    } catch {
                        return (gv, .failure(error))
                    }
                }
            }
            var collected: [GroupVersion: Result<[APIResource], any Error>] = [:]
            for await (gv, outcome) in tasks { collected[gv] = outcome }
            return collected
        }
        try Task.checkCancellation()
        var fixed = DiscoveredAPIs(groups: result.groups, resources: result.resources, failedGroupVersions: [:])
        for (gv, reason) in result.failedGroupVersions where lists[gv] == nil { fixed.markFailed(gv, reason: reason) }
        for gv in perGroupVersion {
            switch lists[gv] {
            case .success(let resources)?:
                for resource in resources where fixed.resource(for: resource.groupVersionKind) == nil { fixed.add(resource) }
            case .failure(let error)?:
                fixed.markFailed(gv, reason: (error as? KubernetesError)?.message ?? "\(error)")
                logger.warning("discovery of a group version failed", metadata: [
                    "cluster": "\(cluster)", "groupVersion": "\(gv)", "error": "\(error)",
                ])
            case nil:
                break
            }
        }
        return fixed
    }
}
