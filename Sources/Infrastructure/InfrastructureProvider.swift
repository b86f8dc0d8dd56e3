import Foundation

/// What the provisioning loop asks for: one VM of a node pool.
///
/// `name` must be unique and deterministic per machine (the loop derives it from the cluster,
/// pool and machine): providers without a client token (Nova) find an earlier attempt by it.
public struct ServerSpec: Sendable, Equatable {
    public var name: String
    /// Flavor name or ID.
    public var flavor: String
    /// Image name or ID.
    public var image: String
    /// Network name or ID; nil lets the provider choose (OpenStack: `networks: auto`).
    public var network: String?
    public var availabilityZone: String?
    /// The server group (`ensureServerGroup`) the server is scheduled into.
    public var serverGroupID: String?
    /// Plain text (cloud-init); the provider encodes it as its API wants (base64 for Nova).
    public var userData: String?
    /// At least `cluster`, `pool` and `machine`: `servers(cluster:)` finds servers by `cluster`.
    public var metadata: [String: String]

    public init(
        name: String, flavor: String, image: String, network: String? = nil, availabilityZone: String? = nil,
        serverGroupID: String? = nil, userData: String? = nil, metadata: [String: String]
    ) {
        self.name = name
        self.flavor = flavor
        self.image = image
        self.network = network
        self.availabilityZone = availabilityZone
        self.serverGroupID = serverGroupID
        self.userData = userData
        self.metadata = metadata
    }

    /// The metadata key naming the cluster a server belongs to.
    public static let clusterKey = "cluster"
    public static let poolKey = "pool"
    public static let machineKey = "machine"
}

/// Where a server stands, reduced to what the provisioning loop decides on.
public enum ServerState: String, Sendable, Hashable, CaseIterable {
    /// Being built (or rebuilt): not yet usable, not yet broken.
    case building = "BUILD"
    /// Running. Also while an operator reboots, resizes or migrates it: the VM exists.
    case active = "ACTIVE"
    /// Failed: it will not become usable (Nova's `fault` says why).
    case error = "ERROR"
    /// Not running: stopped, paused, suspended or shelved.
    case shutoff = "SHUTOFF"
    /// Being deleted (or soft-deleted).
    case deleting = "DELETING"
    /// The provider does not know (Nova `UNKNOWN`, a compute host down, an unrecognised status).
    case unknown = "UNKNOWN"
}

/// A server as the provider reports it.
public struct Server: Sendable, Equatable {
    public var id: String
    public var name: String
    public var state: ServerState
    /// Every IP address of the server, over all its networks.
    public var addresses: [String]
    /// Why it failed (Nova's `fault.message`), when it did.
    public var fault: String?
    public var availabilityZone: String?
    public var metadata: [String: String]
    public var created: Date?

    public init(
        id: String, name: String, state: ServerState, addresses: [String] = [], fault: String? = nil,
        availabilityZone: String? = nil, metadata: [String: String] = [:], created: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.state = state
        self.addresses = addresses
        self.fault = fault
        self.availabilityZone = availabilityZone
        self.metadata = metadata
        self.created = created
    }
}

/// A server group as the provider lists it.
public struct ServerGroup: Sendable, Equatable {
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// How the members of a server group are spread over hosts.
public enum ServerGroupPolicy: String, Sendable, Hashable, CaseIterable {
    /// Never two members on one host: a member that cannot be placed fails.
    case antiAffinity = "anti-affinity"
    /// Spread when possible.
    case softAntiAffinity = "soft-anti-affinity"
}

/// The infrastructure the provisioning loop creates and deletes VMs through (OpenStack, or a
/// simulation). Every operation is safe to repeat: the loop retries after any failure.
public protocol InfrastructureProvider: Sendable {
    /// Creates the server, or returns the one an earlier call created: a server with the same name
    /// and the same `cluster` metadata is returned as it is, whatever its state.
    func createServer(_ spec: ServerSpec) async throws(ProviderError) -> Server
    /// The server, or nil when it does not exist (any more).
    func server(id: String) async throws(ProviderError) -> Server?
    /// All servers whose metadata has `cluster` = `cluster`.
    func servers(cluster: String) async throws(ProviderError) -> [Server]
    /// Deletes the server; a server that is gone already is success.
    func deleteServer(id: String) async throws(ProviderError)
    /// The ID of the server group of that name, created with `policy` when there is none.
    func ensureServerGroup(name: String, policy: ServerGroupPolicy) async throws(ProviderError) -> String
    /// The server groups whose name starts with `namePrefix`.
    func serverGroups(namePrefix: String) async throws(ProviderError) -> [ServerGroup]
    /// Deletes a server group; a group that is gone already is success.
    func deleteServerGroup(id: String) async throws(ProviderError)
    /// The scheme of the provider IDs its Nodes carry (`<scheme>:///<server id>`), as the cloud
    /// provider of the workload cluster sets `spec.providerID`.
    var providerIDScheme: String { get }
}

extension InfrastructureProvider {
    /// The provider ID a Node on this server carries.
    public func providerID(serverID: String) -> String { "\(providerIDScheme):///\(serverID)" }
}
