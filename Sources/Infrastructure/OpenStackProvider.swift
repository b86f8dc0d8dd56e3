import Foundation
import Logging
import NIOHTTP1

/// The OpenStack provider: Keystone v3 for the token and the catalog, Nova for servers and server
/// groups (microversion pinned), Glance and Neutron to resolve image and network names.
///
/// Call `shutdown()` when done with it (it owns an HTTP client).
public final class OpenStackProvider: InfrastructureProvider {
    /// As the OpenStack cloud controller manager sets it on Nodes.
    public let providerIDScheme = "openstack"

    public struct Configuration: Sendable {
        /// Each HTTP request, connect to last byte.
        public var requestTimeout: Duration = .seconds(30)
        /// Attempts of an idempotent request (reads, deletes, authentication) while the service is
        /// unavailable (5xx, 429, refused, timed out). Creates are sent once: see `createServer`.
        public var attempts: Int = 4
        /// The first wait between attempts; it doubles up to 8 s.
        public var retryBaseDelay: Duration = .milliseconds(500)
        /// A token is renewed this long before it expires.
        public var tokenRenewalMargin: Duration = .seconds(300)
        /// The Nova API microversion every compute request pins (2.79: Train; ≥ 2.64 for a server
        /// group's single `policy`, ≥ 2.52 for tags, ≥ 2.37 requires `networks`).
        public var computeMicroversion: String = "2.79"
        /// How long a resolved flavor, image or network ID is reused.
        public var nameCacheLifetime: Duration = .seconds(300)
        public var userAgent: String = "addon-manager-infrastructure"
        public init() {}
    }

    public let credentials: OpenStackCredentials
    public let configuration: Configuration
    private let http: OpenStackHTTP
    let session: KeystoneSession
    private let names = NameCache()
    private let logger: Logger

    public init(credentials: OpenStackCredentials, configuration: Configuration = .init(), logger: Logger) {
        self.credentials = credentials
        self.configuration = configuration
        self.logger = logger
        http = OpenStackHTTP(
            timeout: configuration.requestTimeout,
            retry: .init(attempts: max(1, configuration.attempts), baseDelay: configuration.retryBaseDelay),
            userAgent: configuration.userAgent, logger: logger)
        session = KeystoneSession(credentials: credentials, http: http, margin: configuration.tokenRenewalMargin, logger: logger)
    }

    /// Closes the HTTP connections.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    // MARK: InfrastructureProvider

    /// Looks the server up by name and `cluster` metadata first (Nova has no idempotency token: a
    /// create whose answer was lost must not make a second server), and creates it only when none
    /// is found. One that is being deleted does not count. Two callers creating the same name at
    /// the same instant can still make two: the provisioning loop creates each machine from one place.
    public func createServer(_ spec: ServerSpec) async throws(ProviderError) -> Server {
        let operation = "create server"
        do throws(ProviderError) {
            if let existing = try await existingServer(named: spec.name, cluster: spec.metadata[ServerSpec.clusterKey]) {
                logger.debug("server exists already", metadata: ["server": "\(spec.name)", "id": "\(existing.id)", "state": "\(existing.state)"])
                return existing
            }
            let flavor = try await resolve(.flavor, spec.flavor)
            let image = try await resolve(.image, spec.image)
            var server: [String: Any] = [
                "name": spec.name, "flavorRef": flavor, "imageRef": image, "metadata": spec.metadata,
            ]
            if let network = spec.network {
                let networkID = try await resolve(.network, network)
                server["networks"] = [["uuid": networkID]]
            } else {
                server["networks"] = "auto"
            }
            if let zone = spec.availabilityZone { server["availability_zone"] = zone }
            if let userData = spec.userData { server["user_data"] = Data(userData.utf8).base64EncodedString() }
            var body: [String: Any] = ["server": server]
            if let group = spec.serverGroupID { body["os:scheduler_hints"] = ["group": group] }
            let response = try await compute(.POST, "/servers", json: body, operation: operation, serverName: spec.name, idempotent: false)
            let id = try response.decode(NovaServer.Created.self, operation: operation).server.id
            logger.debug("server created", metadata: ["server": "\(spec.name)", "id": "\(id)"])
            // The details; should that read fail, what is known is enough (the next read has the rest).
            if let created = try? await self.server(id: id) { return created }
            return Server(id: id, name: spec.name, state: .building, metadata: spec.metadata)
        } catch {
            throw error.during(operation).about(name: spec.name, id: nil)
        }
    }

    public func server(id: String) async throws(ProviderError) -> Server? {
        do throws(ProviderError) {
            let response = try await compute(.GET, "/servers/\(URLEscaping.escape(id))", operation: "get server", serverID: id)
            return try response.decode(NovaServer.One.self, operation: "get server").server.server
        } catch where error.kind == .notFound {
            return nil
        }
    }

    /// Lists the project's servers page by page and keeps those whose `cluster` metadata matches
    /// (Nova filters by metadata for admins only).
    public func servers(cluster: String) async throws(ProviderError) -> [Server] {
        try await listServers(query: []).filter { $0.metadata[ServerSpec.clusterKey] == cluster }
    }

    public func deleteServer(id: String) async throws(ProviderError) {
        do throws(ProviderError) {
            _ = try await compute(.DELETE, "/servers/\(URLEscaping.escape(id))", operation: "delete server", serverID: id)
            logger.debug("server deleted", metadata: ["id": "\(id)"])
        } catch where error.kind == .notFound {
            return
        }
    }

    /// The group of that name in the project; created when there is none. A group of that name
    /// with another policy is a `conflict` (its members would not be spread as asked). Should two
    /// callers create it at once, the one with the smallest ID is kept and the other deleted.
    public func ensureServerGroup(name: String, policy: ServerGroupPolicy) async throws(ProviderError) -> String {
        let operation = "ensure server group"
        func chosen() async throws(ProviderError) -> NovaServerGroup? {
            let groups = try await allServerGroups(operation: operation).filter { $0.name == name }
            guard let first = groups.min(by: { $0.id < $1.id }) else { return nil }
            guard first.policy == policy.rawValue else {
                throw ProviderError(
                    kind: .conflict, operation: operation,
                    message: "server group \(name) exists with policy \(first.policy ?? "none"), not \(policy.rawValue)")
            }
            return first
        }
        if let existing = try await chosen() { return existing.id }
        let body: [String: Any] = ["server_group": ["name": name, "policy": policy.rawValue]]
        let response = try await compute(.POST, "/os-server-groups", json: body, operation: operation, idempotent: false)
        let created = try response.decode(NovaServerGroup.One.self, operation: operation).server_group
        logger.debug("server group created", metadata: ["group": "\(name)", "id": "\(created.id)", "policy": "\(policy.rawValue)"])
        guard let winner = try await chosen(), winner.id != created.id else { return created.id }
        try? await deleteServerGroup(id: created.id)
        return winner.id
    }

    public func serverGroups(namePrefix: String) async throws(ProviderError) -> [ServerGroup] {
        try await allServerGroups(operation: "list server groups").filter { $0.name.hasPrefix(namePrefix) }.map { ServerGroup(id: $0.id, name: $0.name) }
    }

    /// Every server group of the project, page by page (Nova pages them by `limit` and `offset`).
    private func allServerGroups(operation: String) async throws(ProviderError) -> [NovaServerGroup] {
        let pageSize = 1000
        var groups: [NovaServerGroup] = []
        while true {
            let response = try await compute(.GET, "/os-server-groups?limit=\(pageSize)&offset=\(groups.count)", operation: operation)
            let page = try response.decode(NovaServerGroup.Page.self, operation: operation).server_groups
            groups += page
            if page.count < pageSize { return groups }
        }
    }

    /// Deletes a server group (its members, if any, stay). Gone already is success.
    public func deleteServerGroup(id: String) async throws(ProviderError) {
        do throws(ProviderError) {
            _ = try await compute(.DELETE, "/os-server-groups/\(URLEscaping.escape(id))", operation: "delete server group")
        } catch where error.kind == .notFound {
            return
        }
    }

    // MARK: Look-ups

    /// A live server of that exact name (and cluster metadata, when given).
    private func existingServer(named name: String, cluster: String?) async throws(ProviderError) -> Server? {
        // `name` is a regular expression to Nova: anchor and escape it, then compare exactly.
        let pattern = "^" + NSRegularExpression.escapedPattern(for: name) + "$"
        let candidates = try await listServers(query: [("name", pattern)]).filter {
            $0.name == name && $0.state != .deleting && (cluster == nil || $0.metadata[ServerSpec.clusterKey] == cluster)
        }
        return candidates.min { ($0.created ?? .distantFuture, $0.id) < ($1.created ?? .distantFuture, $1.id) }
    }

    private func listServers(query: [(String, String)]) async throws(ProviderError) -> [Server] {
        let operation = "list servers"
        let pageSize = 1000
        var servers: [Server] = []
        var marker: String?
        repeat {
            var parameters = query + [("limit", String(pageSize))]
            if let marker { parameters.append(("marker", marker)) }
            let path = "/servers/detail?" + parameters.map { "\($0.0)=\(URLEscaping.escape($0.1))" }.joined(separator: "&")
            let page = try await compute(.GET, path, operation: operation).decode(NovaServer.Page.self, operation: operation).servers
            servers += page.map(\.server)
            marker = page.count == pageSize ? page.last?.id : nil
        } while marker != nil
        return servers
    }

    enum NamedKind: String, Sendable {
        case flavor, image, network
    }

    /// The ID of a flavor (Nova), image (Glance) or network (Neutron) given by name or ID.
    private func resolve(_ kind: NamedKind, _ reference: String) async throws(ProviderError) -> String {
        if let cached = names.get(kind, reference) { return cached }
        let operation = "resolve \(kind.rawValue) \(reference)"
        let matches: [String]
        switch kind {
        case .flavor:
            let flavors = try await compute(.GET, "/flavors?limit=1000", operation: operation).decode(NovaFlavors.self, operation: operation).flavors
            if let byID = flavors.first(where: { $0.id == reference }) {
                matches = [byID.id]
            } else {
                matches = flavors.filter { $0.name == reference }.map(\.id)
            }
        case .image, .network:
            let (service, path) = kind == .image ? ("image", "/v2/images") : ("network", "/v2.0/networks")
            let byName = try await send(service: service, .GET, path + "?name=" + URLEscaping.escape(reference), operation: operation)
                .decode(NamedResources.self, operation: operation).items
            let usable = byName.filter { $0.status == nil || ["active", "ACTIVE"].contains($0.status!) }
            if !usable.isEmpty {
                matches = usable.map(\.id)
            } else if try await exists(service: service, path + "/" + URLEscaping.escape(reference), operation: operation) {
                matches = [reference]  // not a name but an ID
            } else {
                matches = []
            }
        }
        guard let id = matches.first else {
            throw ProviderError(kind: .notFound, operation: operation, message: "no \(kind.rawValue) has the name or ID \(reference)")
        }
        guard matches.count == 1 else {
            throw ProviderError(
                kind: .badRequest, operation: operation, message: "\(matches.count) \(kind.rawValue)s are named \(reference); give the ID")
        }
        names.set(kind, reference, id, lifetime: configuration.nameCacheLifetime)
        return id
    }

    /// Whether GET `path` of the service finds something (a malformed ID is "no").
    private func exists(service: String, _ path: String, operation: String) async throws(ProviderError) -> Bool {
        do throws(ProviderError) {
            _ = try await send(service: service, .GET, path, operation: operation)
            return true
        } catch where error.kind == .notFound || error.kind == .badRequest {
            return false
        }
    }

    // MARK: Requests

    private func compute(
        _ method: HTTPMethod, _ path: String, json: [String: Any]? = nil, operation: String, serverName: String? = nil,
        serverID: String? = nil, idempotent: Bool? = nil
    ) async throws(ProviderError) -> ServiceResponse {
        let microversion = configuration.computeMicroversion
        return try await send(
            service: "compute", method, path, json: json,
            headers: [("OpenStack-API-Version", "compute \(microversion)"), ("X-OpenStack-Nova-API-Version", microversion)],
            operation: operation, serverName: serverName, serverID: serverID, idempotent: idempotent)
    }

    /// Sends a request to a service of the catalog with the current token; on 401 authenticates
    /// again once and resends.
    private func send(
        service: String, _ method: HTTPMethod, _ path: String, json: [String: Any]? = nil, headers: [(String, String)] = [],
        operation: String, serverName: String? = nil, serverID: String? = nil, idempotent: Bool? = nil
    ) async throws(ProviderError) -> ServiceResponse {
        var body: Data?
        if let json {
            do { body = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]) } catch {
                throw ProviderError(kind: .badRequest, operation: operation, serverName: serverName, message: "cannot encode the request: \(error)")
            }
        }
        var reauthenticated = false
        while true {
            let token: KeystoneToken
            do throws(ProviderError) {
                token = try await session.token()
            } catch {
                throw error.during("\(operation) (authenticate)").about(name: serverName, id: serverID)
            }
            guard let base = token.catalog.endpoint(type: service, region: credentials.regionName, interface: credentials.interface) else {
                throw ProviderError(
                    kind: .configuration, operation: operation, serverName: serverName, serverID: serverID,
                    message: "the catalog has no \(credentials.interface) \(service) endpoint in region \(credentials.regionName ?? "(any)")")
            }
            let request = ServiceRequest(
                method: method, url: Self.url(base: base, service: service) + path, headers: headers + [("X-Auth-Token", token.value)],
                body: body, idempotent: idempotent ?? (method == .GET || method == .DELETE), operation: operation,
                serverName: serverName, serverID: serverID)
            do throws(ProviderError) {
                return try await http.send(request)
            } catch where error.kind == .unauthorized && !reauthenticated {
                logger.debug("token refused; authenticating again", metadata: ["operation": "\(operation)"])
                reauthenticated = true
                await session.invalidate(token.value)
            }
        }
    }

    /// Catalog URLs of Glance and Neutron usually lack the API version their paths here carry.
    static func url(base: String, service: String) -> String {
        switch service {
        case "image": return base.hasSuffix("/v2") ? String(base.dropLast(3)) : base
        case "network": return base.hasSuffix("/v2.0") ? String(base.dropLast(5)) : base
        default: return base
        }
    }
}

/// Resolved flavor, image and network IDs, for a while.
private final class NameCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (id: String, until: ContinuousClock.Instant)] = [:]

    func get(_ kind: OpenStackProvider.NamedKind, _ reference: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries["\(kind.rawValue)/\(reference)"], ContinuousClock.now < entry.until else { return nil }
        return entry.id
    }

    func set(_ kind: OpenStackProvider.NamedKind, _ reference: String, _ id: String, lifetime: Duration) {
        lock.lock()
        defer { lock.unlock() }
        entries["\(kind.rawValue)/\(reference)"] = (id, .now + lifetime)
    }
}
