import AsyncHTTPClient
import Foundation
import KubernetesModel
import LocalKube
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import TestSupport

/// Replays recorded cases against fresh clusters of one LocalKube server, over HTTPS.
/// One per test process: each case gets its own cluster (`server.addCluster(name:)`).
final class ConformanceReplayer: Sendable {
    static let userAgent = "conformance-runner/1.0"

    /// The recording server ran no controllers: the simulated workload controllers (workload
    /// status, PVC binding, load balancer addresses, CronJob runs) stay off, as KNOWN-DIFFERENCES.md says.
    /// Namespaces stay Terminating as there (their finalization waits an hour).
    static let recordingServerSettings = ClusterSettings(namespaceFinalizationDelay: .seconds(3600), simulatesWorkloads: false)

    let server: LocalKubeServer
    let client: HTTPClient

    /// A failing step: the case, the step (1-based, as in the case file), and what differed.
    struct StepFailure: Sendable, CustomStringConvertible {
        var caseID: String
        var step: Int
        var request: String
        var differences: [ConformanceDifference]

        var description: String {
            let shown = differences.prefix(25).map { "  \($0)" }.joined(separator: "\n")
            let more = differences.count > 25 ? "\n  … \(differences.count - 25) more" : ""
            return "\(caseID) step \(step) (\(request)):\n\(shown)\(more)"
        }
    }

    private init(server: LocalKubeServer, client: HTTPClient) {
        self.server = server
        self.client = client
    }

    private static let sharedTask = Task { () throws -> ConformanceReplayer in
        var logger = Logger(label: "localkube-conformance")
        logger.logLevel = .critical
        let server = try await LocalKubeServer.start(logger: logger)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(server.caCertificatePEM.utf8)))
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(30), read: .seconds(30))
        // Lives as long as the test process (never deinitialised, so never needs shutting down).
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        return ConformanceReplayer(server: server, client: client)
    }

    static func shared() async throws -> ConformanceReplayer { try await sharedTask.value }

    /// Replays `testCase` on a new cluster; returns every step that differed from the recording.
    /// `settings` nil: a cluster like the recording server (no simulated workload controllers).
    func replay(_ testCase: ConformanceCase, settings: ClusterSettings? = nil) async throws -> [StepFailure] {
        let clusterName = "conformance-" + testCase.id.replacingOccurrences(of: "/", with: "-") + (settings == nil ? "" : "-simulating")
        let cluster = try await server.addCluster(name: clusterName, settings: settings ?? Self.recordingServerSettings)
        do {
            let failures = try await replay(testCase, on: cluster)
            await server.removeCluster(name: clusterName)
            return failures
        } catch {
            await server.removeCluster(name: clusterName)
            throw error
        }
    }

    private func replay(_ testCase: ConformanceCase, on cluster: LocalKubeCluster) async throws -> [StepFailure] {
        var saved: [String: String] = [:]
        var normaliser = ConformanceNormaliser()
        var comparison = ConformanceComparison()
        var failures: [StepFailure] = []
        for (index, step) in testCase.steps.enumerated() {
            let number = index + 1
            switch step {
            case .pause(let seconds):
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            case .waitFor(let path, let condition):
                try await waitFor(path: substitute(path, saved), condition: condition, cluster: cluster, caseID: testCase.id, step: number)
            case .exchange(let exchange):
                let request = "\(exchange.method) \(substitute(exchange.path, saved))"
                let answer = try await send(exchange, saved: saved, cluster: cluster)
                var differences: [ConformanceDifference] = []
                if answer.status != exchange.expectedStatus {
                    differences.append(.init(path: "status", expected: "\(exchange.expectedStatus)", actual: "\(answer.status)"))
                }
                if let expectedType = exchange.expectedContentType, Self.mediaType(answer.contentType) != expectedType {
                    differences.append(.init(path: "contentType", expected: expectedType, actual: answer.contentType ?? "(none)"))
                }
                if let expectedEvents = exchange.expectedEvents {
                    let events = answer.events.filter { $0["type"].stringValue != "BOOKMARK" }.map { event -> JSONValue in
                        ["type": event["type"], "object": normaliser.normalise(event["object"])]
                    }
                    differences += comparison.compare(expected: .array(expectedEvents), actual: .array(events), path: "events")
                } else if let expectedBody = exchange.expectedBody {
                    if case .string(let expectedText) = expectedBody {
                        if answer.text != expectedText {
                            differences.append(.init(path: "body", expected: ConformanceComparison.show(expectedBody), actual: ConformanceComparison.show(.string(answer.text))))
                        }
                    } else if let body = answer.body {
                        for (name, dottedPath) in exchange.save {
                            if let value = Self.value(in: body, at: dottedPath) {
                                saved[name] = value.stringValue ?? value.jsonString()
                            } else {
                                differences.append(.init(path: "save \(name)", expected: "a value at \(dottedPath)", actual: "(absent)"))
                            }
                        }
                        if exchange.path == "/version" {
                            differences += comparison.compareKeys(expected: expectedBody, actual: body)
                        } else {
                            differences += comparison.compare(expected: expectedBody, actual: normaliser.normalise(body), path: "")
                        }
                    } else {
                        differences.append(.init(path: "body", expected: ConformanceComparison.show(expectedBody), actual: "not JSON: \(answer.text.prefix(300))"))
                    }
                }
                if !differences.isEmpty {
                    failures.append(StepFailure(caseID: testCase.id, step: number, request: request, differences: differences))
                }
            }
        }
        return failures
    }

    struct Answer {
        var status: Int
        var contentType: String?
        var text: String
        var body: JSONValue?
        var events: [JSONValue]
    }

    static func mediaType(_ contentType: String?) -> String? {
        contentType.map { $0.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? $0 }
    }

    private func send(_ exchange: ConformanceCase.Exchange, saved: [String: String], cluster: LocalKubeCluster) async throws -> Answer {
        let query = exchange.query.mapValues { substitute($0, saved) }
        var request = HTTPClientRequest(url: url(cluster: cluster, path: substitute(exchange.path, saved), query: query))
        request.method = HTTPMethod(rawValue: exchange.method)
        request.headers.add(name: "Authorization", value: "Bearer \(cluster.token)")
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        request.headers.add(name: "Accept", value: "application/json")
        if let body = exchange.body {
            let bytes: [UInt8]
            if case .string(let text) = body { bytes = Array(substitute(text, saved).utf8) } else { bytes = substitute(body, saved).serialized() }
            request.headers.add(name: "Content-Type", value: exchange.contentType ?? "application/json")
            request.body = .bytes(ByteBuffer(bytes: bytes))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let contentType = response.headers.first(name: "Content-Type")
        if exchange.isWatch && response.status == .ok {
            let events = try await LocalKubeFixture.events(of: response.body)
            return Answer(status: Int(response.status.code), contentType: contentType, text: "", body: nil, events: events)
        }
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let body = try? JSONValue.parse(Array(bytes.readableBytesView))
        return Answer(status: Int(response.status.code), contentType: contentType, text: String(buffer: bytes), body: body, events: [])
    }

    private func waitFor(path: String, condition: String, cluster: LocalKubeCluster, caseID: String, step: Int) async throws {
        for _ in 0..<400 {
            var request = HTTPClientRequest(url: cluster.baseURL + path)
            request.headers.add(name: "Authorization", value: "Bearer \(cluster.token)")
            request.headers.add(name: "User-Agent", value: Self.userAgent)
            let response = try await client.execute(request, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: 16 << 20)
            if let object = try? JSONValue.parse(Array(bytes.readableBytesView)),
               (object.value(at: ["status", "conditions"])?.arrayValue ?? []).contains(where: { $0["type"].stringValue == condition && $0["status"].stringValue == "True" }) {
                return
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw ConformanceCaseError(file: "cases/\(caseID).json", step: step, "\(path) never became \(condition) within 10s")
    }

    private func url(cluster: LocalKubeCluster, path: String, query: [String: String]) -> String {
        var components = URLComponents(string: cluster.baseURL + path)!
        if !query.isEmpty { components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) } }
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.string!
    }

    /// `metadata.resourceVersion`, `items.0.metadata.name`: members by key, list elements by index.
    static func value(in body: JSONValue, at dottedPath: String) -> JSONValue? {
        var current = body
        for segment in dottedPath.split(separator: ".").map(String.init) {
            if case .array(let elements) = current, let index = Int(segment), elements.indices.contains(index) {
                current = elements[index]
            } else if case .object(let members) = current, let member = members[segment] {
                current = member
            } else {
                return nil
            }
        }
        return current
    }

    private func substitute(_ text: String, _ saved: [String: String]) -> String {
        guard text.contains("${") else { return text }
        var result = text
        for (name, value) in saved { result = result.replacingOccurrences(of: "${\(name)}", with: value) }
        return result
    }

    private func substitute(_ value: JSONValue, _ saved: [String: String]) -> JSONValue {
        switch value {
        case .string(let text): return .string(substitute(text, saved))
        case .array(let elements): return .array(elements.map { substitute($0, saved) })
        case .object(let members): return .object(members.mapValues { substitute($0, saved) })
        default: return value
        }
    }
}
