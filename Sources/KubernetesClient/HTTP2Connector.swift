import Foundation
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOSSL

/// Keeps a cluster's one HTTP/2 connection (`HTTP2Session`): opens it on first use, and again
/// once it has closed or the server sent GOAWAY; remembers a server that does not offer HTTP/2
/// (its requests then go through AsyncHTTPClient, as HTTP/1.1). Confined to its event loop.
final class HTTP2Connector: @unchecked Sendable {
    /// Where a cluster's requests go, from its server URL.
    struct Target: Sendable {
        var endpoint: HTTP2Session.Endpoint
        /// `:authority`: the server's name (or address) and port.
        var authority: String
        /// A path the server URL has before the API's paths (a proxy's), without a trailing slash.
        var pathPrefix: String

        /// Nil when the URL is not `https` (AsyncHTTPClient speaks HTTP/1.1 in the clear).
        init?(server: String, serverName: String?, connectTimeout: Duration, liveness: ConnectionLiveness = ConnectionLiveness()) {
            guard let components = URLComponents(string: server), components.scheme?.lowercased() == "https",
                  var host = components.host, !host.isEmpty else { return nil }
            host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            let port = components.port ?? 443
            let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
            let name = serverName.flatMap { $0.isEmpty ? nil : $0 } ?? (isAddress ? nil : host)
            endpoint = HTTP2Session.Endpoint(host: host, port: port, serverName: name, connectTimeout: connectTimeout.timeAmount, liveness: liveness)
            let shown = name ?? (host.contains(":") ? "[\(host)]" : host)
            authority = port == 443 ? shown : "\(shown):\(port)"
            var prefix = components.percentEncodedPath
            while prefix.hasSuffix("/") { prefix.removeLast() }
            pathPrefix = prefix
        }
    }

    private enum State {
        case idle
        case connecting(EventLoopFuture<HTTP2Session?>)
        case open(HTTP2Session)
        /// The server chose HTTP/1.1: not asked again.
        case notOffered
    }

    let target: Target
    private let tls: NIOSSLContext
    private let eventLoop: any EventLoop
    private let logger: Logger
    private var state = State.idle
    /// Every connection not yet closed (one that got GOAWAY ends its open streams first).
    private var sessions: [ObjectIdentifier: HTTP2Session] = [:]
    private var shutDown = false

    init(target: Target, tls: NIOSSLContext, eventLoop: any EventLoop, logger: Logger) {
        self.target = target
        self.tls = tls
        self.eventLoop = eventLoop
        var logger = logger
        logger[metadataKey: "server"] = "\(target.authority)"
        self.logger = logger
    }

    /// The open connection, a new one, or nil when the server does not speak HTTP/2.
    func session() -> EventLoopFuture<HTTP2Session?> {
        guard eventLoop.inEventLoop else { return eventLoop.flatSubmit { self.session() } }
        switch state {
        case .notOffered:
            return eventLoop.makeSucceededFuture(nil)
        case .open(let session) where session.isOpen:
            return eventLoop.makeSucceededFuture(session)
        case .connecting(let future):
            return future
        case .idle, .open:
            guard !shutDown else { return eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
            // The state says "connecting" before the attempt can end (it may end at once).
            let connected = eventLoop.makePromise(of: HTTP2Session?.self)
            state = .connecting(connected.futureResult)
            HTTP2Session.connect(to: target.endpoint, tls: tls, on: eventLoop, logger: logger).whenComplete { outcome in
                switch outcome {
                case .success(.http2(let session)):
                    self.state = .open(session)
                    let id = ObjectIdentifier(session)
                    self.sessions[id] = session
                    session.channel.closeFuture.whenComplete { _ in self.sessions.removeValue(forKey: id) }
                    if self.shutDown { session.close() }
                    connected.succeed(session)
                case .success(.notOffered):
                    self.state = .notOffered
                    self.logger.info("the server does not offer HTTP/2: its requests go over HTTP/1.1")
                    connected.succeed(nil)
                case .failure(let error):
                    self.state = .idle
                    connected.fail(error)
                }
            }
            return connected.futureResult
        }
    }

    /// Closes the connection (its streams fail): one found dead (a request timed out without a
    /// word from the server), for the next request to open another.
    func close(_ session: HTTP2Session) {
        eventLoop.execute {
            if case .open(let current) = self.state, current === session { self.state = .idle }
            session.close()
        }
    }

    /// Closes every connection; none is opened after.
    func shutdown() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            self.shutDown = true
            let closing = self.sessions.values.map { session -> EventLoopFuture<Void> in
                session.close()
                return session.channel.closeFuture
            }
            self.sessions.removeAll()
            return EventLoopFuture.andAllComplete(closing, on: self.eventLoop)
        }
    }

    /// A request's head as HTTP/2 sends it: the pseudo-headers, then the rest with names in
    /// lower case.
    func head(method: HTTPMethod, pathWithQuery: String, headers: HTTPHeaders, bodyLength: Int?) -> HPACKHeaders {
        var head = HPACKHeaders()
        head.add(name: ":method", value: method.rawValue)
        head.add(name: ":scheme", value: "https")
        head.add(name: ":authority", value: target.authority)
        head.add(name: ":path", value: target.pathPrefix + pathWithQuery)
        for (name, value) in headers {
            let name = name.lowercased()
            // Credentials never enter the connection's header table (HPACK's dynamic table
            // lives as long as the connection).
            head.add(name: name, value: value, indexing: name == "authorization" ? .neverIndexed : .indexable)
        }
        if let bodyLength { head.add(name: "content-length", value: String(bodyLength)) }
        return head
    }
}
