import AddonCatalog
import AddonController
import ArgumentParser
import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// `addonctl catalog diff CLUSTER [--dir DIR]`: for one cluster, the object-level difference
/// between what runs and what publishing the directory's catalog would apply, from a
/// server-side dry run against that cluster. Secret material is never printed.
struct CatalogDiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show, for one cluster, what publishing the catalog would change: objects created, changed (field by field) and pruned.")

    @OptionGroup var catalog: CatalogDirectoryOption
    @OptionGroup var connection: KubeConnectionOptions

    @Argument(help: "The Cluster (in the namespace of -n, else the context's).")
    var cluster: String

    func run() async throws { try await execute(on: .standard) }

    func execute(on console: KubeConsole) async throws {
        let loaded = try CatalogOutput.load(directory: catalog.dir, console: console)
        let diffLogger = connection.logger("addonctl.diff")
        let failed: Bool = try await withKubeClient(connection) { client in
            let key = "\(connection.namespace ?? client.defaultNamespace)/\(cluster)"
            let current = try await FleetDryRun.publishedCatalog(management: client)
            let report = try await FleetDryRun(management: client, parallelism: 1, includeDiffs: true, logger: diffLogger)
                .run(from: current, to: loaded, only: [key])
            guard report.clusters == 1 else {
                console.err("cluster \(key) not found in the management plane")
                return true
            }
            if let unreachable = report.unreachable.first {
                console.err("cluster \(key) could not be asked: \(unreachable.message)")
                return true
            }
            console.out(Self.format(report, cluster: key))
            return !report.failures.isEmpty
        }
        if failed { throw ExitCode.failure }
    }

    static func format(_ report: FleetDryRun.Report, cluster: String) -> String {
        guard !report.impacts.isEmpty else { return "\(cluster): no change" }
        var text = ""
        for impact in report.impacts {
            text += "\(impact.addon) \(impact.from ?? "-") -> \(impact.blocked == nil ? impact.to ?? "(removed)" : "(blocked)") on \(cluster)\n"
            if let blocked = impact.blocked { text += "  keeps what it runs: \(blocked)\n" }
            let created = Set(impact.created)
            for (object, lines) in impact.diffs {
                text += "\(created.contains(object) ? "+" : "~") \(object)\(created.contains(object) ? " (created)" : "")\n"
                for line in lines { text += "    \(line)\n" }
            }
            for object in impact.pruned { text += "- \(object) (pruned)\n" }
            for failure in impact.failures { text += "! \(failure.object): \(failure.message)\n" }
            if !impact.unchanged.isEmpty { text += "  \(impact.unchanged.count) object(s) unchanged\n" }
        }
        return text
    }
}
