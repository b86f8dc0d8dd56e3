import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging
import Testing
@testable import AddonCatalog

/// Every shipped addon version, rendered for every example cluster, is accepted by LocalKube's
/// server-side apply (which checks objects against the API's schemas as the API server does).
@Suite struct LocalKubeAcceptanceTests {
    @Test func everyShippedVersionIsAcceptedByServerSideApply() async throws {
        let catalog = try Catalog.load(directory: TestSupport.repositoryCatalog)
        var serverLogger = Logger(label: "localkube")
        serverLogger.logLevel = .warning
        // No simulated workload controllers: a Deployment's status written between the two
        // applies below would move its resourceVersion, and the no-op check is about the apply.
        let server = try await LocalKubeServer.start(settings: ClusterSettings(simulatesWorkloads: false), logger: serverLogger)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("addon-catalog-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var clients: [KubernetesClient] = []
        do {
            var applied = 0
            for cluster in catalog.exampleClusters {
                for name in catalog.addonNames {
                    for version in catalog.versions(of: name) {
                        let definition = try #require(catalog.definition(name: name, version: version))
                        guard definition.supportedKubernetesVersions.contains(cluster.facts.kubernetesVersion) else { continue }
                        let rendered = try await catalog.render(addon: name, version: version, for: cluster)
                        // A fresh API server per rendering: versions of one addon must each apply on their own.
                        let clusterName = "\(cluster.facts.name)-\(name)-\(version)".replacingOccurrences(of: ".", with: "-")
                        _ = try await server.addCluster(name: clusterName)
                        let path = directory + "/\(clusterName).kubeconfig"
                        try server.writeKubeconfig(for: clusterName, to: path)
                        var logger = Logger(label: "client")
                        logger.logLevel = .critical
                        let client = try KubernetesClient(connection: try ClusterConnection.load(kubeconfig: path, environment: [:]), logger: logger)
                        clients.append(client)
                        for object in rendered.objects {
                            do {
                                let answer = try await client.apply(object, options: ApplyOptions(fieldManager: OwnershipLabels.fieldManager))
                                #expect(answer.labels[OwnershipLabels.addonNameKey] == name)
                                applied += 1
                            } catch {
                                Issue.record("\(name)@\(version) for \(cluster.facts.name): \(object.reference) rejected: \(error)")
                            }
                        }
                        // Applying the same objects again changes nothing (no-op apply keeps resourceVersions).
                        // Not for a Secret with stringData: the server merges stringData in, then moves it
                        // to data, so the apply is never a no-op for the field manager and its managedFields
                        // time moves with the clock (a real kube-apiserver does the same).
                        // Nor for an object the server stored without a field the apply sent: LocalKube
                        // serves v1.24, which drops a CronJob's `timeZone` (feature gate off). The merged
                        // object then differs from the stored one at every apply, so the field manager's
                        // time moves, and with it the resourceVersion whenever the second has changed.
                        for object in rendered.objects.filter({ $0["stringData"].isNull }).prefix(3) {
                            let before = try await client.apply(object, options: ApplyOptions(fieldManager: OwnershipLabels.fieldManager))
                            guard Self.keeps(object.body, in: before.body) else { continue }
                            let again = try await client.apply(object, options: ApplyOptions(fieldManager: OwnershipLabels.fieldManager))
                            #expect(before.resourceVersion == again.resourceVersion, "\(object.reference)")
                        }
                        await server.removeCluster(name: clusterName)
                    }
                }
            }
            #expect(applied > 100)

            // The check has teeth: a rendering that got a type wrong is refused.
            let cluster = try #require(catalog.exampleClusters.first)
            var broken = try #require(try await catalog.render(addon: "ingress-nginx", for: cluster).objects.first { $0.kind == "Deployment" })
            broken.body.setValue("two", at: ["spec", "replicas"])
            _ = try await server.addCluster(name: "negative")
            try server.writeKubeconfig(for: "negative", to: directory + "/negative.kubeconfig")
            var logger = Logger(label: "client")
            logger.logLevel = .critical
            let client = try KubernetesClient(connection: try ClusterConnection.load(kubeconfig: directory + "/negative.kubeconfig", environment: [:]), logger: logger)
            clients.append(client)
            _ = try await client.apply(KubeObject(apiVersion: "v1", kind: "Namespace", name: "ingress-nginx"), options: ApplyOptions(fieldManager: "tests"))
            await #expect(throws: KubernetesError.self) {
                try await client.apply(broken, options: ApplyOptions(fieldManager: OwnershipLabels.fieldManager))
            }
        } catch {
            Issue.record("\(error)")
        }
        for client in clients { try? await client.shutdown() }
        await server.shutdown()
    }

    @Test func aDroppedFieldIsSeenAsNotKept() {
        let applied: JSONValue = ["spec": ["schedule": "0 * * * *", "timeZone": "Etc/UTC", "ports": [["port": 80]]]]
        #expect(Self.keeps(applied, in: ["spec": ["schedule": "0 * * * *", "timeZone": "Etc/UTC", "suspend": false, "ports": [["port": 80, "protocol": "TCP"]]]]))
        #expect(!Self.keeps(applied, in: ["spec": ["schedule": "0 * * * *", "ports": [["port": 80]]]]))
        #expect(!Self.keeps(applied, in: ["spec": ["schedule": "0 * * * *", "timeZone": "Etc/UTC", "ports": .array([])]]))
    }

    /// Whether `stored` holds every field of `applied` (defaults added by the server aside).
    static func keeps(_ applied: JSONValue, in stored: JSONValue) -> Bool {
        switch (applied, stored) {
        case (.object(let a), .object(let s)):
            return a.allSatisfy { key, value in s[key].map { keeps(value, in: $0) } ?? false }
        case (.array(let a), .array(let s)):
            return a.count == s.count && zip(a, s).allSatisfy { keeps($0, in: $1) }
        default:
            return true
        }
    }
}
