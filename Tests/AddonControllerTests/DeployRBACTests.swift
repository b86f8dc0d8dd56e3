import AddonCatalog
import AddonController
import AsyncHTTPClient
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Testing
import TestSupport

/// `addon-manager run` with only what deploy/ grants it: the management plane holds
/// deploy/crds, deploy/addon-manager.yaml and deploy/project-access.yaml for the clusters'
/// project, and the manager's token stands for its service account (LocalKube authorizes it
/// by RBAC, as a real server does). Everything it does — controllers, rollouts, Leases, node
/// pools, the status API with its token and access reviews — must be allowed: a permission
/// missing from deploy/ shows as a 403 in its own request counts.
@Suite(.serialized) struct DeployRBACTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let serviceAccount = "system:serviceaccount:addon-manager:addon-manager"

    /// The objects of a deploy/ file (PROJECT replaced by `project`).
    static func objects(_ path: String, project: String = "") throws -> [KubeObject] {
        var text = try String(contentsOf: repository.appendingPathComponent(path), encoding: .utf8)
        if !project.isEmpty { text = text.replacingOccurrences(of: "namespace: PROJECT", with: "namespace: \(project)") }
        return try YAML.documents(in: text, file: path).map { KubeObject($0.value) }
    }

    @Test func runNeedsNothingDeployDoesNotGrant() async throws {
        let (executable, directory, fleet) = try await RunCommandTests.fleetForRun("rbac")
        let process = Process()
        do {
            _ = try await fleet.addCluster(.init(name: "granted-1"))
            _ = try await fleet.addCluster(.init(name: "granted-2", addons: [["name": "optional", "enabled": true]]))
            var deployed: [KubeObject] = []
            for crd in try FileManager.default.contentsOfDirectory(atPath: Self.repository.appendingPathComponent("deploy/crds").path).sorted() {
                deployed += try Self.objects("deploy/crds/\(crd)")
            }
            deployed += try Self.objects("deploy/addon-manager.yaml") + Self.objects("deploy/project-access.yaml", project: "dev")
            for object in deployed {
                _ = try await fleet.management.apply(object, options: ApplyOptions(fieldManager: "operator", force: true))
            }
            let plane = try #require(await fleet.server.cluster(named: DevFleet.managementName))
            let token = plane.addUser(name: Self.serviceAccount, groups: ["system:serviceaccounts", "system:serviceaccounts:addon-manager"])
            let admin = try String(contentsOfFile: fleet.managementKubeconfigPath, encoding: .utf8)
            let kubeconfig = directory + "/service-account.kubeconfig"
            let lines = admin.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.trimmingCharacters(in: .whitespaces).hasPrefix("token:") ? "    token: \(token)" : String(line)
            }
            try lines.joined(separator: "\n").write(toFile: kubeconfig, atomically: true, encoding: .utf8)

            let log = try RunCommandTests.start(process, executable, ["run", "--kubeconfig", kubeconfig, "--node-pools", "--http-port", "0", "--http-host", "127.0.0.1",
                                                                      "--status-port", "0", "--status-host", "127.0.0.1", "--identity", "rbac-test", "--log-level", "info"])
            let test = RunCommandTests()

            let management = fleet.management
            for (cluster, addon) in [("granted-1", "base"), ("granted-1", "dependent"), ("granted-2", "optional")] {
                try await test.eventually("\(cluster)/\(addon) Healthy (log: \(await log.tail(20)))") {
                    let object = try? await management.get(ManagementKinds.clusterAddon, name: ManagementKinds.clusterAddonName(cluster: cluster, addon: addon), namespace: "dev")
                    return object?.status["phase"] == "Healthy"
                }
            }
            try await test.eventually("the rollouts recorded") {
                let rollouts = try await management.list(ManagementKinds.addonRollout, namespace: nil, options: ListOptions())
                return !rollouts.items.isEmpty && rollouts.items.allSatisfy { $0.status["phase"] == "Completed" }
            }
            // The node-pool loop says why it cannot run a pool here (the Cluster names no
            // infrastructure): a write of the Cluster's status, allowed.
            let pools: JSONValue = [["name": "workers", "replicas": 1, "flavor": "m1.small", "image": "ubuntu-22.04"]]
            _ = try await management.patch(ManagementKinds.cluster, name: "granted-1", namespace: "dev", patch: ["spec": ["nodePools": pools]],
                                           type: .merge, options: WriteOptions(fieldManager: "test"))
            try await test.eventually("NodePoolsReady written") {
                let cluster = try await management.get(ManagementKinds.cluster, name: "granted-1", namespace: "dev")
                return (cluster.status["conditions"].arrayValue ?? []).contains { $0["type"] == "NodePoolsReady" }
            }

            // The status API: a user's token reviewed, their access reviewed, their project served.
            let user = try await fleet.addProjectUser("dev-user", project: "dev")
            let ports = await Self.ports(from: log)
            var served = false
            for port in ports {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/projects/dev/clusters")
                request.headers.add(name: "Authorization", value: "Bearer \(user.token)")
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
                if response.status.code == 200, body.contains("granted-1") { served = true }
            }
            let lastLines = await log.tail(20)
            #expect(served, "no status API answered for the project (ports \(ports)); log: \(lastLines)")

            var port = 0
            for candidate in ports where (try? await test.get("http://127.0.0.1:\(candidate)/metrics").contains("addon_manager_")) == true { port = candidate }
            let metrics = try await test.get("http://127.0.0.1:\(port)/metrics")
            let refused = metrics.split(separator: "\n").filter { $0.hasPrefix("addon_manager_api_requests_total{") && ($0.contains(#"code="403""#) || $0.contains(#"code="401""#)) }
            #expect(refused.isEmpty, "requests deploy/ does not allow: \(refused)")
            #expect(metrics.contains(#"addon_manager_api_requests_total{role="management",verb="watch",code="200"}"#), "\(metrics.prefix(2000))")
            let logged = await log.tail(400)
            #expect(!logged.contains("forbidden") && !logged.contains("Forbidden"), "\(logged)")

            process.terminate()
            try await test.eventually("the manager exits") { !process.isRunning }
        } catch {
            if process.isRunning { process.terminate() }
            await fleet.shutdown()
            throw error
        }
        await fleet.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Every "listening on 127.0.0.1:PORT" of the log (the endpoints and the status API).
    static func ports(from log: ProcessOutput) async -> [Int] {
        let marker = "listening on 127.0.0.1:"
        _ = await log.waitForLine(timeout: .seconds(30)) { $0.contains(marker) }
        return await log.tail(10_000).split(separator: "\n").compactMap { line in
            guard let range = line.range(of: marker) else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
    }
}
