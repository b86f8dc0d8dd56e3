import AddonCatalog
import AddonController
import AsyncHTTPClient
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging
import NIOCore
import StatusAPI
import TestSupport

/// LocalKube as the management plane with two projects, their users (RBAC as a platform would
/// grant it), an operator and a user granted nothing; Clusters and ClusterAddons written as the
/// manager writes them; the status API on a free loopback port, reviewing through LocalKube.
struct StatusAPIFixture {
    static let projectP = "project-p", projectQ = "project-q"

    let fleet: DevFleet
    let http: HTTPClient
    let port: Int
    let users: [String: DevFleet.User]
    let service: Task<Void, any Error>
    let directory: URL

    var baseURL: String { "http://127.0.0.1:\(port)" }
    func token(_ user: String) -> String { users[user]!.token }

    static func with<T>(_ body: (StatusAPIFixture) async throws -> T) async throws -> T {
        var logger = Logger(label: "status-api-test")
        logger.logLevel = .warning
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("status-api-\(UUID().uuidString)")
        let fleet = try await DevFleet.start(catalog: Catalog(published: [], channels: [], source: "test"), kubeconfigDirectory: directory.path, logger: logger)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        var service: Task<Void, any Error>?
        do {
            var users: [String: DevFleet.User] = [:]
            users["p"] = try await fleet.addProjectUser("pat", project: projectP)
            users["q"] = try await fleet.addProjectUser("quinn", project: projectQ)
            users["operator"] = try await fleet.addOperator("olive")
            users["nobody"] = try await fleet.addProjectUser("nemo", project: "project-empty")
            try await write(fleet.management, project: projectP, cluster: "p-alpha", addons: [("ingress", "1.1.0", "Healthy"), ("logging", "2.0.0", "Failed")])
            try await write(fleet.management, project: projectP, cluster: "p-beta", addons: [("ingress", "1.0.0", "Healthy")])
            try await write(fleet.management, project: projectQ, cluster: "q-secretive", addons: [("ingress", "1.1.0", "Degraded")])

            let ports = AsyncStream.makeStream(of: Int.self)
            let statusService = StatusService(management: fleet.management, reviewer: ManagementAccessReviewer(client: fleet.management, logger: logger),
                                              catalog: { fleet.catalog }, options: .init(host: "127.0.0.1", port: 0), logger: logger) { port in
                ports.continuation.yield(port)
            }
            service = Task { try await statusService.run() }
            var iterator = ports.stream.makeAsyncIterator()
            guard let port = await iterator.next() else { throw EventuallyTimeout(what: "the status API to listen", timeout: .zero) }
            let fixture = StatusAPIFixture(fleet: fleet, http: http, port: port, users: users, service: service!, directory: directory)
            // The store has read what was written.
            try await eventually("the status API serving the clusters") {
                let projects = try await fixture.get("/api/v1/projects", as: "operator").status
                let cluster = try await fixture.get("/api/v1/projects/\(projectQ)/clusters/q-secretive", as: "operator").status
                let addon = try await fixture.get("/api/v1/projects/\(projectP)/clusters/p-beta/addons/ingress", as: "operator").status
                return projects == 200 && cluster == 200 && addon == 200
            }
            let result = try await body(fixture)
            await fixture.stop()
            return result
        } catch {
            service?.cancel()
            _ = await service?.result
            try? await http.shutdown()
            await fleet.shutdown()
            throw error
        }
    }

    func stop() async {
        service.cancel()
        _ = await service.result
        try? await http.shutdown()
        await fleet.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A Cluster and its ClusterAddons with the status the manager would have written.
    static func write(_ management: KubernetesClient, project: String, cluster: String, addons: [(String, String, String)]) async throws {
        _ = try await management.apply(KubeObject(apiVersion: "v1", kind: "Namespace", name: project), options: ApplyOptions(fieldManager: "test", force: true))
        var object = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "Cluster", name: cluster, namespace: project)
        object["spec"] = ["channel": "stable", "kubernetesVersion": "1.30.4", "kubeconfigSecretRef": ["name": .string("\(cluster)-kubeconfig")]]
        _ = try await management.apply(object, options: ApplyOptions(fieldManager: "test", force: true))
        let allHealthy = addons.allSatisfy { $0.2 == "Healthy" }
        var status = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "Cluster", name: cluster, namespace: project)
        status["status"] = ["conditions": [["type": "AddonsHealthy", "status": allHealthy ? "True" : "False", "reason": allHealthy ? "AllHealthy" : "AddonsFailed",
                                            "message": "test", "lastTransitionTime": "2026-12-03T10:00:00Z"]]]
        _ = try await management.applyStatus(status, options: ApplyOptions(fieldManager: "test", force: true))
        for (addon, version, phase) in addons { try await setAddon(management, project: project, cluster: cluster, addon: addon, version: version, phase: phase) }
    }

    static func setAddon(_ management: KubernetesClient, project: String, cluster: String, addon: String, version: String, phase: String,
                         reason: String? = nil, message: String? = nil) async throws {
        var object = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "ClusterAddon", name: ManagementKinds.clusterAddonName(cluster: cluster, addon: addon), namespace: project)
        object.labels = [ManagementKinds.clusterLabel: cluster, ManagementKinds.addonLabel: addon]
        object["spec"] = ["cluster": .string(cluster), "addon": .string(addon)]
        _ = try await management.apply(object, options: ApplyOptions(fieldManager: "test", force: true))
        var condition: JSONValue = ["type": "Healthy", "status": phase == "Healthy" ? "True" : "False", "lastTransitionTime": "2026-12-03T10:00:00Z",
                                    "reason": .string(reason ?? (phase == "Healthy" ? "AllObjectsHealthy" : "Addon\(phase)")),
                                    "message": .string(message ?? "\(addon) is \(phase.lowercased())")]
        if phase == "Healthy" { condition["message"] = "all objects healthy" }
        var status = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "ClusterAddon", name: object.name, namespace: project)
        status["status"] = ["desiredVersion": .string(version), "appliedVersion": .string(version), "phase": .string(phase), "conditions": [condition]]
        _ = try await management.applyStatus(status, options: ApplyOptions(fieldManager: "test", force: true))
    }

    struct Answer {
        var status: Int
        var body: String
        var contentType: String?
        var json: JSONValue? { try? JSONValue.parse(Array(body.utf8)) }
    }

    /// `as`: a user key of `users`, "bad" for a token nobody has, nil for no token.
    func get(_ path: String, as user: String?) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        if let user { request.headers.add(name: "Authorization", value: "Bearer \(user == "bad" ? "not-a-token-anyone-has" : token(user))") }
        return try await send(request, stream: path.hasSuffix("/watch"))
    }

    func postPage(token: String) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + "/")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let form = "token=" + (token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        request.body = .bytes(ByteBuffer(string: form))
        return try await send(request, stream: false)
    }

    /// A stream's answer is its head and the first bytes (it does not end by itself).
    private func send(_ request: HTTPClientRequest, stream: Bool) async throws -> Answer {
        let response = try await http.execute(request, timeout: .seconds(30))
        var body = ""
        if stream && response.status == .ok {
            for try await chunk in response.body {
                body += String(buffer: chunk)
                if body.contains("\n\n") { break }
            }
        } else {
            body = String(buffer: try await response.body.collect(upTo: 4 * 1024 * 1024))
        }
        return Answer(status: Int(response.status.code), body: body, contentType: response.headers.first(name: "Content-Type"))
    }
}
