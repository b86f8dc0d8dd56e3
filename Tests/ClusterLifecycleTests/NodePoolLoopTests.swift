import AddonCatalog
import AddonController
import ClusterLifecycle
import DevFleet
import Foundation
import Infrastructure
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging
import TestSupport
import Testing

/// The loop end to end: LocalKube as the management plane and the workload cluster, the
/// simulated provider whose VMs join as Nodes, the controller over real HTTP.
@Suite struct NodePoolLoopTests {
    struct Loop {
        let fleet: DevFleet
        let provider: SimulatedInfrastructure
        let workload: LocalKubeCluster
        let workloadClient: KubernetesClient
        let lifecycle: ClusterLifecycle
        let task: Task<Void, Never>

        func cluster() async throws -> KubeObject { try await fleet.management.get(ManagementKinds.cluster, name: "c1", namespace: "p") }
        func machines() async throws -> [KubeObject] {
            try await fleet.management.list(ManagementKinds.machine, namespace: "p", options: ListOptions()).items
        }
        func pooledNodes() async throws -> [KubeObject] {
            try await workloadClient.list(GroupVersionKind(group: "", version: "v1", kind: "Node"), namespace: nil, options: ListOptions()).items
                .filter { $0["spec"]["providerID"].stringValue?.hasPrefix("simulated:///") == true }
        }
        func running(_ count: Int) async throws -> Bool {
            let machines = try await machines()
            return machines.count == count && machines.allSatisfy { $0.status["phase"] == "Running" && $0.metadata["deletionTimestamp"].isNull }
        }
        func setPools(_ pools: JSONValue) async throws {
            _ = try await fleet.management.patch(ManagementKinds.cluster, name: "c1", namespace: "p", patch: ["spec": ["nodePools": pools]],
                                                 type: .merge, options: WriteOptions(fieldManager: "test"))
        }
        /// The reasons of the Events on the Cluster.
        func eventReasons() async throws -> [String] {
            try await fleet.management.list(GroupVersionKind(group: "", version: "v1", kind: "Event"), namespace: "p", options: ListOptions()).items
                .filter { $0["involvedObject"]["kind"] == "Cluster" && $0["involvedObject"]["name"] == "c1" }
                .compactMap { $0["reason"].stringValue }
        }
        func condition(_ type: String) async throws -> JSONValue? {
            try await cluster().status["conditions"].arrayValue?.first { $0["type"].stringValue == type }
        }
    }

    static func pool(replicas: Int, maxUnhealthy: String = "40%") -> JSONValue {
        [["name": "workers", "replicas": .int(Int64(replicas)), "flavor": "m1.small", "image": "ubuntu-22.04", "availabilityZones": ["az1", "az2"],
          "health": ["unhealthyConditions": [["type": "Ready", "status": "False", "for": "2s"]], "nodeStartupTimeout": "30s", "maxUnhealthy": .string(maxUnhealthy)]]]
    }

    typealias ProviderLookup = @Sendable (KubeObject) async throws -> any InfrastructureProvider

    /// `providers`: how a Cluster's provider is found, given the management plane (default:
    /// the simulated one for every Cluster).
    static func withLoop(orphans: OrphanServers = OrphanServers(), idlePoll: Duration = .seconds(30),
                         providers: (@Sendable (any KubeClient) -> ProviderLookup)? = nil, _ body: (Loop) async throws -> Void) async throws {
        var logger = Logger(label: "lifecycle-test")
        logger.logLevel = .warning
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lifecycle-\(UUID().uuidString)")
        let fleet = try await DevFleet.start(catalog: Catalog(published: [], channels: [], source: "test"), kubeconfigDirectory: directory.path, logger: logger)
        do {
            let workload = try await fleet.addCluster(DevFleet.ClusterRequest(name: "c1", project: "p"))
            let server = fleet.server
            let provider = SimulatedInfrastructure(bootDelay: .milliseconds(200), joinDelay: .milliseconds(200)) { key in
                server.cluster(named: String(key.split(separator: "/").last ?? ""))
            }
            let workloadClient = try server.client(for: "c1", logger: logger)
            let connect: WorkloadNodes.Connect = { [logger] cluster in
                try server.client(for: cluster.name, logger: logger)
            }
            let lookup: ProviderLookup
            if let providers { lookup = providers(fleet.management) } else { lookup = { _ in provider } }
            let lifecycle = ClusterLifecycle(management: fleet.management, provider: lookup, workload: connect,
                                             provisioningPoll: .milliseconds(300), idlePoll: idlePoll, orphans: orphans, logger: logger)
            let task = Task { await lifecycle.run() }
            let loop = Loop(fleet: fleet, provider: provider, workload: workload, workloadClient: workloadClient, lifecycle: lifecycle, task: task)
            do {
                try await body(loop)
            } catch {
                task.cancel()
                await task.value
                try? await workloadClient.shutdown()
                throw error
            }
            task.cancel()
            await task.value
            try? await workloadClient.shutdown()
        } catch {
            await fleet.shutdown()
            throw error
        }
        await fleet.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Found by running `run --node-pools` against a `dev` fleet (whose Clusters name no
    /// infrastructure: `dev` simulates it): each Cluster's reconcile failed and was retried with
    /// backoff, six times in its first second, for something only an edit of the Cluster fixes.
    @Test func aClusterNamingNoInfrastructureIsAnInvalidSpecNotRetried() async throws {
        let lookups = Tally()
        try await Self.withLoop(providers: { management in
            let providers = InfrastructureProviders(management: management, logger: Logger(label: "providers"))
            return { cluster in
                await lookups.add()
                return try await providers.provider(for: cluster)
            }
        }) { loop in
            try await loop.setPools(Self.pool(replicas: 1))
            try await eventually("NodePoolsReady False, InvalidSpec") {
                let condition = try await loop.condition("NodePoolsReady")
                return condition?["reason"] == "InvalidSpec" && condition?["message"].stringValue?.contains("spec.infrastructure is not set") == true
            }
            try await Task.sleep(for: .seconds(2))
            // Once for the edit, at most once more for the status it wrote; retried, it was 6+.
            let count = await lookups.count
            #expect(count <= 2, "looked up \(count) times")
            #expect(try await loop.machines().isEmpty)
        }
    }

    actor Tally {
        private(set) var count = 0
        func add() { count += 1 }
    }

    @Test func aPoolComesUpSpreadOverZonesAndScalesDown() async throws {
        try await Self.withLoop { loop in
            try await loop.setPools(Self.pool(replicas: 3))
            try await eventually("3 Machines Running", timeout: .seconds(60)) { try await loop.running(3) }
            let machines = try await loop.machines()
            #expect(Set(machines.compactMap { $0["spec"]["availabilityZone"].stringValue }) == ["az1", "az2"])
            // Each Machine names its server as the server's Node does.
            #expect(machines.allSatisfy { $0["spec"]["providerID"].stringValue == "simulated:///" + ($0.status["serverID"].stringValue ?? "-") })
            #expect(try await loop.pooledNodes().count == 3)
            try await eventually("NodePoolsReady True") { try await loop.condition("NodePoolsReady")?["status"] == "True" }
            let pools = try await loop.cluster().status["nodePools"]
            #expect(pools[0]["name"] == "workers" && pools[0]["ready"] == 3)

            try await loop.setPools(Self.pool(replicas: 1))
            try await eventually("1 Machine left, 1 server, 1 Node") {
                let servers = try await loop.provider.servers(cluster: "p/c1")
                let running = try await loop.running(1)
                let nodes = try await loop.pooledNodes().count
                return running && servers.count == 1 && nodes == 1
            }
            // The pool loop's conditions say which spec they reflect: the one scaled down.
            try await eventually("NodePoolsReady and NodesHealthy reflect the scaled-down spec") {
                let cluster = try await loop.cluster()
                let generation = try #require(cluster.generation)
                let conditions = cluster.status["conditions"].arrayValue ?? []
                let observed = ["NodePoolsReady", "NodesHealthy"].map { type in conditions.first { $0["type"].stringValue == type }?["observedGeneration"].intValue }
                return generation >= 2 && observed.allSatisfy { $0 == generation }
            }
        }
    }

    @Test func aNotReadyNodeIsReplacedAndAPartitionIsNot() async throws {
        try await Self.withLoop { loop in
            try await loop.setPools(Self.pool(replicas: 3))
            try await eventually("3 Machines Running", timeout: .seconds(60)) { try await loop.running(3) }
            let before = Set(try await loop.machines().map(\.name))
            let victim = try #require(try await loop.pooledNodes().first)
            try await loop.workload.setNodeCondition(node: victim.name, type: "Ready", status: "False")
            // Past `for` (2 s): replaced — a new Machine, the old one's server and Node gone.
            try await eventually("the NotReady machine replaced", timeout: .seconds(60)) {
                let names = Set(try await loop.machines().map(\.name))
                let servers = try await loop.provider.servers(cluster: "p/c1")
                let running = try await loop.running(3)
                return running && names != before && names.intersection(before).count == 2 && servers.count == 3
                    && !servers.contains { $0.name == victim.name }
            }

            // Two of three NotReady at once (more than maxUnhealthy 40% = 1): nothing is replaced.
            let nodes = try await loop.pooledNodes()
            for node in nodes.prefix(2) { try await loop.workload.setNodeCondition(node: node.name, type: "Ready", status: "False") }
            try await eventually("remediation not allowed", timeout: .seconds(30)) {
                try await loop.condition("NodesHealthy")?["reason"] == "RemediationNotAllowed"
            }
            let held = Set(try await loop.machines().map(\.name))
            try await Task.sleep(for: .seconds(4))
            #expect(Set(try await loop.machines().map(\.name)) == held, "machines were replaced during a partition")
            let message = try await loop.condition("NodesHealthy")?["message"].stringValue ?? ""
            #expect(message.contains("2 of 3 machines are unhealthy, more than maxUnhealthy allows (1)"), "\(message)")
            // What `kubectl describe cluster` and /metrics tell an operator.
            let reasons = try await loop.eventReasons()
            #expect(reasons.contains("MachineRemediated") && reasons.contains("RemediationNotAllowed"), "\(reasons)")
            let series = await loop.lifecycle.exposition()
            #expect(series.contains(#"addon_manager_cluster_condition{cluster="p/c1",condition="NodesHealthy",status="False"} 1"#), "\(series)")
            #expect(series.contains(#"addon_manager_machines{cluster="p/c1",pool="workers",phase="Running"} 3"#), "\(series)")
        }
    }

    @Test func aServerThatFailsIsReplacedAndAFailedCreateSaysWhy() async throws {
        try await Self.withLoop { loop in
            loop.provider.setFaults { $0.refuseCreates = "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances" }
            // One machine: only a 100% budget lets it be replaced (40% of 1 is 0, as in Cluster API).
            try await loop.setPools(Self.pool(replicas: 1, maxUnhealthy: "100%"))
            try await eventually("the Machine Failed with the provider's message") {
                let machine = try await loop.machines().first
                return machine?.status["phase"] == "Failed" && machine?.status["failureMessage"].stringValue?.contains("Quota exceeded") == true
            }
            loop.provider.setFaults { $0.refuseCreates = nil }
            try await eventually("Running once the quota allows", timeout: .seconds(60)) { try await loop.running(1) }
            let machine = try #require(try await loop.machines().first)
            let serverID = try #require(machine.status["serverID"].stringValue)
            loop.provider.breakServer(id: serverID)
            try await eventually("the broken server replaced", timeout: .seconds(60)) {
                let machines = try await loop.machines()
                let running = try await loop.running(1)
                let gone = try await loop.provider.server(id: serverID) == nil
                return running && machines.first?.status["serverID"].stringValue != serverID && gone
            }
        }
    }

    @Test func aServerNoMachineAccountsForIsReportedThenDeleted() async throws {
        try await Self.withLoop(orphans: OrphanServers(grace: .seconds(2), interval: .milliseconds(200))) { loop in
            try await loop.setPools(Self.pool(replicas: 1))
            try await eventually("1 Machine Running", timeout: .seconds(60)) { try await loop.running(1) }
            // As a manager stopped between creating a server and recording it would leave one
            // whose Machine is gone since, or someone else with the cluster's tag.
            let stray = try await loop.provider.createServer(ServerSpec(name: "p-c1-workers-stray", flavor: "m1.small", image: "ubuntu-22.04",
                                                                        metadata: [ServerSpec.clusterKey: "p/c1", ServerSpec.poolKey: "workers", ServerSpec.machineKey: "stray"]))
            try await eventually("reported") { try await loop.eventReasons().contains("OrphanServer") }
            #expect(try await loop.provider.server(id: stray.id) != nil, "deleted before the grace period")
            try await eventually("deleted after the grace period", timeout: .seconds(30)) {
                let reasons = try await loop.eventReasons()
                let gone = try await loop.provider.server(id: stray.id) == nil
                return reasons.contains("OrphanServerDeleted") && gone
            }
            // The Machine's own server is untouched.
            let machine = try #require(try await loop.machines().first)
            let own = try #require(machine.status["serverID"].stringValue)
            #expect(try await loop.provider.server(id: own) != nil)
            #expect(try await loop.running(1))
        }
    }
}
