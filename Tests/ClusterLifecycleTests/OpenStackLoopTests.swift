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
import Synchronization
import Testing

/// The loop as `run --node-pools` runs it, against the real local OpenStack of
/// `../shared/openstack-local/`: credentials from the Cluster's Secret, real servers in a server
/// group, a server forced to ERROR replaced, scale-down deleting servers, bad credentials a
/// condition. LocalKube is the management plane and the workload cluster; a stand-in for the
/// kubelet and the cloud controller manager registers a Node (provider ID `openstack:///<id>`)
/// for each ACTIVE server and removes it when the server is gone.
@Suite(.enabled(if: OpenStackLocal.shouldRun, Comment(rawValue: OpenStackLocal.skipMessage)), .timeLimit(.minutes(8)))
struct OpenStackLoopTests {
    /// The tasks a test runs (the loop, the Node stand-in), stopped at teardown.
    final class Tasks: Sendable {
        private let tasks = Mutex<[Task<Void, Never>]>([])
        func add(_ task: Task<Void, Never>) { tasks.withLock { $0.append(task) } }
        func stopAll() async {
            let all = tasks.withLock { tasks in defer { tasks.removeAll() }; return tasks }
            for task in all { task.cancel() }
            for task in all { await task.value }
        }
    }

    struct Loop {
        let fleet: DevFleet
        let namespace: String
        let observer: OpenStackProvider
        let tasks: Tasks
        /// Starts the provisioning loop (`withLoop(startingTheLoop: false)` leaves that to the test).
        let startLoop: @Sendable () -> Void

        var clusterKey: String { "\(namespace)/c1" }

        func machines() async throws -> [KubeObject] {
            try await fleet.management.list(ManagementKinds.machine, namespace: namespace, options: ListOptions()).items
        }
        func running(_ count: Int) async throws -> Bool {
            let machines = try await machines()
            return machines.count == count && machines.allSatisfy { $0.status["phase"] == "Running" && $0.metadata["deletionTimestamp"].isNull }
        }
        func condition(_ type: String) async throws -> JSONValue? {
            let cluster = try await fleet.management.get(ManagementKinds.cluster, name: "c1", namespace: namespace)
            return cluster.status["conditions"].arrayValue?.first { $0["type"].stringValue == type }
        }
        func setPools(_ pools: JSONValue) async throws {
            _ = try await fleet.management.patch(ManagementKinds.cluster, name: "c1", namespace: namespace, patch: ["spec": ["nodePools": pools]],
                                                 type: .merge, options: WriteOptions(fieldManager: "test"))
        }
        func servers() async throws -> [Server] { try await observer.servers(cluster: clusterKey) }
    }

    static func pool(replicas: Int) -> JSONValue {
        [["name": "workers", "replicas": .int(Int64(replicas)), "flavor": "m1.tiny", "image": "cirros-fake", "serverGroupPolicy": "soft-anti-affinity",
          "health": ["unhealthyConditions": [["type": "Ready", "status": "False", "for": "2s"]], "nodeStartupTimeout": "120s", "maxUnhealthy": "100%"]]]
    }

    static func withLoop(credentials: [String: String], startingTheLoop: Bool = true, _ body: (Loop) async throws -> Void) async throws {
        var logger = Logger(label: "openstack-loop-test")
        logger.logLevel = .warning
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openstack-loop-\(UUID().uuidString)")
        let fleet = try await DevFleet.start(catalog: Catalog(published: [], channels: [], source: "test"), kubeconfigDirectory: directory.path, logger: logger)
        // A project of its own per run: server names and metadata carry it, so runs never meet.
        let namespace = OpenStackLocal.uniqueName("osl")
        let observer = try OpenStackLocal.provider()
        let providers = InfrastructureProviders(management: fleet.management, logger: logger)
        let tasks = Tasks()
        let server = fleet.server
        let lifecycle = ClusterLifecycle(management: fleet.management, namespace: namespace, provider: { try await providers.provider(for: $0) },
                                         workload: { [logger] cluster in
                                             try server.client(for: cluster.name, logger: logger)
                                         }, provisioningPoll: .milliseconds(500), logger: logger)
        let loop = Loop(fleet: fleet, namespace: namespace, observer: observer, tasks: tasks,
                        startLoop: { tasks.add(Task { await lifecycle.run() }) })
        do {
            let workload = try await fleet.addCluster(DevFleet.ClusterRequest(name: "c1", project: namespace))
            var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: "openstack", namespace: namespace)
            secret["data"] = .object(credentials.mapValues { .string(Data($0.utf8).base64EncodedString()) })
            _ = try await fleet.management.create(secret, options: WriteOptions(fieldManager: "test"))
            _ = try await fleet.management.patch(ManagementKinds.cluster, name: "c1", namespace: namespace,
                                                 patch: ["spec": ["infrastructure": ["credentialsSecretRef": ["name": "openstack"], "network": "private"]]],
                                                 type: .merge, options: WriteOptions(fieldManager: "test"))
            if startingTheLoop { loop.startLoop() }
            tasks.add(Task { await Self.joinNodes(workload: workload, loop: loop) })
            try await body(loop)
        } catch {
            await Self.tearDown(loop, providers: providers)
            throw error
        }
        await Self.tearDown(loop, providers: providers)
        try? FileManager.default.removeItem(at: directory)
    }

    /// What the kubelet and the cloud controller manager would do: a Node for each ACTIVE server,
    /// gone with its server.
    static func joinNodes(workload: LocalKubeCluster, loop: Loop) async {
        while !Task.isCancelled {
            if let servers = try? await loop.servers() {
                let active = servers.filter { $0.state == .active }
                let nodes = await workload.objects(resource: "nodes").map(KubeObject.init)
                for server in active where !nodes.contains(where: { $0["spec"]["providerID"].stringValue == "openstack:///\(server.id)" }) {
                    await workload.addNode(name: server.name, providerID: "openstack:///\(server.id)")
                }
                for node in nodes {
                    guard let id = node["spec"]["providerID"].stringValue?.split(separator: "/").last, node["spec"]["providerID"].stringValue?.hasPrefix("openstack:") == true,
                          !servers.contains(where: { $0.id == String(id) }) else { continue }
                    await workload.removeNode(node.name)
                }
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Stops the loop, deletes what the test made in OpenStack, and closes everything.
    static func tearDown(_ loop: Loop, providers: InfrastructureProviders) async {
        await loop.tasks.stopAll()
        if let servers = try? await loop.servers() {
            for server in servers { try? await loop.observer.deleteServer(id: server.id) }
        }
        _ = try? await OpenStackLocal.poll({ try await loop.servers() }, until: \.isEmpty)
        if let group = try? await loop.observer.ensureServerGroup(name: "\(loop.namespace)/c1/workers", policy: .softAntiAffinity) {
            try? await loop.observer.deleteServerGroup(id: group)
        }
        await providers.shutdown()
        try? await loop.observer.shutdown()
        await loop.fleet.shutdown()
    }

    @Test func aPoolGetsRealServersThatAreReplacedWhenBrokenAndDeletedOnScaleDown() async throws {
        try await Self.withLoop(credentials: try OpenStackLocal.secretData()) { loop in
            try await loop.setPools(Self.pool(replicas: 2))
            try await eventually("2 Machines Running on ACTIVE servers", timeout: .seconds(120)) { try await loop.running(2) }
            let servers = try await loop.servers()
            #expect(servers.count == 2 && servers.allSatisfy { $0.state == .active })
            let machines = try await loop.machines()
            for machine in machines {
                let server = try #require(servers.first { $0.id == machine.status["serverID"].stringValue })
                #expect(server.name == "\(loop.namespace)-\(machine.name)")
                #expect(server.metadata["cluster"] == loop.clusterKey && server.metadata["pool"] == "workers" && server.metadata["machine"] == machine.name)
                #expect(server.addresses.contains { $0.hasPrefix("127.100.") }, "on network private: \(server.addresses)")
                #expect(machine["spec"]["providerID"].stringValue == "openstack:///\(server.id)")
            }
            // Both in the pool's server group.
            let group = try await loop.observer.ensureServerGroup(name: "\(loop.namespace)/c1/workers", policy: .softAntiAffinity)
            let shown = try JSONSerialization.jsonObject(with: Data(try OpenStackLocal.cli(["server", "group", "show", group, "-f", "json"], cloud: "osf-demo").utf8)) as? [String: Any]
            #expect(Set((shown?["members"] as? [String]) ?? []) == Set(servers.map(\.id)))

            // A server forced to ERROR (as an operator with admin rights can): replaced.
            let broken = servers[0]
            try OpenStackLocal.cli(["server", "set", "--state", "error", broken.id])
            try await eventually("the broken server replaced", timeout: .seconds(120)) {
                let now = try await loop.servers()
                let running = try await loop.running(2)
                return running && !now.contains { $0.id == broken.id } && now.count == 2
            }

            // Scale down to nothing: every server deleted.
            try await loop.setPools(Self.pool(replicas: 0))
            try await eventually("no Machine and no server left", timeout: .seconds(120)) {
                let machines = try await loop.machines()
                let servers = try await loop.servers()
                return machines.isEmpty && servers.isEmpty
            }
            #expect(try await loop.condition("NodePoolsReady")?["status"] == "True")
        }
    }

    @Test func aVMBootsWithItsRenderedUserDataAndADeletedClusterLeavesNothingInTheCloud() async throws {
        try await Self.withLoop(credentials: try OpenStackLocal.secretData()) { loop in
            var template = KubeObject(apiVersion: "v1", kind: "ConfigMap", name: "bootstrap", namespace: loop.namespace)
            template["data"] = ["userData": "#cloud-config\nhostname: {{ machine.serverName }}\ntoken: {{ secrets.join.token }}\n"]
            var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: "join", namespace: loop.namespace)
            secret.labels = [BootstrapUserData.optInLabel: "true"]
            secret["stringData"] = ["token": "abcdef.0123456789abcdef"]
            for object in [template, secret] { _ = try await loop.fleet.management.create(object, options: WriteOptions(fieldManager: "test")) }
            var pool = try #require(Self.pool(replicas: 1).arrayValue?.first)
            pool["userDataTemplate"] = "bootstrap"
            pool["userDataSecrets"] = ["join"]
            try await loop.setPools([pool])
            try await eventually("1 Machine Running on an ACTIVE server", timeout: .seconds(120)) { try await loop.running(1) }
            let server = try #require(try await loop.servers().first)
            // What Nova stored (shown to admins from microversion 2.3 on), base64 as Nova keeps it.
            let stored = try OpenStackLocal.cli(["--os-compute-api-version", "2.3", "server", "show", server.id, "-c", "OS-EXT-SRV-ATTR:user_data", "-f", "value"])
            let decoded = Data(base64Encoded: stored.trimmingCharacters(in: .whitespacesAndNewlines)).flatMap { String(data: $0, encoding: .utf8) }
            #expect(decoded == "#cloud-config\nhostname: \(server.name)\ntoken: abcdef.0123456789abcdef\n")
            #expect(try await loop.observer.serverGroups(namePrefix: "\(loop.clusterKey)/").map(\.name) == ["\(loop.clusterKey)/workers"])

            _ = try await loop.fleet.management.delete(ManagementKinds.cluster, name: "c1", namespace: loop.namespace, options: DeleteOptions())
            try await eventually("the Cluster gone, after its servers and server group", timeout: .seconds(120)) {
                do {
                    _ = try await loop.fleet.management.get(ManagementKinds.cluster, name: "c1", namespace: loop.namespace)
                    return false
                } catch let error as KubernetesError where error.isNotFound {
                    return true
                }
            }
            #expect(try await loop.servers().isEmpty)
            #expect(try await loop.observer.serverGroups(namePrefix: "\(loop.clusterKey)/").isEmpty)
        }
    }

    /// The manager killed between Nova accepting a create and the Machine recording the server:
    /// the Machine exists without a server ID, its server exists under its deterministic name.
    /// The next manager adopts that server: no second one, no orphan.
    @Test func aServerCreatedBeforeTheManagerDiedIsAdoptedNotDuplicated() async throws {
        try await Self.withLoop(credentials: try OpenStackLocal.secretData(), startingTheLoop: false) { loop in
            try await loop.setPools(Self.pool(replicas: 1))
            let cluster = try await loop.fleet.management.get(ManagementKinds.cluster, name: "c1", namespace: loop.namespace)
            // The Machine as the loop creates it, status Pending (no server ID recorded).
            var machine = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "Machine", name: "c1-workers-k1ll3", namespace: loop.namespace)
            machine.labels = [ManagementKinds.clusterLabel: "c1", NodePoolReconciler.poolLabel: "workers"]
            machine.body.setValue([.string(NodePoolReconciler.finalizer)], at: ["metadata", "finalizers"])
            machine.body.setValue([OwnerReference(apiVersion: ManagementKinds.apiVersion, kind: "Cluster", name: "c1", uid: cluster.uid ?? "",
                                                  controller: true, blockOwnerDeletion: true).json], at: ["metadata", "ownerReferences"])
            machine["spec"] = ["cluster": "c1", "pool": "workers", "flavor": "m1.tiny", "image": "cirros-fake"]
            _ = try await loop.fleet.management.create(machine, options: WriteOptions(fieldManager: NodePoolReconciler.fieldManager))
            // What Nova accepted before the manager died.
            let created = try await loop.observer.createServer(ServerSpec(name: "\(loop.namespace)-c1-workers-k1ll3", flavor: "m1.tiny", image: "cirros-fake",
                                                                          network: "private",
                                                                          metadata: [ServerSpec.clusterKey: loop.clusterKey, ServerSpec.poolKey: "workers",
                                                                                     ServerSpec.machineKey: "c1-workers-k1ll3"]))
            loop.startLoop()
            try await eventually("the Machine Running on the server created before", timeout: .seconds(120)) { try await loop.running(1) }
            let machines = try await loop.machines()
            #expect(machines.map(\.name) == ["c1-workers-k1ll3"])
            #expect(machines.first?.status["serverID"].stringValue == created.id)
            #expect(try await loop.servers().map(\.id) == [created.id], "a second server was created")
        }
    }

    /// A flavor no host can take: the Machine fails with Nova's fault, and the pool's condition
    /// says why (the loop keeps trying, rate-limited, while the pool is short).
    @Test func aFlavorNoHostCanTakeFailsWithNovasFaultOnTheCondition() async throws {
        try await Self.withLoop(credentials: try OpenStackLocal.secretData()) { loop in
            try await loop.setPools([["name": "workers", "replicas": 1, "flavor": "osf.novalidhost", "image": "cirros-fake"]])
            let condition = try await eventuallyValue("NodePoolsReady says why", timeout: .seconds(120)) { () -> JSONValue? in
                let condition = try await loop.condition("NodePoolsReady")
                return condition?["message"].stringValue?.contains("No valid host") == true ? condition : nil
            }
            #expect(condition["status"] == "False" && condition["reason"] == "PoolsNotReady")
            #expect(condition["message"].stringValue?.hasPrefix("workers: 0 of 1 ready (failed: ") == true, "\(condition)")
            let machine = try #require(try await loop.machines().first)
            #expect(machine.status["phase"] == "Failed" && machine.status["failureMessage"].stringValue?.contains("No valid host") == true, "\(machine.status)")
        }
    }

    @Test func wrongCredentialsAreAConditionThatDoesNotShowThem() async throws {
        var credentials = try OpenStackLocal.secretData()
        let wrong = "not-the-password-\(UUID().uuidString.prefix(6))"
        credentials["password"] = wrong
        credentials["application_credential_secret"] = nil
        try await Self.withLoop(credentials: credentials) { loop in
            try await loop.setPools(Self.pool(replicas: 1))
            let condition = try await eventuallyValue("NodePoolsReady says the infrastructure refused", timeout: .seconds(60)) { () -> JSONValue? in
                let condition = try await loop.condition("NodePoolsReady")
                return condition?["reason"] == "InfrastructureRefused" ? condition : nil
            }
            #expect(condition["status"] == "False")
            let message = condition["message"].stringValue ?? ""
            #expect(message.contains("unauthorized"), "\(message)")
            #expect(!message.contains(wrong))
            #expect(try await loop.servers().isEmpty)
        }
    }
}
