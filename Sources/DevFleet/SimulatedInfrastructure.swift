import Foundation
import Infrastructure
import LocalKube
import Synchronization

/// The `simulated` infrastructure provider (dev and tests): a "server" is a record here that
/// becomes ACTIVE after `bootDelay`, and its VM joins the cluster's LocalKube workload cluster as
/// a Ready Node (provider ID `simulated:///<id>`) after `joinDelay`. Faults are injected per
/// server or for the next creates: create refused, server ERROR or SHUTOFF, Node NotReady, Node
/// never registering.
public final class SimulatedInfrastructure: InfrastructureProvider {
    public struct Faults: Sendable {
        /// The next creates are refused (quota, say) with this message.
        public var refuseCreates: String?
        /// New servers go ERROR with this fault instead of ACTIVE.
        public var failNewServers: String?
        /// New servers' VMs never register a Node.
        public var nodesNeverJoin = false

        public init() {}
    }

    public let providerIDScheme = "simulated"

    private struct State {
        var servers: [String: Server] = [:]
        /// Server IDs by their `cluster` metadata: a fleet's every reconcile lists one cluster's
        /// servers, and scanning all 9000 for it was an eighth of an idle fleet's CPU.
        var byCluster: [String: Set<String>] = [:]

        func servers(of cluster: String) -> [Server] { (byCluster[cluster] ?? []).compactMap { servers[$0] } }
        var groups: [String: String] = [:]
        var userData: [String: String] = [:]
        var groupsCreated = 0
        var next = 0
        var faults = Faults()
    }

    private let state = Mutex(State())
    private let workloadCluster: @Sendable (String) -> LocalKubeCluster?
    private let bootDelay: Duration
    private let joinDelay: Duration

    /// - Parameter workloadCluster: the LocalKube cluster a server's VM joins, by the server's
    ///   `cluster` metadata (`namespace/name` of the Cluster).
    public init(bootDelay: Duration = .milliseconds(300), joinDelay: Duration = .milliseconds(300),
                workloadCluster: @escaping @Sendable (String) -> LocalKubeCluster?) {
        self.bootDelay = bootDelay
        self.joinDelay = joinDelay
        self.workloadCluster = workloadCluster
    }

    public func setFaults(_ change: (inout Faults) -> Void) { state.withLock { change(&$0.faults) } }

    public func createServer(_ spec: ServerSpec) async throws(ProviderError) -> Server {
        let cluster = spec.metadata[ServerSpec.clusterKey] ?? ""
        let outcome = state.withLock { state -> Result<(Server, created: Bool, joins: Bool), ProviderError> in
            if let existing = state.servers(of: cluster).first(where: { $0.name == spec.name }) {
                return .success((existing, false, false))
            }
            if let refusal = state.faults.refuseCreates {
                return .failure(ProviderError(kind: .quotaExceeded, operation: "create server", serverName: spec.name, httpStatus: 403, message: refusal))
            }
            state.next += 1
            let id = String(format: "sim-%06d", state.next)
            var server = Server(id: id, name: spec.name, state: .building, addresses: ["10.0.\(state.next / 250).\(state.next % 250 + 2)"],
                                availabilityZone: spec.availabilityZone, metadata: spec.metadata, created: Date())
            if let fault = state.faults.failNewServers {
                server.state = .error
                server.fault = fault
            }
            state.servers[id] = server
            state.byCluster[cluster, default: []].insert(id)
            state.userData[id] = spec.userData
            return .success((server, true, !state.faults.nodesNeverJoin && server.state != .error))
        }
        let (server, created, joins) = try outcome.get()
        if created { boot(server, joins: joins) }
        return server
    }

    private func boot(_ server: Server, joins: Bool) {
        let (bootDelay, joinDelay) = (self.bootDelay, self.joinDelay)
        Task { [weak self] in
            try? await Task.sleep(for: bootDelay)
            guard let self else { return }
            let active = self.state.withLock { state -> Bool in
                guard state.servers[server.id]?.state == .building else { return false }
                state.servers[server.id]?.state = .active
                return true
            }
            guard active, joins else { return }
            try? await Task.sleep(for: joinDelay)
            guard self.state.withLock({ $0.servers[server.id]?.state == .active }),
                  let cluster = self.workloadCluster(server.metadata[ServerSpec.clusterKey] ?? "") else { return }
            await cluster.addNode(name: server.name, labels: ["addon-manager.io/pool": server.metadata[ServerSpec.poolKey] ?? ""],
                                  providerID: self.providerID(serverID: server.id))
        }
    }

    public func server(id: String) async throws(ProviderError) -> Server? { state.withLock { $0.servers[id] } }

    public func servers(cluster: String) async throws(ProviderError) -> [Server] {
        state.withLock { $0.servers(of: cluster).sorted { $0.name < $1.name } }
    }

    public func deleteServer(id: String) async throws(ProviderError) {
        guard let server = state.withLock({ state -> Server? in
            state.userData[id] = nil
            guard let server = state.servers.removeValue(forKey: id) else { return nil }
            let cluster = server.metadata[ServerSpec.clusterKey] ?? ""
            state.byCluster[cluster]?.remove(id)
            if state.byCluster[cluster]?.isEmpty == true { state.byCluster[cluster] = nil }
            return server
        }) else { return }
        if let cluster = workloadCluster(server.metadata[ServerSpec.clusterKey] ?? "") { await cluster.removeNode(server.name) }
    }

    public func ensureServerGroup(name: String, policy: ServerGroupPolicy) async throws(ProviderError) -> String {
        state.withLock { state in
            if let id = state.groups[name] { return id }
            state.groupsCreated += 1
            let id = "group-\(state.groupsCreated)"
            state.groups[name] = id
            return id
        }
    }

    public func serverGroups(namePrefix: String) async throws(ProviderError) -> [ServerGroup] {
        state.withLock { $0.groups.filter { $0.key.hasPrefix(namePrefix) }.map { ServerGroup(id: $0.value, name: $0.key) }.sorted { $0.name < $1.name } }
    }

    public func deleteServerGroup(id: String) async throws(ProviderError) {
        state.withLock { state in state.groups = state.groups.filter { $0.value != id } }
    }

    /// The user data a server was created with (what its VM would boot with).
    public func userData(ofServerID id: String) -> String? { state.withLock { $0.userData[id] } }

    // MARK: Faults on running servers (what `dev --chaos` and the tests break)

    /// The server goes ERROR (its VM died).
    public func breakServer(id: String, fault: String = "simulated hypervisor failure") {
        state.withLock { $0.servers[id]?.state = .error; $0.servers[id]?.fault = fault }
    }

    /// The server is switched off.
    public func stopServer(id: String) { state.withLock { $0.servers[id]?.state = .shutoff } }
}
