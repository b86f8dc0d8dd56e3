import AddonCatalog
import AddonController
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging
import TestSupport
import Testing

/// Known secret values go through rendering, applies, a failed apply, a drift on the Secret
/// and a rotation, with the manager logging at trace level; then everything a person or a
/// scraper can see is searched for them.
@Suite(.serialized) struct SecretLeakScanTests {
    static let first = ["accessKey": "AKIA-leakscan-4d1f9e07", "secretKey": "wJalr-leakscan-SECRET-8c2b91"]
    static let rotated = ["accessKey": "AKIA-leakscan-rotated-66a0", "secretKey": "wJalr-leakscan-ROTATED-13fe"]

    @Test func noSecretValueReachesLogsEventsStatusMetricsOrDebugOutput() async throws {
        let log = LogRecorder()
        try await withHarness(managerLogger: log.logger(level: .trace)) { h in
            // The starter is running already: the first credentials are set before the Cluster exists.
            let setup = try await h.fleet.addCluster(.init(name: "setup"))
            try await setCredentials(Self.first, h.fleet)
            let cluster = try await h.fleet.addCluster(.init(name: "vault", addons: [["name": "optional", "enabled": true]]))
            try await scan(h, cluster: cluster, tokens: [setup.token, cluster.token], log: log)
        }
    }

    private func setCredentials(_ values: [String: String], _ fleet: DevFleet) async throws {
        var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: "object-store-credentials", namespace: "dev")
        secret["type"] = "Opaque"
        secret["data"] = .object(values.mapValues { .string(Data($0.utf8).base64EncodedString()) })
        _ = try await fleet.management.apply(secret, options: ApplyOptions(fieldManager: "addon-manager-dev", force: true))
    }

    private func scan(_ h: ControllerHarness, cluster: LocalKubeCluster, tokens: [String], log: LogRecorder) async throws {
        let management = h.management
        let workload = try await h.client(for: "vault")
        let secretKind = GroupVersionKind(group: "", version: "v1", kind: "Secret")
        func workloadAccessKey() async throws -> String? {
            let secret = try await workload.get(secretKind, name: "optional-credentials", namespace: "optional-system")
            return secret["data"]["accessKey"].stringValue.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
        }
        try await h.eventually("optional Healthy with the first credentials") { try await workloadAccessKey() == Self.first["accessKey"] }

        // A failed apply: the workload cluster answers 500 while the credentials rotate.
        await cluster.setErrorRate(1.0, code: 500)
        try await setCredentials(Self.rotated, h.fleet)
        // The failure shows as ApplyFailed, or (when the controller has to read the inventory
        // first) as a failed reconcile that is retried, or (when the reachability probe got its
        // 500s first) as the addon Unknown with the cluster's error.
        func reconcileFailures() -> Int { log.lines.filter { $0.contains("reconcile failed") && $0.contains("object=optional") }.count }
        func lastError() async -> String? { await h.starter.controllers().first { $0.key.name == "vault" }?.value.summary?.lastError }
        let failuresBefore = reconcileFailures()
        let errorBefore = await lastError()
        let linesBefore = log.lines.count
        do {
            try await h.eventually("the failure reported") {
                // Each sign on its own: one that cannot be read must not hide the others.
                let addon = try? await management.get(ManagementKinds.clusterAddon, name: ManagementKinds.clusterAddonName(cluster: "vault", addon: "optional"), namespace: "dev")
                let error = await lastError()
                return (addon?.status["conditions"].arrayValue ?? []).contains { $0["reason"] == "ApplyFailed" }
                    || addon?.status["phase"] == "Unknown"
                    || (error != nil && error != errorBefore)
                    || reconcileFailures() > failuresBefore
            }
        } catch {
            let since = log.lines.dropFirst(linesBefore).filter { !$0.hasPrefix("trace ") }
            Issue.record("the manager's log after the failure was injected (\(since.count) lines):\n\(since.suffix(60).joined(separator: "\n"))")
            throw error
        }
        await cluster.setErrorRate(0)
        try await h.eventually("rotated credentials applied") { try await workloadAccessKey() == Self.rotated["accessKey"] }

        // Drift on the Secret itself: someone rewrites it, the manager puts it back.
        var tampered = KubeObject(apiVersion: "v1", kind: "Secret", name: "optional-credentials", namespace: "optional-system")
        tampered["stringData"] = ["accessKey": "tampered-by-someone"]
        _ = try await workload.apply(tampered, options: ApplyOptions(fieldManager: "someone-else", force: true))
        try await h.eventually("drift on the Secret corrected") { try await workloadAccessKey() == Self.rotated["accessKey"] }

        // Everything a person or a scraper can see.
        var seen: [(String, String)] = log.lines.map { ("log", $0) }
        let events = try await management.list(GroupVersionKind(group: "", version: "v1", kind: "Event"), namespace: "dev", options: ListOptions())
        seen += events.items.map { ("event \($0.name)", $0.body.jsonString()) }
        let addons = try await management.list(ManagementKinds.clusterAddon, namespace: "dev", options: ListOptions())
        seen += addons.items.map { ("ClusterAddon \($0.name)", $0.body.jsonString()) }
        seen.append(("Cluster vault", try await management.get(ManagementKinds.cluster, name: "vault", namespace: "dev").body.jsonString()))
        let controllers = await h.starter.controllers()
        seen.append(("metrics", AddonHealthExposition.render(controllers)))
        for (key, info) in controllers {
            seen.append(("debug \(key)", [info.lastError, info.summary?.lastError].compactMap { $0 }.joined(separator: "\n")))
        }

        let values = Array(Self.first.values) + Array(Self.rotated.values) + tokens
        let forms = values.flatMap { [$0, Data($0.utf8).base64EncodedString()] }
        var hits: [String] = []
        for (source, text) in seen {
            for form in forms where text.contains(form) { hits.append("\(source): \(text.prefix(300))") }
        }
        // The matcher finds them where they belong: in the workload cluster's Secret.
        let applied = try await workload.get(secretKind, name: "optional-credentials", namespace: "optional-system").body.jsonString()
        #expect(forms.contains { applied.contains($0) })
        #expect(hits.isEmpty, "\(hits.count) places show a secret:\n\(hits.prefix(5).joined(separator: "\n"))")
        // The scan saw what it should: trace lines, the failure, the events.
        #expect(log.lines.contains { $0.hasPrefix("trace ") || $0.hasPrefix("debug ") })
        #expect(log.lines.contains { $0.contains("will retry") || $0.contains("failed") })
        #expect(!events.items.isEmpty)
    }
}
