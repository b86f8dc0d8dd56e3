import AddonCatalog
import AddonController
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
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
}
