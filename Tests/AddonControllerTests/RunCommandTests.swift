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

/// `addon-manager run`, the production entry point, as a process of its own against a
/// management plane (LocalKube) whose Cluster objects point at workload clusters through
/// kubeconfig Secrets: it installs their addons, serves its endpoints, and on SIGTERM stops
/// cleanly and gives its shard Leases back.
@Suite(.serialized) struct RunCommandTests {
    @Test func runInstallsAddonsServesEndpointsAndStopsCleanly() async throws {
        let (executable, directory, fleet) = try await Self.fleetForRun("run")
        let process = Process()
        do {
            let workloads = [try await fleet.addCluster(.init(name: "real-1")),
                             try await fleet.addCluster(.init(name: "real-2", addons: [["name": "optional", "enabled": true]]))]
            let plane = try #require(await fleet.server.cluster(named: DevFleet.managementName))
            for cluster in workloads + [plane] { await cluster.setRequestLogCapacity(100_000) }

            // No --catalog: the manager serves the catalog DevFleet published (AddonVersions, AddonChannels).
            let log = try Self.start(process, executable, ["run", "--kubeconfig", fleet.managementKubeconfigPath,
                                                           "--http-port", "0", "--http-host", "127.0.0.1", "--identity", "run-test", "--log-level", "info"])

            // The endpoints' port, from the log (it listens on any free one).
            let port = try await Self.port(from: log)
            let management = fleet.management
            for (cluster, addon) in [("real-1", "base"), ("real-1", "dependent"), ("real-2", "optional")] {
                try await eventually("\(cluster)/\(addon) Healthy (log: \(await log.tail()))") {
                    let object = try? await management.get(ManagementKinds.clusterAddon, name: ManagementKinds.clusterAddonName(cluster: cluster, addon: addon), namespace: "dev")
                    return object?.status["phase"] == "Healthy"
                }
            }
            let metrics = try await get("http://127.0.0.1:\(port)/metrics")
            #expect(metrics.contains(#"addon_manager_addon_health{cluster="dev/real-2",addon="optional",version="1.0.0",phase="Healthy"} 1"#))
            // The fixture catalog DevFleet published: four versions, all served.
            #expect(metrics.contains(#"addon_manager_published_versions{state="served"} 4"#), "\(metrics)")
            #expect(metrics.contains(#"addon_manager_published_versions{state="refused"} 0"#))
            // What it asked of the API servers, and the watches it keeps open.
            #expect(metrics.contains(#"addon_manager_api_requests_total{role="workload",verb="apply",code="201"} "#), "\(metrics)")
            #expect(metrics.contains(#"addon_manager_api_requests_total{role="management",verb="watch",code="200"} "#))
            let openWatches = metrics.split(separator: "\n").first { $0.hasPrefix("addon_manager_api_watches_open ") }
            #expect((openWatches?.split(separator: " ").last).flatMap { Double($0) } ?? 0 > 0, "\(openWatches ?? "no addon_manager_api_watches_open")")
            #expect(try await get("http://127.0.0.1:\(port)/readyz") == "ok")
            let debug = try await get("http://127.0.0.1:\(port)/debug/clusters")
            #expect(debug.contains("dev/real-1") && debug.contains("Running"))
            // Addon status is served by the management API server, behind its authentication;
            // the manager's own unauthenticated port does not list every ClusterAddon.
            #expect(try await statusCode("http://127.0.0.1:\(port)/api/v1/status") == 404)

            let terminated = ContinuousClock.now
            process.terminate()  // SIGTERM
            try await eventually("the manager exits") { !process.isRunning }
            let tail = await log.tail()
            #expect(process.terminationStatus == 0, "exit status \(process.terminationStatus); log: \(tail)")
            // The log says that it stops and that it stopped (the service group's own lines are
            // at debug level).
            for line in ["shutting down: the controllers take no more work", "addon-manager stopped"] {
                let found = await log.waitForLine(timeout: .seconds(5)) { $0.contains(line) }
                let lastLines = await log.tail(40)
                #expect(found != nil, "no \"\(line)\" in the log: \(lastLines)")
            }
            // The replica names itself to every cluster; its shard Leases were released only
            // after the last write of its controllers (stop taking work, finish, then release).
            var workloadWrites: [ContinuousClock.Instant] = []
            for cluster in workloads {
                workloadWrites += await cluster.requestRecords.filter { $0.isWrite && $0.userAgent.contains("(run-test; workload)") }.map(\.at)
            }
            #expect(!workloadWrites.isEmpty, "no write named the replica in its User-Agent")
            // Shard Leases only: the Cluster API service's Lease is given back first, as it should
            // be (it stops first), and may precede the controllers' last write (seen once, when a
            // loaded run was still applying at the SIGTERM).
            let releases = await plane.requestRecords.filter {
                $0.resource == "leases" && $0.verb == "update" && $0.userAgent.contains("(run-test; leases)") && $0.at > terminated
                    && ($0.name ?? "").contains("-shard-")
            }
            #expect(!releases.isEmpty)
            if let firstRelease = releases.first?.at, let lastWrite = workloadWrites.max() {
                #expect(lastWrite < firstRelease, "a workload write came after the shard Leases were released")
            }
            // Its shards are given back for another replica to take at once.
            let leases = try await management.list(GroupVersionKind(group: "coordination.k8s.io", version: "v1", kind: "Lease"),
                                                    namespace: DevFleet.managerNamespace, options: ListOptions())
            #expect(!leases.items.isEmpty)
            for lease in leases.items {
                #expect(lease["spec"]["holderIdentity"].stringValue ?? "" == "", "\(lease.name) still held")
            }

            // The key of the applied-content hashes was stored, never logged; a manager started
            // again reads it, finds every addon's hash unchanged and applies nothing.
            let keySecret = try await management.get(ManagementKinds.secret, name: ContentHashKeyStore.secretName, namespace: DevFleet.managerNamespace)
            let storedKey = try #require(keySecret["data"][ContentHashKeyStore.dataKey].stringValue)
            #expect(Data(base64Encoded: storedKey)?.count == ContentHashKey.byteCount)
            #expect(!tail.contains(storedKey))
            try await Self.expectRestartAppliesNothing(executable: executable, kubeconfig: fleet.managementKubeconfigPath, workloads: workloads)
        } catch {
            if process.isRunning { process.terminate() }
            await fleet.shutdown()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        await fleet.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func get(_ url: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 10 << 20))
    }

    private func statusCode(_ url: String) async throws -> UInt {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        return response.status.code
    }

    /// A second `run` over the converged clusters: each addon Healthy in its metrics, with no
    /// write to the workload clusters (a manager that hashed with another key would apply all).
    private static func expectRestartAppliesNothing(executable: URL, kubeconfig: String, workloads: [LocalKubeCluster]) async throws {
        let process = Process()
        let log = try start(process, executable, ["run", "--kubeconfig", kubeconfig, "--http-port", "0", "--http-host", "127.0.0.1",
                                                  "--identity", "run-again", "--log-level", "info"])
        defer { if process.isRunning { process.terminate() } }
        let port = try await port(from: log)
        let test = RunCommandTests()
        // Reconciled, not only Healthy: the statuses the previous run wrote are read at start and
        // would show Healthy before any reconcile decided anything.
        try await test.eventually("every addon reconciled by the restarted manager (log: \(await log.tail()))") {
            let debug = (try? await test.get("http://127.0.0.1:\(port)/debug/clusters")).flatMap { try? JSONValue.parse(Array($0.utf8)) } ?? .null
            let reconciles = Dictionary((debug["clusters"].arrayValue ?? []).map { ($0["cluster"].stringValue ?? "", $0["addonReconciles"].intValue ?? 0) },
                                        uniquingKeysWith: { a, _ in a })
            return (reconciles["dev/real-1"] ?? 0) >= 2 && (reconciles["dev/real-2"] ?? 0) >= 3
        }
        try await Task.sleep(for: .seconds(1))
        var writes = 0
        for cluster in workloads {
            writes += await cluster.requestRecords.filter { $0.isWrite && $0.userAgent.contains("(run-again; workload)") }.count
        }
        #expect(writes == 0, "the restarted manager wrote \(writes) time(s) to the workload clusters")
        process.terminate()
        try await test.eventually("the restarted manager exits") { !process.isRunning }
    }

    /// TestSupport's `eventually`, with a message that says where things stood when it timed out.
    func eventually(_ message: @autoclosure () async -> String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        do {
            try await TestSupport.eventually("the condition", timeout: timeout, every: .milliseconds(100), condition)
        } catch let timedOut as EventuallyTimeout {
            Issue.record("timed out: \(await message()) (\(timedOut))")
            throw timedOut
        }
    }

    /// Its endpoints' port taken: the manager exits at once with a message naming the address,
    /// the flag that set it and why, not NIO's bare "bind(descriptor:ptr:bytes:): ... (errno: 98)".
    @Test func aTakenPortIsNamedWithItsFlag() async throws {
        let executable = try #require(builtExecutable(named: "addon-manager"), "addon-manager is not built beside the tests (run `swift build` or `swift test`)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)").path
        let fleet = try await DevFleet.start(catalog: try Catalog.load(directory: ControllerHarness.fixtureCatalog), kubeconfigDirectory: directory,
                                             logger: ControllerHarness.logger())
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let taken = fleet.server.port  // LocalKube listens there
        let process = Process()
        process.executableURL = executable
        process.arguments = ["run", "--kubeconfig", fleet.managementKubeconfigPath, "--http-port", String(taken), "--http-host", "127.0.0.1",
                             "--identity", "run-test", "--log-level", "warning"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
            let log = ProcessOutput(errors.fileHandleForReading)
            try await eventually("the manager exits (log: \(await log.tail()))") { !process.isRunning }
            await log.waitForEnd()
            let tail = await log.tail()
            #expect(process.terminationStatus != 0)
            #expect(tail.contains("cannot listen on 127.0.0.1:\(taken) (--http-port): the port is already in use by another process; choose another with --http-port"), "\(tail)")
            #expect(!tail.contains("errno"), "\(tail)")
        } catch {
            if process.isRunning { process.terminate() }
            await fleet.shutdown()
            throw error
        }
        await fleet.shutdown()
    }
}

extension RunCommandTests {
    /// The built `addon-manager`, a kubeconfig directory, and a management plane with the
    /// fixture catalog published (no clusters yet), for a test that runs `run` as a process.
    static func fleetForRun(_ prefix: String) async throws -> (executable: URL, directory: String, fleet: DevFleet) {
        let executable = try #require(builtExecutable(named: "addon-manager"), "addon-manager is not built beside the tests (run `swift build` or `swift test`)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        let catalog = try Catalog.load(directory: ControllerHarness.fixtureCatalog)
        let fleet = try await DevFleet.start(catalog: catalog, kubeconfigDirectory: directory,
                                             workloadSettings: ClusterSettings(initialNodes: 2, readinessDelay: .milliseconds(100)), logger: ControllerHarness.logger())
        return (executable, directory, fleet)
    }

    /// Starts `executable ARGUMENTS` in `process`; its log (standard error) is read as it comes.
    static func start(_ process: Process, _ executable: URL, _ arguments: [String]) throws -> ProcessOutput {
        process.executableURL = executable
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return ProcessOutput(errors.fileHandleForReading)
    }

    /// The endpoints' port, from Hummingbird's "listening on 127.0.0.1:PORT" line.
    static func port(from log: ProcessOutput) async throws -> Int {
        let marker = "listening on 127.0.0.1:"
        guard let line = await log.waitForLine(timeout: .seconds(30), where: { $0.contains(marker) }),
              let range = line.range(of: marker), let port = Int(line[range.upperBound...].prefix { $0.isNumber }) else {
            Issue.record("no 'listening on' line; log: \(await log.tail())")
            throw CancellationError()
        }
        return port
    }
}
