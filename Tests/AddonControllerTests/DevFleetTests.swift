import AddonCatalog
import AddonController
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging
import Testing

@Suite struct DevFleetTests {
    /// Regression: clusters of one new project created at once must all wait for the project's
    /// namespace (the first one used to set it up while the others ran ahead and got 404).
    @Test func clustersOfANewProjectCanBeCreatedConcurrently() async throws {
        try await withHarness { h in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 1...6 {
                    group.addTask { try await h.fleet.addCluster(h.fleet.request(named: "c\(i)", example: i, project: "fresh")) }
                }
                try await group.waitForAll()
            }
            let clusters = try await h.management.list(ManagementKinds.cluster, namespace: "fresh", options: ListOptions())
            #expect(clusters.items.count == 6)
        }
    }

    @Test func clusterRequestsFollowTheCatalogsExampleClusters() async throws {
        try await withHarness(catalogDirectory: ControllerHarness.repositoryRoot.path) { h in
            let examples = h.fleet.catalog.exampleClusters.sorted { $0.facts.name < $1.facts.name }
            let request = h.fleet.request(named: "x", example: 0)
            #expect(request.channel == examples[0].channel)
            #expect(request.kubernetesVersion == examples[0].facts.kubernetesVersion.description)
            #expect(request.labels["addon-manager.io/example"] == examples[0].facts.name)
        }
    }

    /// `dev --fleet-only --management-kubeconfig`: the Clusters, the catalog and the CRDs go
    /// into a management plane served by another LocalKube (another process in the benchmark),
    /// and the workload clusters stay in the fleet's own.
    @Test func theManagementPlaneCanBeServedElsewhere() async throws {
        let logger = ControllerHarness.logger()
        let plane = try await LocalKubeServer.start(settings: ClusterSettings(initialNodes: 1), logger: logger)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("apart-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            _ = try await plane.addCluster(name: "plane")
            let planeKubeconfig = directory + "-plane.kubeconfig"
            defer { try? FileManager.default.removeItem(atPath: planeKubeconfig) }
            try plane.writeKubeconfig(for: "plane", to: planeKubeconfig)
            let fleet = try await DevFleet.start(catalog: try Catalog.load(directory: ControllerHarness.fixtureCatalog), kubeconfigDirectory: directory,
                                                 managementKubeconfig: planeKubeconfig, logger: logger)
            try await fleet.addCluster(fleet.request(named: "w1", example: 0))
            // The Cluster is in the other server's plane; the fleet's own LocalKube serves only w1.
            let client = try plane.client(for: "plane", logger: logger)
            let clusters = try await client.list(ManagementKinds.cluster, namespace: nil, options: ListOptions())
            #expect(clusters.items.map(\.name) == ["w1"])
            #expect(fleet.server.clusterNames == ["w1"])
            #expect(try String(contentsOfFile: fleet.managementKubeconfigPath, encoding: .utf8) == String(contentsOfFile: planeKubeconfig, encoding: .utf8))
            let mode = try FileManager.default.attributesOfItem(atPath: fleet.managementKubeconfigPath)[.posixPermissions] as? Int
            #expect(mode == 0o600, "the copied kubeconfig (it carries credentials) is readable by others")
            await #expect(throws: DevFleetError.self) { _ = try await fleet.addOperator("operator") }
            try? await client.shutdown()
            await fleet.shutdown()
        } catch {
            await plane.shutdown()
            throw error
        }
        await plane.shutdown()
    }
}
