import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// One HTTP/2 connection over TLS to an API server, of our own making: every request and watch
/// of a cluster is a stream on it (`HTTP2Exchange`).
///
/// Why not AsyncHTTPClient's, as for everything else: a fleet keeps some twenty watches open per
/// cluster for hours, and AsyncHTTPClient keeps about 4.4 KB of state per open request on top of
/// the stream (heaptrack, `Benchmarks/README.md`), with a translation to HTTP/1-style parts for
/// every frame. Here a stream is one object, `HTTP2Exchange`, handed its frames by `HTTP2Streams`
/// (no channel per stream either). The pipeline is built before the
/// first byte is read, so the reads are limited and cut at frame ends from the start
/// (`ConnectionReadBuffers`, `FrameAlignedReads`), and the first piece the HTTP/2 parser gets (which
/// it keeps as its buffer) is a copy: the parser never holds a part of TLS's 32 KB buffer.
///
/// Confined to its event loop, except `isOpen` and `close`.
final class HTTP2Session: @unchecked Sendable {
    let channel: any Channel
    private let streams: HTTP2Streams
    private let goingAway: GoAwayWatch
    private let readClock: ReadClock
    private let silenceWatch: SilenceWatch

    private init(channel: any Channel, streams: HTTP2Streams, goingAway: GoAwayWatch, readClock: ReadClock,
                 silenceWatch: SilenceWatch) {
        self.channel = channel
        self.streams = streams
        self.goingAway = goingAway
        self.readClock = readClock
        self.silenceWatch = silenceWatch
    }

    /// Makes `channel`, whose TLS handshake chose HTTP/2 and whose pipeline has a `ReadClock`,
    /// an HTTP/2 client connection: the HTTP/2 handler and its streams, then the GOAWAY watch and
    /// the PINGs of `liveness` (`SilenceWatch`). On the channel's event loop.
    static func configure(_ channel: any Channel, liveness: ConnectionLiveness = .off, logger: Logger? = nil) throws -> HTTP2Session {
        let goingAway = GoAwayWatch()
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 100),
            HTTP2Setting(parameter: .maxHeaderListSize, value: HPACKDecoder.defaultMaxHeaderListSize),
            HTTP2Setting(parameter: .initialWindowSize, value: HTTP2Session.windowSize),
            // Servers do not open streams to a client.
            HTTP2Setting(parameter: .enablePush, value: 0),
            // No HPACK table of the server's answer headers: they are short, and the table's
            // entries (up to 4 KB of header strings) would be kept per connection for hours.
            HTTP2Setting(parameter: .headerTableSize, value: 0),
        ]
        // The connection's window holds every stream's: as large as AsyncHTTPClient's (8 MB), so
        // that a large list is not held to 64 KB per round trip. Each stream's own window still
        // holds it back while its reader is behind.
        let streams = HTTP2Streams(streamWindow: HTTP2Session.windowSize, connectionWindow: HTTP2Session.connectionWindowSize)
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(NIOHTTP2Handler(mode: .client, connectionConfiguration: connection), position: .last)
        try pipeline.addHandler(streams, position: .last)
        // After the streams: it sees a GOAWAY frame (passed on at once) before swift-nio-http2
        // closes the streams the GOAWAY left out (see `GoAwayWatch.leftOut`).
        try pipeline.addHandler(goingAway, position: .last)
        let readClock = try pipeline.handler(type: ReadClock.self)
        let silenceWatch = SilenceWatch(liveness: liveness, readClock: readClock) { silence in
            logger?.warning("the server answered no PING: closing its connection, whose requests and watches start again on a new one",
                            metadata: ["silentFor": "\(Duration.nanoseconds(silence.nanoseconds))"])
        }
        try pipeline.addHandler(silenceWatch, position: .last)
        return HTTP2Session(channel: channel, streams: streams, goingAway: goingAway, readClock: readClock, silenceWatch: silenceWatch)
    }

    /// Whether new streams may go on this connection: it is open, the server has not said it is
    /// going away (GOAWAY), and it was not given up for a PING the server left unanswered.
    var isOpen: Bool { channel.isActive && !goingAway.received && !silenceWatch.gaveUp }

    /// When the connection last read anything from the server.
    var lastRead: NIODeadline { readClock.lastRead }

    func close() { channel.close(promise: nil) }

    /// Opens a stream for `exchange`; on the event loop. On a connection that closed or got
    /// GOAWAY since it was chosen, the exchange fails at once (`connectionClosed`, which a read
    /// retries on a new connection) rather than wait for a stream that never opens.
    func start(_ exchange: HTTP2Exchange) {
        channel.eventLoop.assertInEventLoop()
        guard isOpen else {
            exchange.failedToStart(HTTP2AnswerError.connectionClosed)
            return
        }
        guard exchange.armDeadline() else { return }
        exchange.connectionGoingAway = goingAway
        if !streams.start(exchange) {
            // Every stream ID is used (after some billion streams): the next request opens a
            // new connection.
            exchange.failedToStart(HTTP2AnswerError.connectionClosed)
            close()
        }
    }

    /// Streams open on the connection (for tests).
    var openStreams: Int { streams.count }

    // MARK: Connecting

    /// Where and how to connect.
    struct Endpoint: Sendable {
        var host: String
        var port: Int
        /// The name TLS verifies and sends (SNI); nil for an IP address (verified against it).
        var serverName: String?
        var connectTimeout: TimeAmount
        /// How long the TLS handshake may take once connected.
        var handshakeTimeout: TimeAmount = .seconds(10)
        /// When a silent connection is asked whether the server is still there, and given up.
        var liveness = ConnectionLiveness()
    }

    /// What a connection attempt found.
    enum Outcome {
        case http2(HTTP2Session)
        /// The server did not choose HTTP/2 (ALPN): the caller talks HTTP/1.1 another way.
        case notOffered
    }

    /// The local settings: streams of up to 1 MB in flight each (the window), which the
    /// exchanges open as their receivers take what came.
    static let windowSize = 1 << 20
    static let connectionWindowSize = 8 << 20

    /// Connects, shakes hands and sets up HTTP/2 when the server offers it. The connection reads
    /// little at a time (`ConnectionReadBuffers`) and keeps its buffers of 16 KB and more on pages
    /// of their own (`ConnectionBufferPages`): it may idle for hours.
    static func connect(to endpoint: Endpoint, tls: NIOSSLContext, on eventLoop: any EventLoop, logger: Logger) -> EventLoopFuture<Outcome> {
        let negotiation = Negotiation(eventLoop.makePromise(of: Outcome.self))
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(endpoint.connectTimeout)
            .channelOption(ChannelOptions.recvAllocator,
                           value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: ConnectionReadBuffers.maximumRead))
            .channelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            .channelOption(ChannelOptions.allocator, value: ConnectionBufferPages.allocator)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: endpoint.serverName))
                    try pipeline.addHandler(ReadClock())
                    // Before anything is read: every read after the handshake starts a frame.
                    try pipeline.addHandler(FrameAlignedReads(logger: logger))
                    try pipeline.addHandler(HandshakeWait(negotiation: negotiation, liveness: endpoint.liveness, logger: logger))
                }
            }
        bootstrap.connect(host: endpoint.host, port: endpoint.port).whenComplete { result in
            switch result {
            case .success(let channel):
                let timeout = eventLoop.scheduleTask(in: endpoint.handshakeTimeout) {
                    negotiation.complete(.failure(HTTP2AnswerError.handshakeTimedOut))
                    channel.close(promise: nil)
                }
                negotiation.promise.futureResult.whenComplete { _ in timeout.cancel() }
                channel.closeFuture.whenComplete { _ in negotiation.complete(.failure(HTTP2AnswerError.closedBeforeHandshake)) }
            case .failure(let error):
                negotiation.complete(.failure(error))
            }
        }
        return negotiation.promise.futureResult
    }

    /// A connection attempt's outcome, settled once (the first of handshake, error, close or
    /// timeout). On the event loop.
    private final class Negotiation: @unchecked Sendable {
        let promise: EventLoopPromise<Outcome>
        private var settled = false

        init(_ promise: EventLoopPromise<Outcome>) { self.promise = promise }

        func complete(_ result: Result<Outcome, any Error>) {
            guard !settled else { return }
            settled = true
            promise.completeWith(result)
        }
    }

    /// Waits for the TLS handshake; then sets the connection up for HTTP/2, or closes it when
    /// the server chose otherwise. Reads before then (there should be none) are kept and passed
    /// on once HTTP/2 is in place.
    private final class HandshakeWait: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        private let negotiation: Negotiation
        private let liveness: ConnectionLiveness
        private let logger: Logger
        private var early: [NIOAny] = []

        init(negotiation: Negotiation, liveness: ConnectionLiveness, logger: Logger) {
            self.negotiation = negotiation
            self.liveness = liveness
            self.logger = logger
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            early.append(data)
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            guard case TLSUserEvent.handshakeCompleted(let negotiatedProtocol) = event else {
                return context.fireUserInboundEventTriggered(event)
            }
            guard negotiatedProtocol == "h2" else {
                negotiation.complete(.success(.notOffered))
                context.close(promise: nil)
                return
            }
            do {
                let session = try HTTP2Session.configure(context.channel, liveness: liveness, logger: logger)
                let early = self.early
                self.early = []
                for data in early { context.fireChannelRead(data) }
                if !early.isEmpty { context.fireChannelReadComplete() }
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
                negotiation.complete(.success(.http2(session)))
            } catch {
                negotiation.complete(.failure(error))
                context.close(promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            negotiation.complete(.failure(error))
            context.close(promise: nil)
        }
    }
}

/// Notes the server's GOAWAY: the connection takes no new streams from then on (those open go on
/// until they end), and the next request opens a new one.
final class GoAwayWatch: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTP2Frame

    private let flag = Atomic(false)
    /// The last stream the server's latest GOAWAY said it may have acted on.
    private let lastStreamID = Atomic<Int32>(.max)
    var received: Bool { flag.load(ordering: .acquiring) }

    /// Whether the server's GOAWAY left this stream out (its ID is above the GOAWAY's last stream
    /// ID): the server did not act on it, and the request may be sent again, a create included
    /// (RFC 9113, section 6.8). swift-nio-http2 closes such streams with CANCEL once it has
    /// passed the GOAWAY on, that is after `channelRead` here has noted it.
    func leftOut(_ streamID: HTTP2StreamID) -> Bool {
        received && Int32(streamID) > lastStreamID.load(ordering: .relaxed)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .goAway(let last, _, _) = unwrapInboundIn(data).payload {
            // A server going away gracefully sends two: the first with the largest ID, then the
            // real one. The latest counts.
            lastStreamID.store(Int32(last), ordering: .relaxed)
            flag.store(true, ordering: .releasing)
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // swift-nio-http2 reports here what it has dealt with itself: a stream's error (the
        // stream is reset, by swift-nio-http2 or by its exchange, `HTTP2Streams`; the others go
        // on), a new stream after GOAWAY (refused; the next request opens another connection),
        // a protocol error of the server (answered with GOAWAY). Closing for those would end
        // every watch on the connection. Anything else (the socket, TLS) leaves the connection
        // unusable: close it.
        if error is any NIOHTTP2Error { return }
        context.close(promise: nil)
    }
}

/// When the connection last read anything (a frame of any stream, a PING, SETTINGS): whether
/// the server has said anything since a request went out.
final class ReadClock: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private let last = Atomic<Int64>(0)
    /// Uptime nanoseconds of the last read (0: none yet).
    var lastRead: NIODeadline { .uptimeNanoseconds(UInt64(max(0, last.load(ordering: .relaxed)))) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        last.store(Int64(NIODeadline.now().uptimeNanoseconds), ordering: .relaxed)
        context.fireChannelRead(data)
    }
}
