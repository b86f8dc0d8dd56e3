import AddonCatalog
import AddonController
import ArgumentParser
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging

/// `addon-manager chaos`: the fault matrix. A dev fleet (LocalKube in this process) and two
/// manager replicas (`addon-manager run`, processes of their own, sharing the clusters through
/// Leases). Each phase changes every Cluster (its region, so that every cluster applies again)
/// and injects one fault while the replicas work; then it clears the fault and measures how
/// long until every cluster converged (all addons Healthy, the new region applied), and checks
/// LocalKube's request logs: objects deleted (must be 0), clusters written by two replicas at
/// once (must be 0), replicas that crashed (must be 0), and the surviving replica's memory.
/// Prints one table; exits non-zero when a check fails.
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Run the fault matrix against a dev fleet and two manager replicas; print one table.")

    enum Fault: String, CaseIterable, ExpressibleByArgument {
        case errors = "5xx", throttled = "429", latency, watchDrops = "watch-drops", gone, unreachable, kill
        case managementRestart = "management-restart", mixed

        var what: String {
            switch self {
            case .errors: return "20 % of requests answered 503"
            case .throttled: return "20 % of requests answered 429 (Retry-After 1 s)"
            case .latency: return "500 ms added to every request"
            case .watchDrops: return "every watch dropped every 10 s"
            case .gone: return "history compacted, watches dropped: 410 Gone on resume, relists"
            case .unreachable: return "one workload cluster unreachable"
            case .kill: return "replica-a killed (SIGKILL) mid-apply, restarted later"
            case .managementRestart: return "management plane down 10 s, then watches dropped and history compacted"
            case .mixed: return "10 % 503 + 200 ms latency + watches dropped every 10 s"
            }
        }
    }

    @Option(help: "Simulated workload clusters.")
    var clusters: Int = 50

    @Option(help: "Seconds each fault lasts.")
    var faultSeconds: Double = 60

    @Option(help: "Seconds the unreachable phase keeps a workload cluster unreachable.")
    var unreachableSeconds: Double = 120

    @Option(help: "Seconds to wait for convergence after a fault before the phase fails.")
    var convergeLimit: Double = 300

    @Option(parsing: .upToNextOption, help: "The phases, in order (default: all): \(Fault.allCases.map(\.rawValue).joined(separator: ", ")).")
    var phases: [Fault] = Fault.allCases

    @Option(help: "The catalog directory (with addons/ and catalog/) published into the management plane.")
    var catalog: String = FileManager.default.currentDirectoryPath

    @Option(help: "The replicas' log level (info or debug to see what they did in a failed phase).")
    var replicaLogLevel: String = "notice"

    @Option(help: "Where the kubeconfigs and the replicas' logs go.")
    var workDir: String = FileManager.default.temporaryDirectory.appendingPathComponent("addon-manager-chaos").path

    func validate() throws {
        guard clusters >= 1, faultSeconds > 0, unreachableSeconds > 0, convergeLimit > 0 else {
            throw ValidationError("--clusters, --fault-seconds, --unreachable-seconds and --converge-limit must be above 0")
        }
    }

    func run() async throws {
        var logger = Logger(label: "chaos")
        logger.logLevel = .warning
        let loaded: Catalog
        do {
            loaded = try Catalog.load(directory: catalog)
        } catch {
            FileHandle.standardError.write(Data((error.errors.map(\.description).joined(separator: "\n") + "\n").utf8))
            throw ExitCode.failure
        }
        try? FileManager.default.removeItem(atPath: workDir)
        try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        let fleet = try await DevFleet.start(catalog: loaded, kubeconfigDirectory: workDir,
                                             workloadSettings: ClusterSettings(initialNodes: 1, readinessDelay: .milliseconds(200)), logger: logger)
        let replicas = ["replica-a", "replica-b"].map {
            ChaosReplica(identity: $0, managementKubeconfig: fleet.managementKubeconfigPath, logDirectory: workDir, logLevel: replicaLogLevel)
        }
        // Interrupted (Ctrl-C, a timeout's SIGTERM): the replicas go too, none is left running.
        let interrupts = [Int32(SIGINT), Int32(SIGTERM)].map { (signalNumber: Int32) -> any DispatchSourceSignal in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                for replica in replicas { replica.kill() }
                Foundation.exit(130)
            }
            source.resume()
            return source
        }
        defer { for source in interrupts { source.cancel() } }
        do {
            let rows = try await matrix(fleet: fleet, replicas: replicas)
            for replica in replicas { replica.stop() }
            await fleet.shutdown()
            say(ChaosRow.table(rows))
            say("replica logs: \(workDir)/replica-a.log, \(workDir)/replica-b.log")
            if rows.contains(where: { !$0.passed }) { throw ExitCode.failure }
        } catch {
            for replica in replicas { replica.stop() }
            await fleet.shutdown()
            throw error
        }
    }

    private func matrix(fleet: DevFleet, replicas: [ChaosReplica]) async throws -> [ChaosRow] {
        _ = try await fleet.management.apply(KubeObject(apiVersion: "v1", kind: "Namespace", name: "addon-manager"),
                                             options: ApplyOptions(fieldManager: "chaos", force: true))
        let names = (1...clusters).map { String(format: "chaos-%03d", $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var pending = names.enumerated()[...]
            for _ in 0..<min(16, pending.count) {
                let (i, name) = pending.removeFirst()
                group.addTask { try await fleet.addCluster(fleet.request(named: name, example: i)) }
            }
            while try await group.next() != nil {
                if let (i, name) = pending.popFirst() { group.addTask { try await fleet.addCluster(fleet.request(named: name, example: i)) } }
            }
        }
        for replica in replicas { try replica.start() }
        say("chaos: \(clusters) clusters, replicas \(replicas.map(\.identity).joined(separator: " and ")) started; waiting for the fleet to converge")
        let start = ContinuousClock.now
        guard try await converged(fleet: fleet, names: names, region: nil, within: convergeLimit) else {
            throw ValidationError("the fleet did not converge within \(Int(convergeLimit)) s before any fault (see \(workDir)/replica-*.log)")
        }
        say("chaos: converged after \(Self.seconds(start.duration(to: .now))) s; replica-b uses \(replicas[1].residentMiB.map { "\(Int($0)) MiB" } ?? "?")")
        let baselineMiB = replicas[1].residentMiB
        var rows: [ChaosRow] = []
        for (index, fault) in phases.enumerated() {
            let region = "chaos-\(index + 1)"
            say("chaos: phase \(fault.rawValue): \(fault.what)")
            for cluster in await workloads(fleet) { await cluster.setRequestLogCapacity(0); await cluster.setRequestLogCapacity(200_000) }
            let crashesBefore = replicas.map(\.crashes.count).reduce(0, +)
            let changed = ContinuousClock.now
            try await setRegion(region, on: names, fleet: fleet)
            // Converged while the fault still lasts? (Looked at once a second meanwhile.)
            let target = fault == .kill ? region + Self.afterKill : region
            let watcher = Task { () -> Duration? in
                while !Task.isCancelled {
                    if (try? await self.isConverged(fleet: fleet, names: names, region: target)) == true { return changed.duration(to: .now) }
                    try? await Task.sleep(for: .seconds(1))
                }
                return nil
            }
            let finalRegion = try await inject(fault, fleet: fleet, replicas: replicas, names: names, region: region)
            watcher.cancel()
            let duringFault = await watcher.value
            let cleared = ContinuousClock.now
            let ok = try await converged(fleet: fleet, names: names, region: finalRegion, within: convergeLimit)
            let convergedAfter = changed.duration(to: .now)
            let afterClearing = cleared.duration(to: .now)
            var logs: [(cluster: String, records: [RequestRecord])] = []
            for cluster in await workloads(fleet) { logs.append((cluster.name, await cluster.requestRecords)) }
            let checks = ChaosChecks.from(logs)
            let crashes = replicas.map(\.crashes.count).reduce(0, +) - crashesBefore
            let row = ChaosRow(fault: fault, converged: ok ? convergedAfter : nil, duringFault: duringFault, afterClearing: afterClearing, deletes: checks.deletes, duplicateWriters: checks.duplicateWriterClusters.count,
                               crashes: crashes, baselineMiB: baselineMiB, afterMiB: replicas[1].residentMiB)
            rows.append(row)
            say("chaos: \(row.line) (at \(Self.seconds(start.duration(to: .now))) s)")
            for example in checks.deletedExamples { say("  deleted: \(example)") }
            for cluster in checks.duplicateWriterClusters.prefix(5) { say("  two writers at once: \(cluster)") }
            if !ok { break }
        }
        return rows
    }

    // MARK: Faults

    /// Injects the fault for its time, then clears it; the region every cluster must end with.
    private func inject(_ fault: Fault, fleet: DevFleet, replicas: [ChaosReplica], names: [String], region: String) async throws -> String {
        let all = await allClusters(fleet)
        // Faults hit the replicas only (their User-Agents name them), not this command's checks.
        func set(_ change: (inout FaultSettings) -> Void) async {
            for cluster in all {
                var faults = await cluster.currentFaults
                faults.userAgentContaining = "(replica-"
                change(&faults)
                await cluster.setFaults(faults)
            }
        }
        func dropWatchesEvery10s(for seconds: Double) async throws {
            let end = ContinuousClock.now + .seconds(seconds)
            while ContinuousClock.now < end {
                for cluster in all { await cluster.dropWatches() }
                try await Task.sleep(for: min(.seconds(10), ContinuousClock.now.duration(to: end)))
            }
        }
        let duration = Duration.seconds(faultSeconds)
        switch fault {
        case .errors, .throttled:
            await set { $0.errorRate = 0.2; $0.errorCode = fault == .errors ? 503 : 429; $0.retryAfterSeconds = 1 }
            try await Task.sleep(for: duration)
        case .latency:
            await set { $0.latency = .milliseconds(500) }
            try await Task.sleep(for: duration)
        case .watchDrops:
            try await dropWatchesEvery10s(for: faultSeconds)
        case .gone:
            for _ in 0..<2 {
                for cluster in all { await cluster.compactHistory(); await cluster.dropWatches() }
                try await Task.sleep(for: duration / 2)
            }
        case .unreachable:
            guard let victim = await workloads(fleet).first else { return region }
            await victim.setUnreachable(true)
            try await Task.sleep(for: .seconds(unreachableSeconds))
            await victim.setUnreachable(false)
        case .kill:
            // Killed while it applies the change; then a second change its clusters can only get
            // once the survivor has taken them over (after the dead one's Leases expired) or the
            // restarted one holds them again.
            try await Task.sleep(for: .milliseconds(300))
            replicas[0].kill()
            try await setRegion(region + Self.afterKill, on: names, fleet: fleet)
            try await Task.sleep(for: duration)
            try replicas[0].start()
            return region + Self.afterKill
        case .managementRestart:
            let management = fleet.server.cluster(named: DevFleet.managementName)
            await management?.setUnreachable(true)
            try await Task.sleep(for: min(.seconds(10), duration))
            await management?.setUnreachable(false)
            await management?.compactHistory()
            await management?.dropWatches()
        case .mixed:
            await set { $0.errorRate = 0.1; $0.errorCode = 503; $0.latency = .milliseconds(200) }
            try await dropWatchesEvery10s(for: faultSeconds)
        }
        await set { $0 = FaultSettings(userAgentContaining: $0.userAgentContaining) }
        return region
    }

    // MARK: Convergence

    /// Every Cluster's addons Healthy and, after a region change, the new region in every
    /// cluster's rendered cloud configuration (the OpenStack cloud controller manager's Secret).
    private func converged(fleet: DevFleet, names: [String], region: String?, within limit: Double) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(limit)
        while ContinuousClock.now < deadline {
            if try await isConverged(fleet: fleet, names: names, region: region) { return true }
            try await Task.sleep(for: .milliseconds(500))
        }
        return false
    }

    private func isConverged(fleet: DevFleet, names: [String], region: String?) async throws -> Bool {
        let clusters = try await fleet.management.list(ManagementKinds.cluster, namespace: nil, options: ListOptions())
        let healthy = clusters.items.filter { cluster in
            (cluster.status["conditions"].arrayValue ?? []).contains { $0["type"] == "AddonsHealthy" && $0["status"] == "True" }
        }
        guard healthy.count == names.count else { return false }
        guard let region else { return true }
        for name in names {
            guard let cluster = fleet.server.cluster(named: name) else { return false }
            for secret in await cluster.objects(resource: "secrets", namespace: "kube-system") where secret["metadata"]["name"] == "cloud-config" {
                let texts = (secret["data"].objectValue ?? [:]).values.compactMap { $0.stringValue.flatMap { Data(base64Encoded: $0) } }
                    .map { String(decoding: $0, as: UTF8.self) }
                if !texts.contains(where: { $0.contains("region = \"\(region)\"") }) { return false }
            }
        }
        return true
    }

    private func setRegion(_ region: String, on names: [String], fleet: DevFleet) async throws {
        for name in names {
            _ = try await fleet.management.patch(ManagementKinds.cluster, name: name, namespace: "dev", patch: ["spec": ["facts": ["region": .string(region)]]],
                                                 type: .merge, options: WriteOptions(fieldManager: "chaos"))
        }
    }

    private func allClusters(_ fleet: DevFleet) async -> [LocalKubeCluster] {
        fleet.server.clusterNames.compactMap { fleet.server.cluster(named: $0) }
    }

    private func workloads(_ fleet: DevFleet) async -> [LocalKubeCluster] {
        fleet.server.clusterNames.filter { $0 != DevFleet.managementName }.sorted().compactMap { fleet.server.cluster(named: $0) }
    }

    /// The kill phase's second change (made while replica-a is dead).
    static let afterKill = "-after-kill"

    static func seconds(_ d: Duration) -> String {
        String(format: "%.1f", d.seconds)
    }
}

/// One phase's line of the fault-matrix table.
struct ChaosRow {
    var fault: ChaosCommand.Fault
    /// From the change to every cluster converged (nil: not within the limit).
    var converged: Duration?
    /// When every cluster had converged while the fault still lasted (from the change), if so.
    var duringFault: Duration?
    /// Of which after the fault was cleared.
    var afterClearing: Duration
    var deletes: Int
    var duplicateWriters: Int
    var crashes: Int
    var baselineMiB: Double?
    var afterMiB: Double?

    var passed: Bool { converged != nil && deletes == 0 && duplicateWriters == 0 && crashes == 0 }

    var cells: [String] {
        [fault.rawValue, fault.what, convergence, "\(deletes)", "\(duplicateWriters)", "\(crashes)",
         afterMiB.map { "\(Int($0)) MiB" } ?? "?", passed ? "ok" : "FAILED"]
    }

    var line: String { cells.joined(separator: " | ") }

    private var convergence: String {
        if let duringFault { return "\(ChaosCommand.seconds(duringFault)) s, during the fault" }
        guard let converged else { return "NOT converged" }
        return "\(ChaosCommand.seconds(converged)) s (\(ChaosCommand.seconds(afterClearing)) s after clearing)"
    }

    static func table(_ rows: [ChaosRow]) -> String {
        var text = "| fault | what | converged (from the change) | objects deleted | clusters with two writers | replica crashes | replica-b memory (idle before: \(rows.first?.baselineMiB.map { "\(Int($0)) MiB" } ?? "?")) | result |\n"
        text += "| --- | --- | --- | --- | --- | --- | --- | --- |\n"
        for row in rows { text += "| " + row.cells.joined(separator: " | ") + " |\n" }
        return text
    }
}
