import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOHTTP2
import NIOSSL
import Synchronization

/// LocalKube's TLS connections: HummingbirdHTTP2's HTTP/1.1-or-HTTP/2 channel, with a connection
/// that hits an error, or whose handling task is cancelled, closed at once instead of staying
/// open without anyone taking its streams.
///
/// swift-nio-http2 (1.46) ends a connection's sequence of inbound streams when an error reaches
/// its handler (a TLS or socket error) while the connection itself stays open; a stream the client
/// opens after that is dropped, and dropping it traps the process ("Deinited NIOAsyncWriter without
/// calling finish()") or leaves the request unanswered. A real kube-apiserver (Go's HTTP/2 server)
/// closes a connection that fails; `ConnectionFailureCloser` does the same, ahead of the HTTP/2
/// handler, and hands it nothing more from that connection.
/// `Wrapped` is HummingbirdHTTP2's channel, or HummingbirdTLS's over HTTP/1.1 for a server that
/// offers only HTTP/1.1 (`LocalKubeServer.start(offersHTTP2: false)`).
struct TLSConnectionChannel<Wrapped: ServerChildChannel>: ServerChildChannel {
    typealias Value = Wrapped.Value

    let upgrade: Wrapped
    let connections: OpenConnections

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard connections.add(channel) else {
            // The server is stopping: a client that reconnected in the meantime gets no HTTP/2
            // connection whose streams nobody would take.
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
        }
        let value = upgrade.setup(channel: channel, logger: logger)
        do {
            try channel.pipeline.syncOperations.addHandler(ConnectionSilence(), position: .first)
            // `setup` added the TLS handler synchronously (we are on the channel's event loop).
            let tls = try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
            try channel.pipeline.syncOperations.addHandler(ConnectionFailureCloser(logger: logger), position: .after(tls))
        } catch {
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(error)
        }
        return value
    }

    /// The connection's streams are taken until the connection ends, whatever happens to the
    /// task that handles it: cancelled (the server stopping), it closes the connection instead
    /// of leaving off taking streams from a connection that stays open — swift-nio-http2 drops,
    /// and traps on, a stream nobody takes.
    func handle(value: Value, logger: Logger) async {
        let streams = Task { await upgrade.handle(value: value, logger: logger) }
        await withTaskCancellationHandler {
            await streams.value
        } onCancel: {
            value.channel.close(promise: nil)
        }
    }
}

/// Closes the connection on the first error that reaches it and passes on no more reads or errors,
/// so the handlers after it see the connection end (`channelInactive`) rather than an error on a
/// connection that stays open.
final class ConnectionFailureCloser: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias InboundOut = NIOAny

    private let logger: Logger
    private(set) var failed = false

    init(logger: Logger) { self.logger = logger }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard !failed else { return }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !failed else { return }
        failed = true
        logger.debug("LocalKube connection closed after an error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}

/// The server's open connections, closed all at once when it stops — before its graceful shutdown
/// ends the tasks that take each connection's streams: a stream a client opens on a connection
/// whose stream consumer has ended is dropped by swift-nio-http2, and dropping it traps ("Deinited
/// NIOAsyncWriter without calling finish()"). This closes one way to get there (servers stopped
/// while their clients still use them): once closing has begun, a connection accepted before the
/// listener stops (a client reconnecting at once, as watches do) is refused, not served. The trap
/// was still seen now and then before that last part (README, tests).
final class OpenConnections: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var accepted = 0
        var closing = false
    }
    private let state = Mutex(State())

    /// Keeps `channel` to close it with the others; false once `closeAll` has begun (the caller
    /// closes it).
    func add(_ channel: any Channel) -> Bool {
        let key = ObjectIdentifier(channel)
        let added = state.withLock { state in
            guard !state.closing else { return false }
            state.channels[key] = channel
            state.accepted += 1
            return true
        }
        guard added else { return false }
        channel.closeFuture.whenComplete { [weak self] _ in _ = self?.state.withLock { $0.channels.removeValue(forKey: key) } }
        return true
    }

    /// Closes every open connection and waits until they are closed; refuses new ones from now on.
    func closeAll() async {
        state.withLock { $0.closing = true }
        for channel in openChannels { try? await channel.close() }
    }

    /// Closes the connections open now (new ones are taken as before): what a restarted API
    /// server or a load balancer dropping its connections does to clients.
    func closeOpen() async {
        for channel in openChannels { try? await channel.close() }
    }

    /// Sends GOAWAY on the HTTP/2 connections open now (see `LocalKubeServer.askConnectionsToGoAway`):
    /// written from the pipeline's end, so swift-nio-http2's handler sends it as its own.
    func sendGoAway() {
        for channel in openChannels {
            channel.eventLoop.execute {
                // HTTP/1.1 connections have no GOAWAY.
                guard (try? channel.pipeline.syncOperations.handler(type: NIOHTTP2Handler.self)) != nil else { return }
                let goAway = HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: .maxID, errorCode: .noError, opaqueData: nil))
                channel.writeAndFlush(goAway, promise: nil)
            }
        }
    }

    /// Silences the connections open now (`ConnectionSilence`): they stay open, and carry nothing
    /// more either way. Returns once every one is silent.
    func silenceOpen() async {
        for channel in openChannels {
            try? await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.handler(type: ConnectionSilence.self).silence()
            }.get()
        }
    }

    /// The connections open now.
    private var openChannels: [any Channel] { state.withLock { Array($0.channels.values) } }

    var count: Int { state.withLock { $0.channels.count } }
    var accepted: Int { state.withLock { $0.accepted } }
}
