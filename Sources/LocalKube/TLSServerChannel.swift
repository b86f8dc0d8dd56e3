import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP2
import NIOHTTPTypes
import NIOHTTPTypesHTTP2
import NIOSSL
import NIOTLS

/// LocalKube's connections: TLS, then HTTP/2 when the client offers `h2` (as kubectl and our
/// client do) and HTTP/1.1 otherwise — what a kube-apiserver serves.
///
/// Written for LocalKube rather than taken from HummingbirdHTTP2's `http2Upgrade`, whose
/// connections crash the process when a stream arrives after the connection stopped handing
/// streams over (swift-nio-http2 1.46 drops the new stream's `NIOAsyncChannel`, and its writer
/// traps: "Deinited NIOAsyncWriter without calling finish()"; seen in the test suite while
/// servers and clients stopped). Here every stream is handed over in a `StreamHandoff` that
/// closes a stream nobody took, a connection that hands over no more streams is closed (so its
/// client opens a new one), and a server that shuts down sends GOAWAY and closes each
/// connection once its streams are done.
struct TLSServerChannel: HTTPChannelHandler {
    struct HTTP2Connection: Sendable {
        let streams: NIOHTTP2Handler.AsyncStreamMultiplexer<StreamHandoff>
        let channel: any Channel
    }

    typealias Negotiated = NIONegotiatedHTTPVersion<HTTP1Channel.Value, HTTP2Connection>

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    private let sslContext: NIOSSLContext
    private let http1: HTTP1Channel
    /// How long a shutting-down server waits for a connection's open streams (watches end
    /// with their cluster first).
    private let gracefulCloseTimeout: TimeAmount

    var responder: Responder { http1.responder }

    /// - Parameter sslContext: its configuration offers `h2` and `http/1.1` by ALPN.
    init(sslContext: NIOSSLContext, gracefulCloseTimeout: TimeAmount = .seconds(5), responder: @escaping Responder) {
        self.sslContext = sslContext
        http1 = HTTP1Channel(responder: responder)
        self.gracefulCloseTimeout = gracefulCloseTimeout
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
            let negotiation = NIOTypedApplicationProtocolNegotiationHandler<Negotiated> { result, channel in
                switch result {
                case .negotiated("h2"):
                    return channel.eventLoop.makeCompletedFuture { .http2(try setUpHTTP2(channel)) }
                case .negotiated("http/1.1"), .fallback:
                    return http1.setup(channel: channel, logger: logger).map { .http1_1($0) }
                case .negotiated(let other):
                    return channel.close().flatMapThrowing { throw ServingError.unsupportedProtocol(other) }
                }
            }
            try channel.pipeline.syncOperations.addHandler(negotiation)
            return Value(negotiated: negotiation.protocolNegotiationResult, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .http1_1(let connection):
                await http1.handle(value: connection, logger: logger)
            case .http2(let connection):
                await serve(connection, logger: logger)
            }
        } catch {
            logger.debug("connection ended before its protocol was agreed", metadata: ["error": "\(error)"])
        }
    }

    private func setUpHTTP2(_ channel: any Channel) throws -> HTTP2Connection {
        let closer = GracefulClose(timeout: gracefulCloseTimeout)
        let streams = try channel.pipeline.syncOperations.configureAsyncHTTP2Pipeline(
            mode: .server, streamDelegate: closer.streamDelegate
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTPServerCodec())
                return StreamHandoff(try HTTP1Channel.Value(wrappingChannelSynchronously: stream))
            }
        }
        try channel.pipeline.syncOperations.addHandler(closer)
        return HTTP2Connection(streams: streams, channel: channel)
    }

    private func serve(_ connection: HTTP2Connection, logger: Logger) async {
        await withDiscardingTaskGroup { group in
            do {
                for try await handoff in connection.streams.inbound {
                    guard let stream = handoff.take() else { continue }
                    group.addTask { await http1.handleHTTP(asyncChannel: stream, logger: logger) }
                }
            } catch {
                logger.debug("HTTP/2 connection stopped handing over streams", metadata: ["error": "\(error)"])
            }
            // No further stream would be served: the client must open a new connection.
            connection.channel.close(promise: nil)
        }
    }

    enum ServingError: Error, CustomStringConvertible {
        case unsupportedProtocol(String)

        var description: String {
            switch self {
            case .unsupportedProtocol(let name): "the client negotiated \(name), which is not served (h2, http/1.1)"
            }
        }
    }
}

/// One HTTP/2 stream on its way from the connection to the task that serves it. A stream the
/// connection could not hand over (it had stopped taking streams) is closed here instead of
/// being dropped with an unfinished writer.
final class StreamHandoff: Sendable {
    private let stream: NIOLockedValueBox<HTTP1Channel.Value?>

    init(_ stream: HTTP1Channel.Value) {
        self.stream = NIOLockedValueBox(stream)
    }

    /// The stream, once; nil after it was taken.
    func take() -> HTTP1Channel.Value? {
        stream.withLockedValue { value in
            defer { value = nil }
            return value
        }
    }

    deinit {
        guard let abandoned = take() else { return }
        Task { try? await abandoned.executeThenClose { _, outbound in outbound.finish() } }
    }
}
