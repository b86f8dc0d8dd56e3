import AddonCatalog
import AddonController
import ArgumentParser
import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// `addonctl publish [DIR] [--dry-run] [--force]`: lints the catalog directory, shows what
/// publishing it would do to the fleet — for every Cluster whose addons change, the new desired
/// set rendered and dry-run applied (server-side, `dryRun=All`) against that workload cluster —
/// and then, unless `--dry-run`, creates the new AddonVersions and applies the channels (field
/// manager `addonctl`). Refuses when a version is already published with other content, and
/// when the dry run found failures (unless `--force`).
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish the catalog to the management plane, after showing its impact on every affected cluster.")

    @Argument(help: "The directory holding addons/ and catalog/ (default: the current directory).")
    var directory: String = FileManager.default.currentDirectoryPath

    @Flag(help: "Show the impact only; publish nothing.")
    var dryRun = false

    @Flag(help: "Publish even though the dry run found failures.")
    var force = false

    @Flag(help: "List every affected cluster and its objects, not only the totals per addon version.")
    var details = false

    @Option(help: "How many workload clusters are dry-run at once.")
    var parallelism: Int = 16

    @OptionGroup var connection: KubeConnectionOptions

    func validate() throws {
        guard parallelism >= 1 else { throw ValidationError("--parallelism must be at least 1") }
    }

    func run() async throws { try await execute(on: .standard) }

    func execute(on console: KubeConsole) async throws {
        let problems = await Catalog.lint(directory: directory)
        guard problems.isEmpty else {
            console.err(problems.map(\.description).joined(separator: "\n"))
            console.err("lint: \(problems.count) problem\(problems.count == 1 ? "" : "s") found; nothing published")
            throw ExitCode.failure
        }
        let catalog = try CatalogOutput.load(directory: directory, console: console)
        let publishLogger = connection.logger("addonctl.publish")
        let outcome: Int32 = try await withKubeClient(connection) { client in
            let publisher = CatalogPublisher(client: client, fieldManager: "addonctl", logger: publishLogger)
            let plan: CatalogPublisher.Plan
            do {
                plan = try await publisher.plan(catalog)
            } catch let error as CatalogErrors {
                console.err(error.errors.map(\.description).joined(separator: "\n"))
                return 1
            } catch let error as KubernetesError where error.kind == .unknownKind {
                console.err("the management plane has no AddonVersion/AddonChannel kinds (\(error)): install the CRDs first (kubectl apply --server-side -f deploy/crds/, or addon-manager run --install-crds)")
                return 1
            }
            console.out(PublishReport.versions(plan))
            if !plan.changedVersions.isEmpty {
                for changed in plan.changedVersions { console.err("error: \(changed)") }
                console.err("refused: published versions are immutable; nothing published")
                return 1
            }
            let current = try await FleetDryRun.publishedCatalog(management: client)
            let report = try await FleetDryRun(management: client, parallelism: parallelism, logger: publishLogger).run(from: current, to: catalog)
            console.out(PublishReport.impact(report, details: details))
            let failed = !report.failures.isEmpty
            if dryRun {
                console.out("dry run: nothing published")
                return failed ? 1 : 0
            }
            if failed && !force {
                console.err("refused: the dry run found \(report.failures.count) failure(s); fix them or publish with --force")
                return 1
            }
            try await publisher.publish(plan)
            console.out("published: \(plan.newVersions.count) new version(s), \(plan.channels.count) channel(s) applied")
            return 0
        }
        if outcome != 0 { throw ExitCode(outcome) }
    }
}
