import Foundation
import KubernetesModel
import LocalKube
import Logging
import Synchronization
import Testing
import TestSupport
@testable import KubernetesClient

/// A LocalKube server with one cluster, and our client connected to it over HTTPS through the
/// kubeconfig LocalKube writes.
struct LocalKubeFixture {
    let server: LocalKubeServer
    let cluster: LocalKubeCluster
    let client: KubernetesClient
    let kubeconfigPath: String
    let logs: LogRecorder

    static let configMap = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
    static let namespace = GroupVersionKind(group: "", version: "v1", kind: "Namespace")
    static let deployment = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")
    static let crd = GroupVersionKind(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition")

    /// Runs `body` against a fresh server and cluster; everything is shut down afterwards.
    static func with<T>(retryPolicy: RetryPolicy = RetryPolicy(initialBackoff: .milliseconds(20)),
                        _ body: (LocalKubeFixture) async throws -> T) async throws -> T {
        var serverLogger = Logger(label: "localkube")
        serverLogger.logLevel = .warning
        let server = try await LocalKubeServer.start(logger: serverLogger)
        let directory = try TemporaryDirectory()
        do {
            let cluster = try await server.addCluster(name: "test")
            let path = directory.path + "/kubeconfig"
            try server.writeKubeconfig(for: "test", to: path)
            var connection = try ClusterConnection.load(kubeconfig: path, environment: [:])
            connection.retryPolicy = retryPolicy
            let logs = LogRecorder()
            let client = try KubernetesClient(connection: connection, logger: logs.logger)
            let fixture = LocalKubeFixture(server: server, cluster: cluster, client: client, kubeconfigPath: path, logs: logs)
            do {
                let result = try await body(fixture)
                try await client.shutdown()
                await server.shutdown()
                return result
            } catch {
                try? await client.shutdown()
                throw error
            }
        } catch {
            await server.shutdown()
            throw error
        }
    }

    /// Another client of the same cluster (another "manager").
    func secondClient(retryPolicy: RetryPolicy = .init(), tls: ((inout TLSSettings) -> Void)? = nil, credentials: Credentials? = nil) throws -> KubernetesClient {
        var connection = try ClusterConnection.load(kubeconfig: kubeconfigPath, environment: [:])
        connection.retryPolicy = retryPolicy
        tls?(&connection.tls)
        if let credentials { connection.credentials = credentials }
        var logger = Logger(label: "second")
        logger.logLevel = .critical
        return try KubernetesClient(connection: connection, logger: logger)
    }

    static func configMap(_ name: String, namespace: String = "default", data: [String: String], labels: [String: String] = [:]) -> KubeObject {
        var object = KubeObject(apiVersion: "v1", kind: "ConfigMap", name: name, namespace: namespace)
        object["data"] = .object(data.mapValues(JSONValue.string))
        if !labels.isEmpty { object.labels = labels }
        return object
    }

    static func crd(group: String, kind: String, plural: String, scope: String = "Namespaced", statusSubresource: Bool = true) -> KubeObject {
        var object = KubeObject(apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "\(plural).\(group)")
        var version: JSONValue = [
            "name": "v1", "served": true, "storage": true,
            "schema": ["openAPIV3Schema": ["type": "object", "properties": [
                "spec": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                "status": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
            ]]],
        ]
        if statusSubresource { version["subresources"] = ["status": .emptyObject] }
        object["spec"] = [
            "group": .string(group), "scope": .string(scope),
            "names": ["kind": .string(kind), "plural": .string(plural), "singular": .string(kind.lowercased()), "listKind": .string(kind + "List")],
            "versions": [version],
        ]
        return object
    }
}

/// Captures the client's log messages so tests can wait for "it retried" without timing.
final class LogRecorder: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let state = Mutex<(entries: [Entry], waiters: [(id: UUID, message: String, continuation: CheckedContinuation<Entry, any Error>)])>(([], []))

    var logger: Logger {
        var logger = Logger(label: "kubernetes-client-test") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    var entries: [Entry] { state.withLock { $0.entries } }

    func record(_ entry: Entry) {
        let ready = state.withLock { state -> [CheckedContinuation<Entry, any Error>] in
            state.entries.append(entry)
            var ready: [CheckedContinuation<Entry, any Error>] = []
            state.waiters.removeAll { waiter in
                if entry.message == waiter.message { ready.append(waiter.continuation); return true }
                return false
            }
            return ready
        }
        for continuation in ready { continuation.resume(returning: entry) }
    }

    /// Waits for the next (or an already recorded, not yet awaited) message `message`; throws
    /// `EventuallyTimeout` when none comes within `timeout` (a test waiting on a log line that
    /// never comes fails, saying which, instead of hanging).
    func next(_ message: String, after count: Int = 0, timeout: Duration = .seconds(30)) async throws -> Entry {
        let id = UUID()
        return try await withCheckedThrowingContinuation { continuation in
            let found = state.withLock { state -> Entry? in
                let matching = state.entries.filter { $0.message == message }
                if matching.count > count { return matching[count] }
                state.waiters.append((id, message, continuation))
                return nil
            }
            if let found {
                continuation.resume(returning: found)
                return
            }
            Task {
                try? await Task.sleep(for: timeout)
                let expired = state.withLock { state -> CheckedContinuation<Entry, any Error>? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index).continuation
                }
                expired?.resume(throwing: EventuallyTimeout(what: "log message \"\(message)\"", timeout: timeout))
            }
        }
    }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged: [String: String] = [:]
            for (k, v) in metadata { merged[k] = "\(v)" }
            for (k, v) in event.metadata ?? [:] { merged[k] = "\(v)" }
            recorder.record(Entry(level: event.level, message: "\(event.message)", metadata: merged))
        }
    }
}
