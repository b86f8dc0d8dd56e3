import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A scripted stand-in for Keystone, Nova, Glance and Neutron on one loopback port, for what the
/// real OpenStack cannot be made to do on demand (503s, 429s, short-lived tokens). Its catalog
/// points at itself: `/compute`, `/image`, `/network`.
final class StubOpenStack: @unchecked Sendable {
    struct Request {
        var method: String
        var path: String
        var query: String
        var headers: HTTPHeaders
        var body: Data
        /// How many requests of this method and path came before this one.
        var seen: Int
    }
    struct Response {
        var status: Int
        var headers: [(String, String)] = []
        var body: String = ""
    }

    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    private var received: [Request] = []
    private var tokens = 0
    private let route: @Sendable (Request) -> Response?
    /// Token lifetime Keystone announces.
    let tokenLifetime: TimeInterval
    private var channel: Channel?
    private(set) var port = 0

    init(tokenLifetime: TimeInterval = 3600, route: @escaping @Sendable (Request) -> Response?) {
        self.tokenLifetime = tokenLifetime
        self.route = route
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func start() async throws {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(stub: self))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    func stop() async throws {
        try await channel?.close()
    }

    /// How many requests came for `METHOD /path` (no query).
    func count(_ key: String) -> Int {
        lock.withLock { counts[key] ?? 0 }
    }

    func requests(_ key: String) -> [Request] {
        lock.withLock { received.filter { "\($0.method) \($0.path)" == key } }
    }

    var tokensIssued: Int { lock.withLock { tokens } }

    fileprivate func respond(method: String, uri: String, headers: HTTPHeaders, body: Data) -> Response {
        let parts = uri.split(separator: "?", maxSplits: 1)
        let path = String(parts.first ?? "")
        let key = "\(method) \(path)"
        let request: Request = lock.withLock {
            let request = Request(method: method, path: path, query: parts.count > 1 ? String(parts[1]) : "", headers: headers, body: body, seen: counts[key] ?? 0)
            counts[key, default: 0] += 1
            received.append(request)
            return request
        }
        if let answer = route(request) { return answer }
        if key == "POST /v3/auth/tokens" { return issueToken() }
        return Response(status: 404, body: #"{"itemNotFound": {"code": 404, "message": "no such thing"}}"#)
    }

    private func issueToken() -> Response {
        let number = lock.withLock {
            tokens += 1
            return tokens
        }
        let formatter = ISO8601DateFormatter()
        let now = Date()
        let endpoints = ["compute": "/compute", "image": "/image", "network": "/network/v2.0"].map { type, path in
            #"{"type": "\#(type)", "endpoints": [{"interface": "public", "region_id": "RegionOne", "region": "RegionOne", "url": "\#(url)\#(path)"}]}"#
        }
        let body = #"{"token": {"issued_at": "\#(formatter.string(from: now))", "expires_at": "\#(formatter.string(from: now + tokenLifetime))", "catalog": [\#(endpoints.joined(separator: ","))]}}"#
        return Response(status: 201, headers: [("X-Subject-Token", "token-\(number)")], body: body)
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let stub: StubOpenStack
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(stub: StubOpenStack) { self.stub = stub }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body.clear()
            case .body(var part):
                body.writeBuffer(&part)
            case .end:
                guard let head else { return }
                let response = stub.respond(method: head.method.rawValue, uri: head.uri, headers: head.headers, body: Data(body.readableBytesView))
                var headers = HTTPHeaders(response.headers)
                headers.add(name: "Content-Type", value: "application/json")
                headers.add(name: "Content-Length", value: "\(response.body.utf8.count)")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .init(statusCode: response.status), headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: response.body)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
