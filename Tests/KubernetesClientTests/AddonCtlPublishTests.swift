import AddonCatalog
import AddonController
import ArgumentParser
import DevFleet
import Foundation
import KubernetesModel
import LocalKube
import Logging
import Testing
@testable import AddonCtlCommand
@testable import KubernetesClient

/// `addonctl publish` end to end against a dev fleet (LocalKube management plane with the
/// repository's catalog published, simulated workload clusters): the dry run lists exactly the
/// clusters and objects a change touches, reports the server's own refusal of an object, and
/// publishing refuses a failing change and a changed published version.
@Suite(.serialized) struct AddonCtlPublishTests {
    static func addonctl(_ arguments: [String], kubeconfig: String) async throws -> AddonCtlRun {
        await AddonCtlRun.run(["publish"] + arguments + ["--kubeconfig", kubeconfig])
    }

    /// A copy of the repository's catalog to change, and a dev fleet serving the original:
    /// two clusters on stable, one on candidate.
    static func withFleet(_ body: (DevFleet, String) async throws -> Void) async throws {
        let work = try TemporaryDirectory()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let copy = work.path + "/catalog-copy"
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        for directory in ["addons", "catalog"] {
            try FileManager.default.copyItem(atPath: root.appendingPathComponent(directory).path, toPath: copy + "/" + directory)
        }
        var logger = Logger(label: "publish-test")
        logger.logLevel = .critical
        let fleet = try await DevFleet.start(catalog: try Catalog.load(directory: root.path), kubeconfigDirectory: work.path + "/kubeconfigs",
                                             workloadSettings: ClusterSettings(initialNodes: 1), logger: logger)
        do {
            try await fleet.addCluster(.init(name: "s1"))
            try await fleet.addCluster(.init(name: "s2"))
            try await fleet.addCluster(.init(name: "c1", channel: "candidate"))
            try await body(fleet, copy)
        } catch {
            await fleet.shutdown()
            throw error
        }
        await fleet.shutdown()
    }

    static func edit(_ file: String, _ change: (String) -> String) throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let changed = change(text)
        #expect(changed != text, "\(file) unchanged")
        try changed.write(toFile: file, atomically: true, encoding: .utf8)
    }

    static func stableVersion(_ fleet: DevFleet, _ addon: String) async throws -> String? {
        try await fleet.management.get(ManagementKinds.addonChannel, name: "stable", namespace: nil).spec["addons"][addon]["version"].stringValue
    }

    @Test func dryRunListsExactlyTheAffectedClustersAndObjectsThenPublishes() async throws {
        try await Self.withFleet { fleet, directory in
            try Self.edit(directory + "/catalog/channels/stable.yaml") {
                $0.replacingOccurrences(of: "etcd-backup:\n    version: \"1.0.0\"", with: "etcd-backup:\n    version: \"1.1.0\"")
            }
            let dry = try await Self.addonctl([directory, "--dry-run", "--details"], kubeconfig: fleet.managementKubeconfigPath)
            #expect(dry.status == 0, "\(dry.stderr)\n\(dry.stdout)")
            #expect(dry.stdout.contains("2 of 3 cluster(s) affected"), "\(dry.stdout)")
            let summary = try #require(dry.stdout.split(separator: "\n").first { $0.hasPrefix("etcd-backup") })
            #expect(summary.split(separator: " ", omittingEmptySubsequences: true).prefix(4) == ["etcd-backup", "1.0.0", "1.1.0", "2"], "\(summary)")
            #expect(dry.stdout.contains("dev/s1") && dry.stdout.contains("dev/s2"))
            #expect(!dry.stdout.contains("dev/c1"), "a candidate cluster is not affected")
            #expect(dry.stdout.contains("CronJob.batch/kube-system/etcd-backup") || dry.stdout.contains("etcd-backup"), "\(dry.stdout)")
            #expect(!dry.stdout.contains("cinder-csi"), "an addon the change does not touch is listed")
            #expect(dry.stdout.contains("dry run: nothing published"))
            #expect(try await Self.stableVersion(fleet, "etcd-backup") == "1.0.0", "a dry run changed the channel")
            // Nothing reached the workload cluster.
            let workload = try KubernetesClient(connection: try Kubeconfig.parse(try fleet.server.kubeconfig(for: "s1"), file: nil).connection(), logger: Logger(label: "t"))
            defer { Task { try? await workload.shutdown() } }
            #expect(try await workload.list(GroupVersionKind(group: "batch", version: "v1", kind: "CronJob"), namespace: nil, options: ListOptions()).items.isEmpty)

            let real = try await Self.addonctl([directory], kubeconfig: fleet.managementKubeconfigPath)
            #expect(real.status == 0, "\(real.stderr)\n\(real.stdout)")
            #expect(real.stdout.contains("published: 0 new version(s)"), "\(real.stdout)")
            #expect(try await Self.stableVersion(fleet, "etcd-backup") == "1.1.0")
            let channel = try await fleet.management.get(ManagementKinds.addonChannel, name: "stable", namespace: nil)
            #expect(channel.managedFields.contains { $0.manager == "addonctl" })
        }
    }

    @Test func catalogDiffShowsOneClustersObjectsWithoutSecrets() async throws {
        try await Self.withFleet { fleet, directory in
            try Self.edit(directory + "/catalog/channels/stable.yaml") {
                $0.replacingOccurrences(of: "etcd-backup:\n    version: \"1.0.0\"", with: "etcd-backup:\n    version: \"1.1.0\"")
            }
            let run = await AddonCtlRun.run(["catalog", "diff", "s1", "--dir", directory, "-n", "dev", "--kubeconfig", fleet.managementKubeconfigPath])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.hasPrefix("etcd-backup 1.0.0 -> 1.1.0 on dev/s1\n"), "\(run.stdout)")
            #expect(run.stdout.contains("+ CronJob.batch kube-system/etcd-backup (created)\n"))
            #expect(run.stdout.contains(#"    + spec.schedule: "#))
            #expect(run.stdout.contains("+ data.AWS_SECRET_ACCESS_KEY: (secret value)"), "\(run.stdout)")
            let secret = try await fleet.management.get(GroupVersionKind(group: "", version: "v1", kind: "Secret"), name: "object-storage-credentials", namespace: "dev")
            for (_, encoded) in secret["data"].objectValue ?? [:] {
                let value = String(decoding: Data(base64Encoded: encoded.stringValue ?? "") ?? Data(), as: UTF8.self)
                #expect(!value.isEmpty && !run.stdout.contains(value) && !run.stdout.contains(encoded.stringValue ?? "-"), "secret material in the diff")
            }
            let other = await AddonCtlRun.run(["catalog", "diff", "c1", "--dir", directory, "-n", "dev", "--kubeconfig", fleet.managementKubeconfigPath])
            #expect(other.status == 0 && other.stdout == "dev/c1: no change\n", "\(other.stdout)")
            let missing = await AddonCtlRun.run(["catalog", "diff", "nope", "--dir", directory, "-n", "dev", "--kubeconfig", fleet.managementKubeconfigPath])
            #expect(missing.status == 1 && missing.stderr.contains("cluster dev/nope not found"))
        }
    }

    @Test func aServerSideFailureIsReportedAndBlocksPublishing() async throws {
        try await Self.withFleet { fleet, directory in
            // A new version whose CronJob carries a field of the wrong type.
            let source = directory + "/addons/etcd-backup/1.1.0"
            let target = directory + "/addons/etcd-backup/1.2.0"
            try FileManager.default.copyItem(atPath: source, toPath: target)
            try Self.edit(target + "/addon.yaml") { $0.replacingOccurrences(of: "version: \"1.1.0\"", with: "version: \"1.2.0\"") }
            try Self.edit(target + "/manifests/cronjob.yaml") { $0.replacingOccurrences(of: "startingDeadlineSeconds: 600", with: "startingDeadlineSeconds: \"ten minutes\"") }
            try Self.edit(directory + "/catalog/channels/stable.yaml") {
                $0.replacingOccurrences(of: "etcd-backup:\n    version: \"1.0.0\"", with: "etcd-backup:\n    version: \"1.2.0\"")
            }
            let dry = try await Self.addonctl([directory, "--dry-run"], kubeconfig: fleet.managementKubeconfigPath)
            #expect(dry.status == 1, "\(dry.stdout)")
            #expect(dry.stdout.contains("Failures (server-side dry run):"), "\(dry.stdout)")
            let failures = dry.stdout.split(separator: "\n").filter { $0.contains("startingDeadlineSeconds") }
            #expect(failures.count == 2, "\(dry.stdout)")
            #expect(failures.allSatisfy { $0.contains("CronJob") } && failures.contains { $0.hasPrefix("dev/s1") } && failures.contains { $0.hasPrefix("dev/s2") })

            let real = try await Self.addonctl([directory], kubeconfig: fleet.managementKubeconfigPath)
            #expect(real.status == 1)
            #expect(real.stderr.contains("refused: the dry run found 2 failure(s)"), "\(real.stderr)")
            #expect(try await Self.stableVersion(fleet, "etcd-backup") == "1.0.0")
            await #expect(throws: KubernetesError.self) {
                _ = try await fleet.management.get(ManagementKinds.addonVersion, name: "etcd-backup-1.2.0", namespace: nil)
            }
        }
    }

    @Test func aChangedPublishedVersionIsRefused() async throws {
        try await Self.withFleet { fleet, directory in
            try Self.edit(directory + "/addons/etcd-backup/1.0.0/manifests/cronjob.yaml") { $0 + "\n# a quiet fix\n" }
            let before = try await fleet.management.get(ManagementKinds.addonVersion, name: "etcd-backup-1.0.0", namespace: nil).spec["digest"]
            let run = try await Self.addonctl([directory], kubeconfig: fleet.managementKubeconfigPath)
            #expect(run.status == 1)
            #expect(run.stderr.contains("AddonVersion etcd-backup-1.0.0 is published with digest"), "\(run.stderr)")
            #expect(run.stderr.contains("publish a new version"))
            #expect(try await fleet.management.get(ManagementKinds.addonVersion, name: "etcd-backup-1.0.0", namespace: nil).spec["digest"] == before)
        }
    }

    @Test func lintProblemsStopPublishingBeforeAnythingElse() async throws {
        try await Self.withFleet { fleet, directory in
            try Self.edit(directory + "/catalog/channels/stable.yaml") {
                $0.replacingOccurrences(of: "etcd-backup:\n    version: \"1.0.0\"", with: "etcd-backup:\n    version: \"7.0.0\"")
            }
            let run = try await Self.addonctl([directory], kubeconfig: fleet.managementKubeconfigPath)
            #expect(run.status == 1)
            #expect(run.stderr.contains("catalog/channels/stable.yaml") && run.stderr.contains("7.0.0"), "\(run.stderr)")
            #expect(try await Self.stableVersion(fleet, "etcd-backup") == "1.0.0")
        }
    }
}
