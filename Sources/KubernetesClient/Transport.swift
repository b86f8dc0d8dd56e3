import AsyncHTTPClient
import Foundation
import KubernetesModel
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL
import Synchronization

/// One request to the API server, before credentials.
struct APIRequest: Sendable {
    var method: HTTPMethod
    var path: String
    var query: [(String, String)] = []
    var body: [UInt8]? = nil
    var contentType: String? = nil
    var accept: String = "application/json"
    var retry: RetryPolicy.Request
    var context: KubernetesError.RequestContext

    var pathWithQuery: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\($0.0)=\(PathEscaping.queryValue($0.1))" }.joined(separator: "&")
    }
}

/// A complete answer.
struct APIResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    func json(context: KubernetesError.RequestContext) throws -> JSONValue {
        do {
            return try JSONValue.parse(body)
        } catch {
            throw KubernetesError(kind: .invalidResponse, context: context, httpStatus: status, message: "the answer is not JSON: \(error)")
        }
    }
}

/// The HTTP layer of one cluster connection: TLS, credentials, the rate limit and retries, over
/// one HTTP/2 connection of our own (`HTTP2Connector`) when the server offers HTTP/2 over TLS,
/// and AsyncHTTPClient otherwise (HTTP/1.1, or a client certificate from an exec plugin, which
/// AsyncHTTPClient sets per request).
final class Transport: Sendable {
    let connection: ClusterConnection
    /// AsyncHTTPClient, for what the HTTP/2 connection does not carry; made on first use.
    let httpClient: OnDemandHTTPClient
    /// Set by the first `shutdown()`.
    private let shutDown = Atomic(false)
    /// Whether a bad liveness variable was reported (once per process).
    private static let livenessProblemsReported = Atomic(false)
    /// The HTTP/2 connection's keeper; nil when the server URL is not `https`, or when
    /// `ADDON_MANAGER_CLIENT_HTTP2=off` (everything through AsyncHTTPClient, for comparison).
    let http2: HTTP2Connector?
    private let baseURL: String
    private let baseTLS: TLSConfiguration
    let limiter: RateLimiter
    let credentials: CredentialProvider
    let logger: Logger
    /// AsyncHTTPClient's own logger: its trace output (every stream, every timer) is not ours to show.
    private let httpLogger: Logger
    /// What AsyncHTTPClient logs per request is at debug and trace, below what `httpLogger`
    /// lets through; requests get the disabled logger, which spares a copy of the logger and
    /// its metadata per request (a fleet keeps thousands of watches open).
    private static let requestLogger = Logger(label: "addon-manager.http-request", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Largest answer read into memory (a list of big CRDs can be tens of MB).
    static let maxBodySize = 256 << 20
    /// The event loop every connection and request of this client runs on: a watch's body is
    /// read where the connection delivers it, without a hop between event loops.
    let eventLoop: any EventLoop
    /// What the server was last heard to say, and when it last failed to answer.
    let contact = ServerContact()
    /// What each new connection's channel gets (`ConnectionReadBuffers`).
    let http2ConnectionSetup: (@Sendable (any Channel) -> EventLoopFuture<Void>)?
    let http1ConnectionSetup = ConnectionReadBuffers.http1ConnectionSetup

    init(connection: ClusterConnection, logger: Logger, eventLoopGroup: (any EventLoopGroup)? = nil) throws {
        self.connection = connection
        self.logger = logger
        var httpLogger = logger
        httpLogger.logLevel = max(logger.logLevel, .info)
        self.httpLogger = httpLogger
        http2ConnectionSetup = ConnectionReadBuffers.http2ConnectionSetup(logger: httpLogger)
        var tls = TLSConfiguration.makeClientConfiguration()
        let context = KubernetesError.RequestContext(cluster: connection.name, server: connection.server, verb: "connect")
        do {
            if let ca = connection.tls.certificateAuthorityPEM {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            }
            if let cert = connection.tls.clientCertificatePEM, let key = connection.tls.clientKeyPEM {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(cert).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            }
        } catch {
            throw KubernetesError(kind: .configuration, context: context, message: "unusable certificate or key: \(error)")
        }
        if connection.tls.insecureSkipVerify { tls.certificateVerification = .none }
        tls.applicationProtocols = ["h2", "http/1.1"]
        baseTLS = tls

        var configuration = HTTPClient.Configuration()
        configuration.tlsConfiguration = tls
        configuration.httpVersion = .automatic
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.timeout = .init(connect: connection.connectTimeout.timeAmount)
        configuration.connectionPool = .init(idleTimeout: .seconds(90), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
        configuration.connectionPool.retryConnectionEstablishment = false
        // AsyncHTTPClient's only hook on a new connection's channel (named for debugging):
        // what a connection reads at once and how HTTP/2 parses it, see ConnectionReadBuffers.
        configuration.http2ConnectionDebugInitializer = http2ConnectionSetup
        configuration.http1_1ConnectionDebugInitializer = http1ConnectionSetup

        // tls-server-name: address the server by that name (SNI and verification use it) and
        // resolve the name to the real host.
        var base = connection.server
        if let serverName = connection.tls.serverName, !serverName.isEmpty, var components = URLComponents(string: base), let host = components.host {
            components.host = serverName
            if let rewritten = components.string {
                base = rewritten
                configuration.dnsOverride = [serverName: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))]
            }
        }
        baseURL = base
        eventLoop = (eventLoopGroup ?? HTTPClient.defaultEventLoopGroup).next()
        httpClient = OnDemandHTTPClient(eventLoop: eventLoop, configuration: configuration, logger: httpLogger)
        // A connection not given liveness settings of its own gets the process's (client-go's
        // environment variables); a bad one is reported once per process.
        var liveness = connection.liveness
        if liveness == ConnectionLiveness() {
            let fromEnvironment = ConnectionLiveness.ofThisProcess
            liveness = fromEnvironment.liveness
            if !fromEnvironment.problems.isEmpty, Self.livenessProblemsReported.exchange(true, ordering: .relaxed) == false {
                for problem in fromEnvironment.problems { logger.warning("HTTP/2 liveness setting left out: \(problem)") }
            }
        }
        if ProcessInfo.processInfo.environment["ADDON_MANAGER_CLIENT_HTTP2"] != "off",
           let target = HTTP2Connector.Target(server: connection.server, serverName: connection.tls.serverName,
                                                    connectTimeout: connection.connectTimeout, liveness: liveness) {
            let sslContext: NIOSSLContext
            do {
                // A connection given up for silence is closed after TLS has waited this long
                // for the server's goodbye (5 s by default), which a silent server never sends;
                // a live server sends it at once.
                var http2TLS = tls
                http2TLS.shutdownTimeout = .seconds(1)
                sslContext = try NIOSSLContext(configuration: http2TLS)
            } catch {
                throw KubernetesError(kind: .configuration, context: context, message: "unusable TLS settings: \(error)")
            }
            http2 = HTTP2Connector(target: target, tls: sslContext, eventLoop: eventLoop, logger: httpLogger)
        } else {
            http2 = nil
        }
        limiter = RateLimiter(connection.rateLimit)
        credentials = CredentialProvider(
            credentials: connection.credentials,
            clusterInfo: .init(server: connection.server, certificateAuthorityData: connection.tls.certificateAuthorityPEM,
                               insecureSkipTLSVerify: connection.tls.insecureSkipVerify, tlsServerName: connection.tls.serverName))
    }

    func shutdown() async throws {
        guard !shutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        try? await http2?.shutdown().get()
        try await httpClient.shutdown()
    }

    deinit {
        // A client dropped without shutdown(): close its connections anyway instead of tripping
        // AsyncHTTPClient's "not shut down" assertion. Not after shutdown(): the event loops may
        // be gone by now, and scheduling on one that is would be an error.
        guard !shutDown.load(ordering: .acquiring) else { return }
        _ = http2?.shutdown()
        if let client = httpClient.retire() {
            Task { try? await client.shutdown() }
        }
    }

    // MARK: Requests

    /// Sends a request, retrying what `RetryPolicy` allows; returns a 2xx answer or throws.
    func send(_ request: APIRequest) async throws -> APIResponse {
        var attempt = 1
        var refreshedCredentials = false
        while true {
            try Task.checkCancellation()
            do {
                let response = try await sendOnce(request, timeout: connection.requestTimeout)
                return response
            } catch let error as KubernetesError {
                if error.kind == .unauthorized, !refreshedCredentials, credentials.canRefresh {
                    refreshedCredentials = true
                    await credentials.invalidate()
                    continue
                }
                guard let delay = connection.retryPolicy.delay(after: error, attempt: attempt, request: request.retry) else { throw error }
                logger.debug("retrying Kubernetes request", metadata: [
                    "cluster": "\(connection.name)", "verb": "\(request.context.verb)", "path": "\(request.path)",
                    "attempt": "\(attempt)", "error": "\(error.kind)", "delay": "\(delay)",
                ])
                attempt += 1
                try await Task.sleep(for: Self.jittered(delay))
            }
        }
    }

    /// Opens a watch: returns its events once the head arrived with 2xx (a refusal is thrown as
    /// the API error it carries, after the retries `RetryPolicy` allows for a read).
    func openWatch(_ request: APIRequest, kind: GroupVersionKind, deadline: NIODeadline, holdBookmarks: Bool) async throws -> WatchEvents {
        var attempt = 1
        var refreshedCredentials = false
        while true {
            try Task.checkCancellation()
            do {
                let prepared = try await prepared(request)
                // Before the reader: its promise must be completed once it exists.
                let route = try await http2Session(for: prepared, request: request)
                let feed = WatchFeed(kind: kind, context: request.context, holdBookmarks: holdBookmarks)
                let reader = WatchResponseReader(feed: feed, context: request.context, eventLoop: eventLoop, contact: contact)
                let cancelRequest: @Sendable () -> Void
                if let (http2, session) = route {
                    let head = http2.head(method: prepared.method, pathWithQuery: prepared.pathWithQuery, headers: prepared.headers, bodyLength: nil)
                    let exchange = HTTP2Exchange(headers: head, body: nil, receiver: reader, deadline: deadline,
                                                 limit: .nanoseconds((deadline - .now()).nanoseconds), eventLoop: eventLoop)
                    eventLoop.execute { session.start(exchange) }
                    cancelRequest = { exchange.cancel(with: CancellationError()) }
                } else {
                    let client: HTTPClient
                    do {
                        client = try httpClient.client()
                    } catch {
                        let error = Self.transportError(error, context: request.context)
                        reader.settle(.failure(error))
                        throw error
                    }
                    let delegated: HTTPClient.Request
                    do {
                        delegated = try HTTPClient.Request(url: baseURL + prepared.pathWithQuery, method: prepared.method, headers: prepared.headers, body: nil,
                                                           tlsConfiguration: prepared.tlsConfiguration)
                    } catch {
                        let error = KubernetesError(kind: .configuration, context: request.context, message: "cannot address the server: \(error)")
                        reader.settle(.failure(error))
                        throw error
                    }
                    let task = client.execute(request: delegated, delegate: reader, eventLoop: .delegate(on: eventLoop), deadline: deadline, logger: Self.requestLogger)
                    cancelRequest = { task.cancel() }
                }
                feed.onCancel(cancelRequest)
                do {
                    // The head must come within the request timeout: a server that took the
                    // stream and never answers (or a connection that no longer carries new
                    // streams) must not hold a watch until its whole deadline.
                    let limit = connection.requestTimeout
                    let timer = eventLoop.scheduleTask(in: limit.timeAmount) {
                        // Only when the head has not come: a watch whose head won the race is
                        // open, even if this task has not resumed yet to cancel the timer.
                        if reader.settle(.failure(KubernetesError(kind: .timeout, context: request.context, message: "no response to the watch within \(limit)"))) {
                            cancelRequest()
                        }
                    }
                    defer { timer.cancel() }
                    let status = try await withTaskCancellationHandler {
                        try await reader.head.get()
                    } onCancel: {
                        reader.settle(.failure(CancellationError()))
                        // Through the feed (which cancels the request): the reader then knows
                        // that the request's end is ours, not a failure of the server.
                        feed.cancel()
                    }
                    RequestMetrics.answered(request, role: connection.role, status: status)
                    return WatchEvents(feed: feed, kind: kind, context: request.context)
                } catch let error as KubernetesError {
                    feed.cancel()
                    if let status = error.httpStatus {
                        RequestMetrics.answered(request, role: connection.role, status: status)
                    } else {
                        RequestMetrics.failed(request, role: connection.role, error: error)
                    }
                    contact.failed(error)
                    throw error
                } catch {
                    feed.cancel()
                    if error is CancellationError { throw error }
                    let error = Self.transportError(error, context: request.context)
                    RequestMetrics.failed(request, role: connection.role, error: error)
                    contact.failed(error)
                    throw error
                }
            } catch let error as KubernetesError {
                if error.kind == .unauthorized, !refreshedCredentials, credentials.canRefresh {
                    refreshedCredentials = true
                    await credentials.invalidate()
                    continue
                }
                guard let delay = connection.retryPolicy.delay(after: error, attempt: attempt, request: .read) else { throw error }
                attempt += 1
                try await Task.sleep(for: Self.jittered(delay))
            }
        }
    }

    private func sendOnce(_ request: APIRequest, timeout: Duration) async throws -> APIResponse {
        let prepared = try await prepared(request)
        let started = ContinuousClock.now
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]
        let version: String
        let route = try await http2Session(for: prepared, request: request)
        do {
            if let (http2, session) = route {
                (status, headers, body) = try await exchange(prepared, on: session, of: http2, timeout: timeout)
                version = "HTTP/2.0"
            } else {
                var delegated = HTTPClientRequest(url: baseURL + prepared.pathWithQuery)
                delegated.method = prepared.method
                delegated.headers = prepared.headers
                if let bytes = prepared.body { delegated.body = .bytes(ByteBuffer(bytes: bytes)) }
                if let tls = prepared.tlsConfiguration { delegated.tlsConfiguration = tls }
                let response = try await httpClient.client().execute(delegated, timeout: timeout.timeAmount, logger: Self.requestLogger)
                body = try await collect(response, context: request.context)
                (status, headers, version) = (Int(response.status.code), response.headers, "\(response.version)")
            }
        } catch {
            let error = Self.transportError(error, context: request.context)
            RequestMetrics.failed(request, role: connection.role, error: error)
            contact.failed(error)
            throw error
        }
        RequestMetrics.answered(request, role: connection.role, status: status)
        if (200..<300).contains(status) { contact.answeredRequest() }
        if logger.logLevel <= .debug {
            logger.debug("Kubernetes request", metadata: [
                "cluster": "\(connection.name)", "method": "\(request.method.rawValue)", "path": "\(request.path)",
                "status": "\(status)", "duration": "\(started.duration(to: .now))", "http": "\(version)",
            ])
        }
        guard (200..<300).contains(status) else {
            let error = Self.apiError(status: status, headers: headers, body: body, context: request.context)
            contact.failed(error)
            throw error
        }
        return APIResponse(status: status, headers: headers, body: body)
    }

    /// The HTTP/2 connection to send `prepared` on, when there is one: nil for a request with a
    /// client certificate of its own (an exec plugin's), or when the server does not offer
    /// HTTP/2. A connection that cannot be made fails the request as a request that got no
    /// answer would.
    private func http2Session(for prepared: PreparedRequest, request: APIRequest) async throws -> (HTTP2Connector, HTTP2Session)? {
        guard let http2, prepared.tlsConfiguration == nil else { return nil }
        do {
            guard let session = try await http2.session().get() else { return nil }
            return (http2, session)
        } catch {
            let error = Self.transportError(error, context: request.context)
            RequestMetrics.failed(request, role: connection.role, error: error)
            contact.failed(error)
            throw error
        }
    }

    /// One request and its whole answer on `session`. A request that times out without a word
    /// from the server since it went out closes the connection: on a connection that no longer
    /// carries anything (a peer gone without a reset), every later request would time out too.
    private func exchange(_ prepared: PreparedRequest, on session: HTTP2Session, of http2: HTTP2Connector,
                          timeout: Duration) async throws -> (Int, HTTPHeaders, [UInt8]) {
        let collector = AnswerCollector(limit: Self.maxBodySize, eventLoop: eventLoop)
        let head = http2.head(method: prepared.method, pathWithQuery: prepared.pathWithQuery, headers: prepared.headers, bodyLength: prepared.body?.count)
        let exchange = HTTP2Exchange(headers: head, body: prepared.body.map { ByteBuffer(bytes: $0) }, receiver: collector,
                                     deadline: .now() + timeout.timeAmount, limit: timeout, eventLoop: eventLoop)
        let sent = NIODeadline.now()
        eventLoop.execute { session.start(exchange) }
        do {
            return try await withTaskCancellationHandler {
                try await collector.answer.get()
            } onCancel: {
                exchange.cancel(with: CancellationError())
            }
        } catch let error as HTTP2AnswerError where error.isTimeout {
            if session.lastRead < sent { http2.close(session) }
            throw error
        }
    }

    private func collect(_ response: HTTPClientResponse, context: KubernetesError.RequestContext) async throws -> [UInt8] {
        do {
            var buffer = try await response.body.collect(upTo: Self.maxBodySize)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            throw Self.transportError(error, context: context)
        }
    }

    /// A request with its credentials, for either client.
    struct PreparedRequest {
        var method: HTTPMethod
        var pathWithQuery: String
        var headers: HTTPHeaders
        var body: [UInt8]?
        /// Set when an exec plugin gave a client certificate: the request goes with it.
        var tlsConfiguration: TLSConfiguration?
    }

    private func prepared(_ request: APIRequest) async throws -> PreparedRequest {
        try await limiter.acquire()
        var prepared = PreparedRequest(method: request.method, pathWithQuery: request.pathWithQuery, headers: HTTPHeaders(), body: request.body)
        prepared.headers.add(name: "Accept", value: request.accept)
        prepared.headers.add(name: "User-Agent", value: connection.userAgent)
        let authorization: String?
        do {
            authorization = try await credentials.authorization()
            if let cert = try await credentials.execClientCertificate() {
                var tls = baseTLS
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(cert.certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: cert.key, format: .pem))
                prepared.tlsConfiguration = tls
            }
        } catch let error as KubernetesError {
            let error = KubernetesError(kind: error.kind, context: request.context, message: error.message)
            RequestMetrics.failed(request, role: connection.role, error: error)
            throw error
        } catch {
            let error = KubernetesError(kind: .credentials, context: request.context, message: "unusable credentials from the exec plugin: \(error)")
            RequestMetrics.failed(request, role: connection.role, error: error)
            throw error
        }
        if let authorization { prepared.headers.add(name: "Authorization", value: authorization) }
        if request.body != nil {
            prepared.headers.add(name: "Content-Type", value: request.contentType ?? "application/json")
        }
        return prepared
    }

    // MARK: Errors

    static func apiError(status: Int, headers: HTTPHeaders, body: [UInt8], context: KubernetesError.RequestContext) -> KubernetesError {
        let kubeStatus = (try? JSONValue.parse(body)).flatMap(KubeStatus.init(json:))
        var retryAfter: Duration?
        if let header = headers.first(name: "Retry-After") {
            if let seconds = Int(header.trimmingCharacters(in: .whitespaces)) {
                retryAfter = .seconds(seconds)
            } else if let date = httpDate(header) {
                retryAfter = .seconds(max(0, date.timeIntervalSinceNow))
            }
        }
        let kind = KubernetesError.classify(httpStatus: status, status: kubeStatus)
        var message = ""
        if kubeStatus == nil {
            message = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if message.isEmpty { message = "HTTP \(status)" }
        }
        return KubernetesError(kind: kind, status: kubeStatus, context: context, httpStatus: status, retryAfter: retryAfter, message: message)
    }

    static func transportError(_ error: any Error, context: KubernetesError.RequestContext) -> any Error {
        if error is CancellationError { return error }
        if let error = error as? KubernetesError { return error }
        if let http = error as? HTTPClientError {
            switch http {
            case .cancelled, .requestStreamCancelled:
                // Ours when the task asking is cancelled; otherwise the client gave the request
                // up (a connection closing after GOAWAY): a transport failure, to retry — as a
                // cancellation it would stop the informer reading that watch for good.
                if Task.isCancelled { return CancellationError() }
                return KubernetesError(kind: .transport, context: context, message: "the HTTP client cancelled the request (its connection was closing)")
            case .connectTimeout, .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout:
                return KubernetesError(kind: .timeout, context: context, message: "\(http)")
            case .tlsHandshakeTimeout:
                return KubernetesError(kind: .tls, context: context, message: "TLS handshake timed out")
            case .remoteConnectionClosed:
                return KubernetesError(kind: .transport, context: context, message: "the server closed the connection")
            default:
                return KubernetesError(kind: .transport, context: context, message: "\(http)")
            }
        }
        if let http2 = error as? HTTP2AnswerError {
            // Not acted on: as a connection refused, resent whatever the verb (`RetryPolicy`).
            if http2.wasNotProcessed { return KubernetesError(kind: .unreachable, context: context, message: "\(http2)") }
            if http2.isTimeout { return KubernetesError(kind: .timeout, context: context, message: "\(http2)") }
            return KubernetesError(kind: http2.isHandshake ? .tls : .transport, context: context, message: "\(http2)")
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return KubernetesError(kind: .tls, context: context, message: "TLS: \(error)")
        }
        if let io = error as? IOError {
            // Refused, unreachable: the request never reached the server. A reset or broken pipe
            // may come after it was sent.
            let neverSent: Set<Int32> = [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL]
            if neverSent.contains(io.errnoCode) {
                return KubernetesError(kind: .unreachable, context: context, message: "cannot connect: \(io)")
            }
            return KubernetesError(kind: .transport, context: context, message: "\(io)")
        }
        if String(describing: type(of: error)) == "NIOConnectionError" {
            // Every connect attempt failed (NIOPosix's error for a name resolving to several addresses).
            return KubernetesError(kind: .unreachable, context: context, message: "cannot connect: \(error)")
        }
        if let channel = error as? ChannelError {
            switch channel {
            case .connectTimeout:
                return KubernetesError(kind: .unreachable, context: context, message: "cannot connect: \(channel)")
            default:
                return KubernetesError(kind: .transport, context: context, message: "\(channel)")
            }
        }
        let text = "\(error)"
        if text.contains("SSL") || text.contains("certificate") || text.contains("handshake") {
            return KubernetesError(kind: .tls, context: context, message: text)
        }
        return KubernetesError(kind: .transport, context: context, message: text)
    }

    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }

    /// Up to 20% random jitter, so clients retrying together spread out.
    static func jittered(_ delay: Duration) -> Duration {
        guard delay > .zero else { return delay }
        return delay * Double.random(in: 1.0...1.2)
    }
}

extension Duration {
    package var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
