import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging
import TestSupport
import Testing

/// Regression: a watch resumed from a resourceVersion replays the cluster's history, which holds
/// every resource's changes; only the watched resource's events may come out (a Secret once
/// reached a watch on a custom resource and became a bogus Cluster to the controller starter).
@Suite struct WatchReplayIsolationTests {
    @Test func replayFromAResourceVersionSendsOnlyTheWatchedResource() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        try await withLocalKubeClient(cluster: "replay", settings: ClusterSettings(), logger: logger) { _, client in
            let configMaps = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
            let start = try await client.list(configMaps, namespace: "default", options: ListOptions())
            var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: "not-a-configmap", namespace: "default")
            secret["stringData"] = ["k": "v"]
            _ = try await client.create(secret, options: WriteOptions(fieldManager: "test"))
            var namespace = KubeObject(apiVersion: "v1", kind: "Namespace", name: "other")
            namespace.labels = ["x": "y"]
            _ = try await client.create(namespace, options: WriteOptions(fieldManager: "test"))
            var configMap = KubeObject(apiVersion: "v1", kind: "ConfigMap", name: "the-one", namespace: "default")
            configMap["data"] = ["a": "b"]
            _ = try await client.create(configMap, options: WriteOptions(fieldManager: "test"))

            let events = try await client.watch(configMaps, namespace: nil, options: WatchOptions(resourceVersion: start.resourceVersion, allowBookmarks: false, timeoutSeconds: 1))
            var seen: [String] = []
            for try await event in events {
                if let object = event.object { seen.append("\(object.kind)/\(object.name)") }
            }
            #expect(seen == ["ConfigMap/the-one"])
        }
    }
}
