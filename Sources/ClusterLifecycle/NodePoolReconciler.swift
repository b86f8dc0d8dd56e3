import AddonController
import ControllerRuntime
import Foundation
import Infrastructure
import KubernetesClient
import KubernetesModel
import Logging
import Metrics

/// Keeps a Cluster's node pools at their spec: one reconcile per Cluster (by namespace and
/// name) provisions its Machines' servers, follows them to ACTIVE and their Nodes to Ready,
/// replaces unhealthy Machines within `maxUnhealthy`, creates and deletes Machines to match each
/// pool (`NodePoolPlanner`), releases the servers of deleted Machines (finalizer), and writes the
/// pools' state to the Cluster's status. Decisions are the pure functions beside it; this type
/// only reads, writes and requeues.
public struct NodePoolReconciler: Reconciler {
    static let errorWithoutFault = "the server is in ERROR"
    /// On a Machine: its server is deleted before the Machine goes.
    public static let finalizer = "addon-manager.io/server"
    /// On a Cluster with node pools: its Machines, servers and server groups go before it does
    /// (its infrastructure credentials are read through it).
    public static let clusterFinalizer = "addon-manager.io/node-pools"
    public static let fieldManager = "addon-manager-lifecycle"
    public static let poolLabel = "addon-manager.io/pool"

    /// The Machines cache's index of each Machine's cluster (`namespace/cluster`): a reconcile
    /// reads its cluster's Machines from it, not from a scan of every Machine.
    public static let machinesByCluster = ObjectCache.Index(name: "cluster") { machine in
        machine["spec"]["cluster"].stringValue.map { ["\(machine.namespace ?? "")/\($0)"] } ?? []
    }

    public struct Dependencies: Sendable {
        public var management: any KubeClient
        /// Clusters and Machines as the informers keep them; the Machines' cache indexed by
        /// `machinesByCluster`.
        public var clusters: ObjectCache
        public var machines: ObjectCache
        /// The provider serving a Cluster (its credentials come from the Cluster's namespace).
        public var provider: @Sendable (KubeObject) async throws -> any InfrastructureProvider
        /// The workload cluster's Nodes; throws when the cluster does not answer.
        public var nodes: @Sendable (KubeObject) async throws -> [KubeObject]
        public var now: @Sendable () -> Date
        /// Events on Clusters and Machines (remediations, failed creates) for `kubectl describe`.
        public var events: EventRecorder?
        /// Servers tagged for a cluster that no Machine accounts for (nil: not looked for).
        public var orphans: OrphanServers?

        public init(management: any KubeClient, clusters: ObjectCache, machines: ObjectCache,
                    provider: @escaping @Sendable (KubeObject) async throws -> any InfrastructureProvider,
                    nodes: @escaping @Sendable (KubeObject) async throws -> [KubeObject], events: EventRecorder? = nil,
                    orphans: OrphanServers? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
            self.management = management
            self.clusters = clusters
            self.machines = machines
            self.provider = provider
            self.nodes = nodes
            self.events = events
            self.orphans = orphans
            self.now = now
        }
    }

    /// How often a pool with Machines on their way is looked at again.
    public var provisioningPoll: Duration = .seconds(1)
    /// How often a settled pool's servers are looked at (a server that fails raises no event here).
    public var idlePoll: Duration = .seconds(30)

    let dependencies: Dependencies
    let logger: Logger

    public init(dependencies: Dependencies, logger: Logger) {
        self.dependencies = dependencies
        self.logger = logger
    }

    // MARK: Reconcile

    public func reconcile(_ request: ReconcileRequest) async throws -> ReconcileResult {
        let machines = await dependencies.machines.list(filedUnder: Self.machinesByCluster, value: "\(request.namespace ?? "")/\(request.name)")
        guard let cluster = await dependencies.clusters.get(namespace: request.namespace, name: request.name) else {
            // Gone without our finalizer (removed by hand, or it never had pools): its Machines
            // are deleted; their servers cannot be released without the Cluster's credentials.
            return try await deleteAll(machines, cluster: request)
        }
        if !cluster.metadata["deletionTimestamp"].isNull {
            return try await tearDown(cluster, machines: machines)
        }
        let pools: [NodePool]
        let infrastructure: ClusterInfrastructure?
        do {
            pools = try NodePool.pools(of: cluster["spec"])
            infrastructure = try ClusterInfrastructure(spec: cluster["spec"])
        } catch {
            try await writeStatus(cluster, pools: [], summaries: [], problem: ("InvalidSpec", "\(error)"))
            throw TerminalError(error)
        }
        if pools.isEmpty && machines.isEmpty && !hasFinalizer(cluster) { return .done }
        // Without a provider (no credentials, a Secret that cannot be used) or with one that
        // refuses the credentials, nothing can be decided: the condition says why, and the
        // reconcile is retried with backoff — unless only an edit of the Cluster can help.
        let provider: any InfrastructureProvider
        do {
            provider = try await dependencies.provider(cluster)
        } catch let error as InfrastructureProviders.SetupError where error.inClusterSpec {
            try await writeStatus(cluster, pools: pools, summaries: [], problem: ("InvalidSpec", "\(error)"))
            throw TerminalError(error)
        } catch {
            try await writeStatus(cluster, pools: pools, summaries: [], problem: ("InfrastructureNotReady", "\(error)"))
            throw error
        }
        do {
            return try await reconcile(cluster, pools: pools, machines: machines, provider: provider, network: infrastructure?.network)
        } catch let error as ProviderError where [.unauthorized, .forbidden, .configuration].contains(error.kind) {
            try await writeStatus(cluster, pools: pools, summaries: [], problem: ("InfrastructureRefused", error.description))
            throw error
        }
    }

    /// One pass over a Cluster's pools with its provider.
    private func reconcile(_ cluster: KubeObject, pools: [NodePool], machines: [KubeObject], provider: any InfrastructureProvider,
                           network: String?) async throws -> ReconcileResult {
        let clusterKey = "\(cluster.namespace ?? "")/\(cluster.name)"
        // Nodes unknown (the cluster does not answer): health is judged on servers alone, so
        // that an unreachable API never recycles a pool.
        let nodes: [KubeObject]?
        do { nodes = try await dependencies.nodes(cluster) } catch { nodes = nil }
        let now = dependencies.now()
        // The cluster's servers in one call, not one per Machine: at a thousand clusters of nine
        // nodes, a GET per server per pass would be most of what the cloud API serves.
        let servers = try await provider.servers(cluster: clusterKey)
        let serversByID = Dictionary(servers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

        let remediationBlockedReported = (cluster.status["conditions"].arrayValue ?? [])
            .contains { $0["type"] == "NodesHealthy" && $0["reason"] == "RemediationNotAllowed" }
        var summaries: [PoolSummary] = []
        var busy = false
        var finalizerSet = false
        var recheck: Duration?
        for pool in pools {
            var summary = PoolSummary(name: pool.name, replicas: pool.replicas)
            var observed: [NodePoolPlanner.Machine] = []
            var verdicts: [String: MachineHealth.Verdict] = [:]
            var inFlight = 0
            for machine in machines where machine["spec"]["pool"].stringValue == pool.name {
                if !machine.metadata["deletionTimestamp"].isNull {
                    busy = true
                    if machine.labels[MachineLabels.remediated] != nil { inFlight += 1 }
                    try await finalize(machine, provider: provider)
                    continue
                }
                let progress = try await self.progress(machine, pool: pool, cluster: cluster, provider: provider, network: network,
                                                       listed: serversByID, nodes: nodes)
                var observation = progress.observation
                if nodes == nil, case .notYet = observation.node { observation.node = .registered(name: "(unknown)", conditions: []) }
                let verdict = MachineHealth.assess(observation, rules: pool.unhealthyConditions, nodeStartupTimeout: pool.nodeStartupTimeout, now: now)
                verdicts[machine.name] = verdict
                if case .healthy(let next?) = verdict { recheck = min(recheck ?? next, next) }
                // A Machine waiting for its pool's user data is looked at at the idle pace.
                if progress.phase != "Running", !progress.waitsForUserData { busy = true }
                if progress.waitsForUserData { summary.userDataInvalid = true }
                if progress.ready { summary.ready += 1 }
                if let failure = progress.failure, !summary.failures.contains(failure) { summary.failures.append(failure) }
                observed.append(NodePoolPlanner.Machine(name: machine.name, zone: machine["spec"]["availabilityZone"].stringValue,
                                                        flavor: machine["spec"]["flavor"].stringValue ?? "", image: machine["spec"]["image"].stringValue ?? "",
                                                        created: progress.observation.created,
                                                        ready: progress.ready, healthy: verdict.isHealthy))
            }
            summary.unhealthy = verdicts.values.filter { !$0.isHealthy }.count
            // Unhealthy Machines are replaced (deleted; the pool then creates their successors),
            // unless too many are unhealthy at once.
            let decision = Remediation.decide(maxUnhealthy: pool.maxUnhealthy, verdicts: verdicts, inFlight: inFlight)
            summary.remediation = decision
            // Once when it starts (the condition says so from then on), not at every pass.
            if !decision.allowed, !remediationBlockedReported { await event(on: cluster, .warning, "RemediationNotAllowed", "pool \(pool.name): \(decision.message)") }
            for name in decision.replace {
                guard let machine = machines.first(where: { $0.name == name }), case .unhealthy(let reason, let message) = verdicts[name] else { continue }
                logger.notice("replacing an unhealthy machine", metadata: ["cluster": "\(clusterKey)", "pool": "\(pool.name)", "machine": "\(name)",
                                                                           "reason": "\(reason)", "message": "\(message)"])
                await event(on: cluster, .warning, "MachineRemediated", "pool \(pool.name): replacing machine \(name): \(message)")
                try await delete(machine, remediated: reason)
                observed.removeAll { $0.name == name }
                busy = true
            }
            for action in NodePoolPlanner.plan(pool, machines: observed) {
                busy = true
                switch action {
                case .create(let zone):
                    // Before anything is made in the cloud: the Cluster then stays until it is gone.
                    if !finalizerSet, !hasFinalizer(cluster) {
                        try await setFinalizer(on: cluster, present: true)
                        finalizerSet = true
                    }
                    try await createMachine(cluster: cluster, pool: pool, zone: zone)
                case .delete(let name, let reason):
                    guard let machine = machines.first(where: { $0.name == name }) else { continue }
                    logger.info("deleting a machine", metadata: ["cluster": "\(clusterKey)", "pool": "\(pool.name)", "machine": "\(name)", "reason": "\(reason)"])
                    try await delete(machine, remediated: nil)
                }
            }
            summaries.append(summary)
        }
        // Machines of pools no longer in the spec.
        for machine in machines where !pools.contains(where: { $0.name == machine["spec"]["pool"].stringValue }) {
            busy = true
            if machine.metadata["deletionTimestamp"].isNull { try await delete(machine, remediated: nil) } else { try await finalize(machine, provider: provider) }
        }
        // Orphans within their grace period: looked at again in time, not only at the idle poll.
        if let next = try await collectOrphans(cluster, key: clusterKey, pools: pools, machines: machines, servers: servers, provider: provider) {
            recheck = min(recheck ?? next, next)
        }
        try await writeStatus(cluster, pools: pools, summaries: summaries, problem: nil, nodesKnown: nodes != nil)
        // No pools and nothing left of earlier ones: nothing to release when the Cluster goes.
        if pools.isEmpty, machines.isEmpty, servers.isEmpty, hasFinalizer(cluster),
           try await provider.serverGroups(namePrefix: Self.serverGroupPrefix(cluster: clusterKey)).isEmpty {
            try await setFinalizer(on: cluster, present: false)
            return .done
        }
        if busy { return .requeue(after: provisioningPoll) }
        return .requeue(after: min(recheck ?? idlePoll, idlePoll))
    }

    // MARK: One Machine

    struct PoolSummary {
        var name: String
        var replicas: Int
        var ready = 0
        var unhealthy = 0
        var remediation: Remediation.Decision?
        /// Why its failed Machines failed (distinct messages, Nova's fault among them).
        var failures: [String] = []
        /// A Machine cannot get its server because the pool's user data cannot be made.
        var userDataInvalid = false
    }

    struct Progress {
        var observation: MachineObservation
        var phase: String
        var ready: Bool
        /// Why the Machine failed, when it did.
        var failure: String? = nil
        /// No server yet: the pool's user data cannot be made (the project's template or Secrets).
        var waitsForUserData = false
    }

    /// Creates the Machine's server if it has none, reads where it stands, links its Node, and
    /// writes the Machine's status when it changed.
    func progress(_ machine: KubeObject, pool: NodePool, cluster clusterObject: KubeObject, provider: any InfrastructureProvider, network: String?,
                  listed: [String: Server], nodes: [KubeObject]?) async throws -> Progress {
        let cluster = "\(clusterObject.namespace ?? "")/\(clusterObject.name)"
        var serverID = machine.status["serverID"].stringValue
        var server: Server?
        if let id = serverID {
            // Not in the list: asked for by ID before it is taken for gone (a list may lag).
            if let found = listed[id] {
                server = found
                // Nova lists an ERROR server without its fault: read it, so that the Machine
                // and the pool's condition say why.
                if found.state == .error, found.fault == nil {
                    if machine.status["failureReason"] == "ServerFailed", let recorded = machine.status["failureMessage"].stringValue,
                       recorded != Self.errorWithoutFault {
                        server?.fault = recorded  // read once already
                    } else {
                        server = try await provider.server(id: id) ?? found
                    }
                }
            } else {
                server = try await provider.server(id: id)
            }
        } else {
            do {
                // A pool with a server-group policy has one group, named for the cluster and pool.
                var group: String?
                if let policy = pool.serverGroupPolicy {
                    group = try await provider.ensureServerGroup(name: Self.serverGroupName(cluster: cluster, pool: pool.name), policy: policy)
                }
                let name = Self.serverName(machine)
                let userData = try await BootstrapUserData(management: dependencies.management)
                    .render(cluster: clusterObject, pool: pool, machine: machine, serverName: name)
                let spec = ServerSpec(name: name, flavor: pool.flavor, image: pool.image, network: network,
                                      availabilityZone: machine["spec"]["availabilityZone"].stringValue, serverGroupID: group, userData: userData,
                                      metadata: [ServerSpec.clusterKey: cluster, ServerSpec.poolKey: pool.name, ServerSpec.machineKey: machine.name])
                server = try await provider.createServer(spec)
                serverID = server?.id
            } catch let error as BootstrapUserDataError {
                // The project's input: said on the Machine (once per message) and the pool's
                // condition; the other pools go on.
                if machine.status["failureMessage"].stringValue != error.description {
                    try await writeMachineStatus(machine, ["phase": "Failed", "failureReason": "UserDataInvalid", "failureMessage": .string(error.description)])
                    await event(on: machine, .warning, "UserDataInvalid", error.description)
                    logger.warning("no user data for a machine", metadata: ["cluster": "\(error.cluster)", "pool": "\(error.pool)", "machine": "\(machine.name)",
                                                                         "error": "\(error.message)"])
                }
                let created = KubeTime.parse(machine.metadata["creationTimestamp"].stringValue ?? "") ?? dependencies.now()
                return Progress(observation: MachineObservation(name: machine.name, created: created, server: .pending, node: .notYet),
                                phase: "Failed", ready: false, failure: error.description, waitsForUserData: true)
            } catch {
                try await writeMachineStatus(machine, ["phase": "Failed", "failureReason": "CreateFailed", "failureMessage": .string("\(error)")])
                await event(on: machine, .warning, "CreateFailed", "\(error)")
                throw error
            }
        }
        let providerID = serverID.map { provider.providerID(serverID: $0) }
        // A Node is the server's when its provider ID names the server.
        let node = nodes?.first { node in providerID != nil && node["spec"]["providerID"].stringValue == providerID }
        let hadNode = machine.status["nodeRef"]["name"].stringValue
        let nodeState: MachineObservation.Node
        if let node {
            let conditions = (node.status["conditions"].arrayValue ?? []).compactMap { c -> MachineObservation.NodeCondition? in
                guard let type = c["type"].stringValue, let status = c["status"].stringValue else { return nil }
                return .init(type: type, status: status, since: c["lastTransitionTime"].stringValue.flatMap(KubeTime.parse) ?? dependencies.now())
            }
            nodeState = .registered(name: node.name, conditions: conditions)
        } else if let hadNode, nodes != nil {
            nodeState = .gone(name: hadNode)
        } else {
            nodeState = .notYet
        }
        let serverState: MachineObservation.Server
        var status: JSONValue = machine.status.objectValue.map(JSONValue.object) ?? [:]
        switch server?.state {
        case nil: serverState = serverID == nil ? .pending : .gone
        case .building?, .unknown?: serverState = .building
        case .active?: serverState = .running
        case .error?: serverState = .failed(server?.fault ?? "")
        case .shutoff?: serverState = .stopped
        case .deleting?: serverState = .gone
        }
        let ready = node.map { n in (n.status["conditions"].arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" } } ?? false
        let phase: String
        switch serverState {
        case .failed(let fault):
            phase = "Failed"
            status["failureReason"] = "ServerFailed"
            status["failureMessage"] = .string(fault.isEmpty ? Self.errorWithoutFault : fault)
        case .gone, .stopped:
            phase = "Failed"
        case .pending, .building:
            phase = "Provisioning"
        case .running:
            phase = node == nil ? "Provisioned" : "Running"
        }
        status["phase"] = .string(phase)
        if let serverID { status["serverID"] = .string(serverID) }
        if let addresses = server?.addresses { status["addresses"] = .array(addresses.map(JSONValue.string)) }
        if let node { status["nodeRef"] = ["name": .string(node.name)] }
        if phase != "Failed" {
            status["failureReason"] = .null
            status["failureMessage"] = .null
        }
        let cleaned = JSONValue.object((status.objectValue ?? [:]).filter { !$0.value.isNull })
        if cleaned != machine.status {
            try await writeMachineStatus(machine, cleaned)
            // First Running: how long it took from the Machine's creation (server and Node).
            if phase == "Running", machine.status["phase"] != "Running", machine.status["nodeRef"].isNull,
               let created = KubeTime.parse(machine.metadata["creationTimestamp"].stringValue ?? "") {
                Timer(label: "addon_manager_machine_provisioning_seconds", dimensions: [("pool", pool.name)])
                    .recordSeconds(max(0, dependencies.now().timeIntervalSince(created)))
            }
        }
        if let providerID, machine["spec"]["providerID"].stringValue != providerID {
            _ = try await dependencies.management.patch(ManagementKinds.machine, name: machine.name, namespace: machine.namespace,
                                                        patch: ["spec": ["providerID": .string(providerID)]], type: .merge,
                                                        options: WriteOptions(fieldManager: Self.fieldManager))
        }
        let created = KubeTime.parse(machine.metadata["creationTimestamp"].stringValue ?? "") ?? dependencies.now()
        let failure = phase == "Failed" ? status["failureMessage"].stringValue ?? "the server is \(server?.state.rawValue ?? "gone")" : nil
        return Progress(observation: MachineObservation(name: machine.name, created: created, server: serverState, node: nodeState), phase: phase, ready: ready,
                        failure: failure)
    }

    /// A deleted Machine's server goes first; the finalizer is released once it is gone.
    func finalize(_ machine: KubeObject, provider: any InfrastructureProvider) async throws {
        guard (machine.metadata["finalizers"].arrayValue ?? []).contains(.string(Self.finalizer)) else { return }
        if let id = machine.status["serverID"].stringValue {
            try await provider.deleteServer(id: id)
            if try await provider.server(id: id) != nil { return }  // still going: looked at again next pass
        } else if let existing = try await provider.servers(cluster: "\(machine.namespace ?? "")/\(machine["spec"]["cluster"].stringValue ?? "")")
                    .first(where: { $0.name == Self.serverName(machine) }) {
            // Created, but its id was never recorded (the manager stopped in between): no orphan.
            try await provider.deleteServer(id: existing.id)
            return
        }
        let remaining = (machine.metadata["finalizers"].arrayValue ?? []).filter { $0 != .string(Self.finalizer) }
        do {
            _ = try await dependencies.management.patch(ManagementKinds.machine, name: machine.name, namespace: machine.namespace,
                                                        patch: ["metadata": ["finalizers": .array(remaining), "resourceVersion": machine.metadata["resourceVersion"]]],
                                                        type: .merge, options: WriteOptions(fieldManager: Self.fieldManager))
        } catch let error as KubernetesError where error.isNotFound {
            // Released by an earlier pass that the cache had not caught up with: nothing left to do.
        }
    }

    // MARK: Orphans

    /// Servers tagged for the cluster that no Machine accounts for: reported when first seen,
    /// deleted once they stayed so through the grace period (see `OrphanServers`). At the same
    /// pace, the server groups of pools that are gone (and have no Machine left) are deleted.
    /// Returns when to look again while orphans wait out their grace period (nil: none waits).
    @discardableResult
    func collectOrphans(_ cluster: KubeObject, key: String, pools: [NodePool], machines: [KubeObject], servers: [Server],
                        provider: any InfrastructureProvider) async throws -> Duration? {
        guard let orphans = dependencies.orphans else { return nil }
        let grouped = Set(pools.filter { $0.serverGroupPolicy != nil }.map(\.name))
        guard await orphans.due(cluster: key, groupedPools: grouped) else { return await orphans.isWaiting(cluster: key) ? orphans.interval : nil }
        let prefix = Self.serverGroupPrefix(cluster: key)
        let poolsInUse = Set(machines.compactMap { $0["spec"]["pool"].stringValue })
        // A removed pool's group whose Machines are still going: looked at again in time.
        var groupWaiting = false
        for group in try await provider.serverGroups(namePrefix: prefix) {
            let pool = String(group.name.dropFirst(prefix.count))
            guard !grouped.contains(pool) else { continue }
            if poolsInUse.contains(pool) {
                groupWaiting = true
                continue
            }
            logger.info("deleting the server group of a removed pool", metadata: ["cluster": "\(key)", "pool": "\(pool)", "group": "\(group.name)"])
            try await provider.deleteServerGroup(id: group.id)
        }
        let decision = await orphans.listed(cluster: key, servers: servers, accountedNames: Set(machines.map(Self.serverName)),
                                            accountedIDs: Set(machines.compactMap { $0.status["serverID"].stringValue }), groupedPools: grouped)
        let grace = orphans.grace
        for server in decision.found {
            logger.warning("a server of the cluster has no Machine", metadata: ["cluster": "\(key)", "server": "\(server.name)", "serverID": "\(server.id)"])
            await event(on: cluster, .warning, "OrphanServer",
                        "server \(server.name) (\(server.id)) is tagged for this cluster but no Machine accounts for it: it is deleted after \(grace) unless one does")
        }
        for server in decision.expired {
            logger.notice("deleting an orphan server", metadata: ["cluster": "\(key)", "server": "\(server.name)", "serverID": "\(server.id)"])
            try await provider.deleteServer(id: server.id)
            await event(on: cluster, .warning, "OrphanServerDeleted", "server \(server.name) (\(server.id)) had no Machine for \(grace): deleted")
        }
        await orphans.setGroupWaiting(cluster: key, groupWaiting)
        return decision.waiting || !decision.expired.isEmpty || groupWaiting ? orphans.interval : nil
    }

    // MARK: Writes

    func createMachine(cluster: KubeObject, pool: NodePool, zone: String?) async throws {
        let suffix = String((0..<5).map { _ in "bcdfghjklmnpqrstvwxz2456789".randomElement()! })
        var machine = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "Machine", name: "\(cluster.name)-\(pool.name)-\(suffix)", namespace: cluster.namespace)
        machine.labels = [ManagementKinds.clusterLabel: cluster.name, Self.poolLabel: pool.name]
        machine.body.setValue([.string(Self.finalizer)], at: ["metadata", "finalizers"])
        if let uid = cluster.uid {
            machine.body.setValue([OwnerReference(apiVersion: ManagementKinds.apiVersion, kind: "Cluster", name: cluster.name, uid: uid,
                                                  controller: true, blockOwnerDeletion: true).json], at: ["metadata", "ownerReferences"])
        }
        var spec: JSONValue = ["cluster": .string(cluster.name), "pool": .string(pool.name), "flavor": .string(pool.flavor), "image": .string(pool.image)]
        if let zone { spec["availabilityZone"] = .string(zone) }
        machine["spec"] = spec
        _ = try await dependencies.management.create(machine, options: WriteOptions(fieldManager: Self.fieldManager))
        try await writeMachineStatus(machine, ["phase": "Pending"])
    }

    func delete(_ machine: KubeObject, remediated reason: String?) async throws {
        if let reason {
            _ = try await dependencies.management.patch(ManagementKinds.machine, name: machine.name, namespace: machine.namespace,
                                                        patch: ["metadata": ["labels": .object([MachineLabels.remediated: .string(reason)])]],
                                                        type: .merge, options: WriteOptions(fieldManager: Self.fieldManager))
        }
        do {
            _ = try await dependencies.management.delete(ManagementKinds.machine, name: machine.name, namespace: machine.namespace,
                                                         options: DeleteOptions(preconditionUID: machine.uid))
        } catch let error as KubernetesError where error.isNotFound {}
    }

    func deleteAll(_ machines: [KubeObject], cluster: ReconcileRequest) async throws -> ReconcileResult {
        guard !machines.isEmpty else { return .done }
        for machine in machines where machine.metadata["deletionTimestamp"].isNull { try await delete(machine, remediated: nil) }
        return .requeue(after: provisioningPoll)
    }

    func writeMachineStatus(_ machine: KubeObject, _ status: JSONValue) async throws {
        var object = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "Machine", name: machine.name, namespace: machine.namespace)
        object["status"] = status
        _ = try await dependencies.management.applyStatus(object, options: ApplyOptions(fieldManager: Self.fieldManager, force: true))
    }

    /// The pools' state and the conditions operators alert on, on the Cluster's status (beside
    /// the addon controller's `AddonsHealthy`: each writer owns its own conditions).
    func writeStatus(_ cluster: KubeObject, pools: [NodePool], summaries: [PoolSummary], problem: (reason: String, message: String)?,
                     nodesKnown: Bool = true) async throws {
        let now = KubeTime.format(dependencies.now())
        var conditions: [JSONValue] = []
        func condition(_ type: String, _ ok: Bool?, _ reason: String, _ message: String) {
            let status = ok.map { $0 ? "True" : "False" } ?? "Unknown"
            let previous = (cluster.status["conditions"].arrayValue ?? []).first { $0["type"].stringValue == type }
            let since = previous?["status"].stringValue == status ? previous?["lastTransitionTime"].stringValue ?? now : now
            var entry: JSONValue = ["type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message),
                                    "lastTransitionTime": .string(since)]
            if let generation = cluster.generation { entry["observedGeneration"] = .int(generation) }
            conditions.append(entry)
        }
        if let problem {
            condition("NodePoolsReady", false, problem.reason, problem.message)
        } else {
            let short = summaries.filter { $0.ready < $0.replicas }
            // The project's template or Secrets (not watched: a fix is seen at the next look, an
            // idle poll away) say so in the reason.
            let reason = short.isEmpty ? "AllPoolsReady" : short.contains(where: \.userDataInvalid) ? "UserDataInvalid" : "PoolsNotReady"
            condition("NodePoolsReady", short.isEmpty, reason,
                      short.isEmpty ? "\(summaries.count) pools at size" : short.map { summary in
                          "\(summary.name): \(summary.ready) of \(summary.replicas) ready"
                              + (summary.failures.isEmpty ? "" : " (failed: \(summary.failures.prefix(3).joined(separator: " / ")))")
                      }.joined(separator: "; "))
            let unhealthy = summaries.filter { $0.unhealthy > 0 }
            let blocked = summaries.filter { $0.remediation?.allowed == false }
            if !nodesKnown {
                condition("NodesHealthy", nil, "NodesUnknown", "the cluster's API does not answer: Node health cannot be read (servers are still watched)")
            } else if unhealthy.isEmpty {
                condition("NodesHealthy", true, "AllNodesHealthy", "no unhealthy machines")
            } else {
                condition("NodesHealthy", false, blocked.isEmpty ? "Remediating" : "RemediationNotAllowed",
                          unhealthy.map { "\($0.name): \($0.remediation?.message ?? "\($0.unhealthy) unhealthy")" }.joined(separator: "; "))
            }
        }
        var status: JSONValue = ["conditions": .array(conditions)]
        status["nodePools"] = .array(summaries.map { summary in
            var entry: JSONValue = ["name": .string(summary.name), "replicas": .int(Int64(summary.replicas)), "ready": .int(Int64(summary.ready)),
                                    "unhealthy": .int(Int64(summary.unhealthy))]
            if let remediation = summary.remediation {
                entry["remediationAllowed"] = .bool(remediation.allowed)
                entry["message"] = .string(remediation.message)
            }
            return entry
        })
        // A problem stops the pass before the pools are counted: what was counted last stays.
        if problem != nil, summaries.isEmpty, !cluster.status["nodePools"].isNull { status["nodePools"] = cluster.status["nodePools"] }
        let mine = (cluster.status["conditions"].arrayValue ?? []).filter { ["NodePoolsReady", "NodesHealthy"].contains($0["type"].stringValue ?? "") }
        guard mine != conditions || cluster.status["nodePools"] != status["nodePools"] else { return }
        var object = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "Cluster", name: cluster.name, namespace: cluster.namespace)
        object["status"] = status
        _ = try await dependencies.management.applyStatus(object, options: ApplyOptions(fieldManager: Self.fieldManager, force: true))
    }

    /// An Event on the Cluster or Machine (repeats are counted on one Event, not added).
    func event(on object: KubeObject, _ type: EventRecorder.EventType, _ reason: String, _ message: String) async {
        await dependencies.events?.record(on: ["apiVersion": .string(ManagementKinds.apiVersion), "kind": .string(object.kind), "name": .string(object.name),
                                               "namespace": .string(object.namespace ?? "")], type: type, reason: reason, message: message)
    }

    static func serverName(_ machine: KubeObject) -> String { "\(machine.namespace ?? "default")-\(machine.name)" }

    /// The server group of a pool: `<namespace>/<cluster>/<pool>` (`/` appears in none of the
    /// three, so one cluster's groups are never taken for another's).
    static func serverGroupName(cluster key: String, pool: String) -> String { serverGroupPrefix(cluster: key) + pool }
    static func serverGroupPrefix(cluster key: String) -> String { "\(key)/" }
}

/// Labels the loop puts on Machines.
public enum MachineLabels {
    /// Set (to the reason) on a Machine deleted because it was unhealthy.
    public static let remediated = "addon-manager.io/remediated"
}
