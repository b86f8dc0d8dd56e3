import NIOCore

/// The first handler of every LocalKube TLS connection, next to the socket: once told to, it
/// passes on nothing more either way (bytes read are dropped, bytes written go nowhere) and keeps
/// the connection open. What a client sees of a server whose host froze, or behind a network
/// path, load balancer or NAT that dropped the connection without a reset: silence, until the
/// client gives the connection up (`LocalKubeServer.silenceConnections`). A silenced connection
/// never speaks again. Confined to the channel's event loop.
final class ConnectionSilence: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var silenced = false

    func silence() { silenced = true }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !silenced else { return }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard !silenced else { return }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !silenced else {
            // Written, as far as the server knows: into a path that delivers nothing.
            promise?.succeed()
            return
        }
        context.write(data, promise: promise)
    }
}
