import ArgumentParser
import Foundation
import Infrastructure
import KubernetesClient
import Logging

/// `addon-manager provider-bench`: the OpenStack provider's cost against a real cloud, for
/// `Benchmarks/openstack-create.sh` (which times a loop of `openstack server create` in the same
/// run). Creates N servers one after another as one worker of the provisioning loop would (one
/// process, one token, flavor/image/network names resolved once), waits until all are ACTIVE,
/// deletes them and waits until they are gone; prints the timings as `key=value` lines.
/// Credentials from the `OS_*` variables of an openrc file.
struct ProviderBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provider-bench",
        abstract: "Create, wait for and delete N servers with the OpenStack provider; print the timings (credentials from OS_* variables).")

    @Option(help: "How many servers.") var servers = 20
    @Option(help: "Flavor name or ID.") var flavor = "m1.tiny"
    @Option(help: "Image name or ID.") var image = "cirros-fake"
    @Option(help: "Network name or ID.") var network: String?
    @Option(help: "Server name prefix (also their cluster tag).") var prefix = "provider-bench"
    @Option(help: "Give up waiting after this many seconds.") var timeout = 300
    @Option(help: "Creates in flight at once (1: one after another, as one reconcile of the loop does).") var concurrency = 1

    func validate() throws {
        guard servers >= 1, concurrency >= 1, timeout >= 1 else { throw ValidationError("--servers, --concurrency and --timeout must be at least 1") }
    }

    func run() async throws {
        var logger = Logger(label: "provider-bench")
        logger.logLevel = .warning
        let credentials = try OpenStackCredentials(environment: ProcessInfo.processInfo.environment)
        let provider = OpenStackProvider(credentials: credentials, logger: logger)
        let cluster = "bench/\(prefix)"
        let clock = ContinuousClock()
        let start = clock.now
        var perCreate: [Duration] = []
        do {
            let (flavor, image, network, prefix) = (self.flavor, self.image, self.network, self.prefix)
            try await withThrowingTaskGroup(of: Duration.self) { group in
                var next = 0
                func startOne() {
                    let i = next
                    next += 1
                    group.addTask {
                        let before = clock.now
                        _ = try await provider.createServer(ServerSpec(name: "\(prefix)-\(i)", flavor: flavor, image: image, network: network,
                                                                       metadata: [ServerSpec.clusterKey: cluster, ServerSpec.poolKey: "bench", ServerSpec.machineKey: "\(i)"]))
                        return clock.now - before
                    }
                }
                while next < min(max(concurrency, 1), servers) { startOne() }
                while let took = try await group.next() {
                    perCreate.append(took)
                    if next < servers { startOne() }
                }
            }
            let issued = clock.now - start
            let active = try await waitUntil(provider, cluster: cluster, clock: clock) { list in
                list.count == servers && list.allSatisfy { $0.state == .active }
            } failed: { list in list.first { $0.state == .error }.map { "server \($0.name) went ERROR: \($0.fault ?? "")" } }
            let deleteStart = clock.now
            for server in try await provider.servers(cluster: cluster) { try await provider.deleteServer(id: server.id) }
            let deletesIssued = clock.now - deleteStart
            _ = try await waitUntil(provider, cluster: cluster, clock: clock) { $0.isEmpty } failed: { _ in nil }
            let gone = clock.now - deleteStart
            let sorted = perCreate.sorted()
            print("servers=\(servers)")
            print("concurrency=\(concurrency)")
            print("creates_issued_seconds=\(Self.seconds(issued))")
            print("create_median_ms=\(Self.milliseconds(sorted[sorted.count / 2]))")
            print("all_active_seconds=\(Self.seconds(active - start))")
            print("deletes_issued_seconds=\(Self.seconds(deletesIssued))")
            print("all_gone_seconds=\(Self.seconds(gone))")
        } catch {
            // Leave nothing behind.
            for server in (try? await provider.servers(cluster: cluster)) ?? [] { try? await provider.deleteServer(id: server.id) }
            try? await provider.shutdown()
            throw error
        }
        try await provider.shutdown()
    }

    /// Polls the tagged servers every 200 ms until `done`; returns when it was.
    private func waitUntil(_ provider: OpenStackProvider, cluster: String, clock: ContinuousClock,
                           _ done: ([Server]) -> Bool, failed: ([Server]) -> String?) async throws -> ContinuousClock.Instant {
        let deadline = clock.now + .seconds(timeout)
        while clock.now < deadline {
            let list = try await provider.servers(cluster: cluster)
            if done(list) { return clock.now }
            if let problem = failed(list) { throw ValidationError(problem) }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ValidationError("gave up after \(timeout) s")
    }

    static func seconds(_ d: Duration) -> String { String(format: "%.2f", d.seconds) }
    static func milliseconds(_ d: Duration) -> String { String(format: "%.0f", d.seconds * 1000) }
}
