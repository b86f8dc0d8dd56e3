import AsyncHTTPClient
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// A LocalKube server with one cluster, reached two ways: raw HTTPS (`http`, HTTP/2 when
/// negotiated, trusting LocalKube's CA; `request`, `create`, `watch`... for testing the wire) and
/// our `KubernetesClient` through the kubeconfig LocalKube writes (`client`, its log lines in
/// `logs`). Everything is shut down after the body, whether it throws or not.
public struct LocalKubeFixture: Sendable {
    public let server: LocalKubeServer
    public let cluster: LocalKubeCluster
    public let http: HTTPClient
    public let client: KubernetesClient
    public let kubeconfigPath: String
    public let logs: LogRecorder

    public struct Answer: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: JSONValue
        public var text: String

        public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        public var statusObject: KubeStatus? { KubeStatus(json: body) }
    }

    public static func with<T>(settings: ClusterSettings = ClusterSettings(readinessDelay: .milliseconds(50)),
                               retryPolicy: RetryPolicy = RetryPolicy(initialBackoff: .milliseconds(20)),
                               _ body: (LocalKubeFixture) async throws -> T) async throws -> T {
        var logger = Logger(label: "localkube-test")
        logger.logLevel = .warning
        let server = try await LocalKubeServer.start(settings: settings, logger: logger)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("localkube-fixture-\(UUID().uuidString)")
        let cluster: LocalKubeCluster
        let client: KubernetesClient
        let logs = LogRecorder()
        let path = directory.appendingPathComponent("kubeconfig").path
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            cluster = try await server.addCluster(name: "test")
            try server.writeKubeconfig(for: "test", to: path)
            var connection = try ClusterConnection.load(kubeconfig: path, environment: [:])
            connection.retryPolicy = retryPolicy
            client = try KubernetesClient(connection: connection, logger: logs.logger)
        } catch {
            await server.shutdown()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(server.caCertificatePEM.utf8)))
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(30), read: .seconds(30))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let fixture = LocalKubeFixture(server: server, cluster: cluster, http: http, client: client, kubeconfigPath: path, logs: logs)
        func close() async {
            try? await http.shutdown()
            try? await client.shutdown()
            await server.shutdown()
            try? FileManager.default.removeItem(at: directory)
        }
        do {
            let result = try await body(fixture)
            await close()
            return result
        } catch {
            await close()
            throw error
        }
    }

    public func url(_ path: String, _ query: [String: String] = [:]) -> String {
        var components = URLComponents(string: cluster.baseURL + path)!
        if !query.isEmpty { components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) } }
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.string!
    }

    public func request(_ method: HTTPMethod, _ path: String, query: [String: String] = [:], body: JSONValue? = nil, rawBody: String? = nil,
                 contentType: String = "application/json", accept: String? = nil, token: String? = nil, userAgent: String = "localkube-tests/1.0",
                 headers: [String: String] = [:]) async throws -> Answer {
        var request = HTTPClientRequest(url: url(path, query))
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token ?? cluster.token)")
        request.headers.add(name: "User-Agent", value: userAgent)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let accept { request.headers.add(name: "Accept", value: accept) }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body.serialized()))
        } else if let rawBody {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: rawBody))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let text = String(buffer: bytes)
        let json = (try? JSONValue.parse(Array(bytes.readableBytesView))) ?? .null
        return Answer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: json, text: text)
    }

    public func get(_ path: String, query: [String: String] = [:]) async throws -> Answer { try await request(.GET, path, query: query) }

    public func create(_ path: String, _ body: JSONValue, query: [String: String] = [:]) async throws -> Answer {
        try await request(.POST, path, query: query, body: body)
    }

    public func apply(_ path: String, _ yaml: String, manager: String, force: Bool = false) async throws -> Answer {
        var query = ["fieldManager": manager]
        if force { query["force"] = "true" }
        return try await request(.PATCH, path, query: query, rawBody: yaml, contentType: "application/apply-patch+yaml")
    }

    public func delete(_ path: String, options: JSONValue? = nil) async throws -> Answer {
        try await request(.DELETE, path, body: options)
    }

    public func createNamespace(_ name: String) async throws {
        let answer = try await create("/api/v1/namespaces", ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]])
        guard answer.status == 201 else { throw FixtureError("creating namespace \(name): \(answer.status) \(answer.text)") }
    }

    public func createConfigMap(_ namespace: String, _ name: String, labels: [String: String] = [:], data: [String: String] = [:]) async throws -> JSONValue {
        var body: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)]]
        if !labels.isEmpty { body.setValue(.object(labels.mapValues(JSONValue.string)), at: ["metadata", "labels"]) }
        if !data.isEmpty { body["data"] = .object(data.mapValues(JSONValue.string)) }
        let answer = try await create("/api/v1/namespaces/\(namespace)/configmaps", body)
        guard answer.status == 201 else { throw FixtureError("creating configmap \(name): \(answer.status) \(answer.text)") }
        return answer.body
    }

    /// Open a watch and collect its events until `until` is satisfied by the events so far, or the stream ends.
    public func watch(_ path: String, query: [String: String], until: ([JSONValue]) -> Bool = { _ in false }) async throws -> [JSONValue] {
        var query = query
        query["watch"] = "1"
        var request = HTTPClientRequest(url: url(path, query))
        request.headers.add(name: "Authorization", value: "Bearer \(cluster.token)")
        let response = try await http.execute(request, timeout: .seconds(60))
        guard response.status == .ok else { throw FixtureError("watch \(path): HTTP \(response.status.code)") }
        return try await Self.events(of: response.body, until: until)
    }

    /// The events of a watch response body (one JSON object per line), read until `until` is
    /// satisfied by the events so far or the stream ends (a last line without newline counts).
    public static func events(of body: HTTPClientResponse.Body, until: ([JSONValue]) -> Bool = { _ in false }) async throws -> [JSONValue] {
        var events: [JSONValue] = []
        var pending: [UInt8] = []
        for try await chunk in body {
            pending.append(contentsOf: chunk.readableBytesView)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                if !line.isEmpty { events.append(try JSONValue.parse(line)) }
            }
            if until(events) { return events }
        }
        if !pending.isEmpty { events.append(try JSONValue.parse(pending)) }
        return events
    }

    /// Poll `check` until it returns a value (at most `attempts` × 50 ms): TestSupport's
    /// `eventuallyValue`, which also reports the last error a check threw.
    public func eventually<T>(_ what: String, attempts: Int = 200, _ check: () async throws -> T?) async throws -> T {
        try await eventuallyValue(what, timeout: .milliseconds(50 * attempts), check)
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
