import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// One request to an OpenStack service. `body` may hold a secret (Keystone): it is never logged.
struct ServiceRequest: Sendable {
    var method: HTTPMethod
    var url: String
    var headers: [(String, String)] = []
    var body: Data? = nil
    /// Safe to send again after a failure that may have reached the service (GET, DELETE, auth).
    var idempotent: Bool
    var operation: String
    var serverName: String? = nil
    var serverID: String? = nil
}

struct ServiceResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: Data

    func decode<T: Decodable>(_ type: T.Type, operation: String) throws(ProviderError) -> T {
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch {
            throw ProviderError(
                kind: .invalidResponse, operation: operation, httpStatus: status,
                message: "unexpected answer (\(error)): \(OpenStackHTTP.excerpt(body))")
        }
    }
}

/// The HTTP layer shared by every OpenStack service: one AsyncHTTPClient, a timeout per request,
/// and retries with backoff for idempotent requests the service could not answer.
final class OpenStackHTTP: Sendable {
    struct RetryPolicy: Sendable {
        var attempts: Int
        var baseDelay: Duration
        var maxDelay: Duration = .seconds(8)

        /// The wait before attempt `attempt + 1`: exponential, at least what `Retry-After` asked (capped).
        func delay(after attempt: Int, retryAfter: Duration?) -> Duration {
            let exponential = baseDelay * (1 << min(attempt - 1, 16))
            return min(maxDelay, max(exponential, retryAfter ?? .zero))
        }
    }

    let client: HTTPClient
    let timeout: Duration
    let retry: RetryPolicy
    let userAgent: String
    let logger: Logger
    private let shutdownOnce = ShutdownOnce()
    /// Largest answer read (a list of a thousand servers is a few MB).
    static let maxBodySize = 64 << 20

    init(timeout: Duration, retry: RetryPolicy, userAgent: String, logger: Logger) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(10))
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        // A refused connection fails the attempt at once (AsyncHTTPClient would otherwise retry it
        // until the request's deadline); `send` decides about another attempt.
        configuration.connectionPool.retryConnectionEstablishment = false
        var httpLogger = logger
        httpLogger.logLevel = max(logger.logLevel, .info)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration, backgroundActivityLogger: httpLogger)
        self.timeout = timeout
        self.retry = retry
        self.userAgent = userAgent
        self.logger = logger
    }

    func shutdown() async throws {
        guard shutdownOnce.first() else { return }
        try await client.shutdown()
    }

    deinit {
        if shutdownOnce.first() {
            let client = client
            Task { try? await client.shutdown() }
        }
    }

    /// Sends the request; returns a 2xx answer or throws. Idempotent requests are resent (with
    /// backoff) while the service is unavailable, up to `retry.attempts` in all.
    func send(_ request: ServiceRequest) async throws(ProviderError) -> ServiceResponse {
        var attempt = 1
        while true {
            do throws(ProviderError) {
                return try await sendOnce(request)
            } catch {
                guard request.idempotent, error.isRetryable, attempt < retry.attempts, !Task.isCancelled else { throw error }
                let delay = retry.delay(after: attempt, retryAfter: error.retryAfter)
                logger.debug("retrying OpenStack request", metadata: [
                    "operation": "\(request.operation)", "method": "\(request.method.rawValue)", "url": "\(Self.withoutQuery(request.url))",
                    "attempt": "\(attempt)", "status": "\(error.httpStatus.map(String.init) ?? "none")", "delay": "\(delay)",
                ])
                attempt += 1
                try? await Task.sleep(for: delay * Double.random(in: 1.0...1.2))
            }
        }
    }

    private func sendOnce(_ request: ServiceRequest) async throws(ProviderError) -> ServiceResponse {
        var prepared = HTTPClientRequest(url: request.url)
        prepared.method = request.method
        prepared.headers.add(name: "Accept", value: "application/json")
        prepared.headers.add(name: "User-Agent", value: userAgent)
        for (name, value) in request.headers { prepared.headers.add(name: name, value: value) }
        if let body = request.body {
            prepared.headers.add(name: "Content-Type", value: "application/json")
            prepared.body = .bytes(ByteBuffer(data: body))
        }
        let started = ContinuousClock.now
        let status: Int
        let headers: HTTPHeaders
        let body: Data
        do {
            let response = try await client.execute(prepared, timeout: .nanoseconds(Int64(timeout / .nanoseconds(1))), logger: logger)
            status = Int(response.status.code)
            headers = response.headers
            var buffer = try await response.body.collect(upTo: Self.maxBodySize)
            body = buffer.readData(length: buffer.readableBytes) ?? Data()
        } catch {
            throw Self.transportError(error, request: request)
        }
        logger.debug("OpenStack request", metadata: [
            "method": "\(request.method.rawValue)", "url": "\(Self.withoutQuery(request.url))", "status": "\(status)",
            "duration": "\(started.duration(to: .now))",
        ])
        guard (200..<300).contains(status) else {
            throw Self.apiError(status: status, headers: headers, body: body, request: request)
        }
        return ServiceResponse(status: status, headers: headers, body: body)
    }

    // MARK: Errors

    /// Classifies an error answer of Nova, Keystone, Glance or Neutron.
    static func apiError(status: Int, headers: HTTPHeaders, body: Data, request: ServiceRequest) -> ProviderError {
        let message = serviceMessage(body) ?? (body.isEmpty ? "" : excerpt(body))
        var error = ProviderError(
            kind: kind(status: status, message: message), operation: request.operation, serverName: request.serverName,
            serverID: request.serverID, httpStatus: status, message: message)
        if let header = headers.first(name: "Retry-After"), let seconds = Int(header.trimmingCharacters(in: .whitespaces)) {
            error.retryAfter = .seconds(seconds)
        }
        return error
    }

    static func kind(status: Int, message: String) -> ProviderError.Kind {
        let quota = message.range(of: "quota", options: .caseInsensitive) != nil
        switch status {
        case 401: return .unauthorized
        case 403: return quota ? .quotaExceeded : .forbidden
        case 404: return .notFound
        case 409: return .conflict
        case 413: return quota ? .quotaExceeded : .badRequest
        case 429: return .unavailable
        case 400..<500: return .badRequest
        case 500..<600: return .unavailable
        default: return .invalidResponse
        }
    }

    /// The message of an OpenStack error body: Nova `{"itemNotFound": {"message": ..}}`, Keystone
    /// `{"error": {"message": ..}}`, Neutron `{"NeutronError": {"message": ..}}`, Glance's plain text.
    static func serviceMessage(_ body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        if let message = object["message"] as? String { return clip(message) }
        for value in object.values {
            if let inner = value as? [String: Any], let message = inner["message"] as? String { return clip(message) }
        }
        return nil
    }

    /// The start of a body that is not a known error shape, on one line.
    static func excerpt(_ body: Data) -> String {
        clip(String(decoding: body.prefix(300), as: UTF8.self))
    }

    private static func clip(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: " ")
        return line.count > 300 ? String(line.prefix(300)) + "…" : line
    }

    /// Below HTTP: refused connections, timeouts, resets. All of them: the service is unavailable.
    static func transportError(_ error: any Error, request: ServiceRequest) -> ProviderError {
        if let error = error as? ProviderError { return error }
        let message: String
        switch error {
        case let http as HTTPClientError where http == .deadlineExceeded || http == .readTimeout || http == .connectTimeout:
            message = "no answer in time"
        case let io as IOError where io.errnoCode == ECONNREFUSED:
            message = "connection refused"
        case is CancellationError:
            message = "cancelled"
        default:
            message = "\(error)"
        }
        return ProviderError(
            kind: .unavailable, operation: request.operation, serverName: request.serverName, serverID: request.serverID,
            message: "\(message) (\(request.method.rawValue) \(withoutQuery(request.url)))")
    }

    static func withoutQuery(_ url: String) -> String {
        url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
    }
}

/// Percent-encoding for a path segment or a query value: everything but RFC 3986's unreserved characters.
enum URLEscaping {
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

/// True for the first caller only.
private final class ShutdownOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func first() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}
