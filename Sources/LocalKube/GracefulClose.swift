import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP2

/// Closes an HTTP/2 connection when the server shuts down, as a kube-apiserver does: GOAWAY
/// naming the last stream it took (the client sends new requests elsewhere), then the
/// connection closes once those streams are done, or after `timeout`.
final class GracefulClose: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    /// Streams opened and closed, told by the HTTP/2 handler (on the connection's event loop).
    let streamDelegate: StreamCounter
    private let timeout: TimeAmount
    private var closing = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
        streamDelegate = StreamCounter()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        streamDelegate.onLastStreamClosed = {
            let (handler, context) = loopBound.value
            if handler.closing { context.close(promise: nil) }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        streamDelegate.onLastStreamClosed = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        guard !closing else { return }
        closing = true
        let goAway = HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: streamDelegate.lastStreamID, errorCode: .noError, opaqueData: nil))
        context.writeAndFlush(wrapOutboundOut(goAway), promise: nil)
        if streamDelegate.openStreams == 0 {
            context.close(promise: nil)
            return
        }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: timeout) { loopBound.value.close(promise: nil) }
    }

    /// Counts the connection's open streams. Every call comes on the connection's event loop.
    final class StreamCounter: NIOHTTP2StreamDelegate, @unchecked Sendable {
        private(set) var openStreams = 0
        private(set) var lastStreamID: HTTP2StreamID = .rootStream
        var onLastStreamClosed: (() -> Void)?

        func streamCreated(_ id: HTTP2StreamID, channel: any Channel) {
            openStreams += 1
            if id > lastStreamID { lastStreamID = id }
        }

        func streamClosed(_ id: HTTP2StreamID, channel: any Channel) {
            openStreams -= 1
            if openStreams == 0 { onLastStreamClosed?() }
        }
    }
}
