import NIOCore
import NIOHTTP2

/// The streams of one HTTP/2 connection, without a channel each: after swift-nio-http2's
/// handler (which keeps the protocol's state: stream states, the server's stream limit, the
/// outbound windows), it numbers the streams the exchanges open, hands each its frames by stream
/// ID, and gives the server room to send (WINDOW_UPDATE) as the readers take what came.
///
/// Why not swift-nio-http2's multiplexer: it makes a channel, a pipeline and a frame buffer for
/// every stream, about 1.3 KB per open watch and 25 KB per cluster (heaptrack,
/// `Benchmarks/README.md`), for watches that idle for hours.
///
/// Frames of the connection itself (stream 0: GOAWAY, PING, SETTINGS), errors and events pass on
/// to the handlers after it. Confined to the channel's event loop.
final class HTTP2Streams: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private var context: ChannelHandlerContext?
    private var open: [HTTP2StreamID: HTTP2Exchange] = [:]
    private var nextStreamID = HTTP2StreamID(1)
    private var connectionWindow: InboundWindow
    /// The target of each stream's window (our SETTINGS_INITIAL_WINDOW_SIZE).
    let streamWindow: Int

    init(streamWindow: Int, connectionWindow: Int) {
        self.streamWindow = streamWindow
        self.connectionWindow = InboundWindow(target: connectionWindow)
    }

    /// Streams opened and not yet closed.
    var count: Int { open.count }

    /// Opens a stream for `exchange` and sends its request. False when there is none to open:
    /// the handler is gone, or the connection has used every stream ID (it then takes no more).
    func start(_ exchange: HTTP2Exchange) -> Bool {
        guard let context, nextStreamID < .maxID else { return false }
        let id = nextStreamID
        nextStreamID = HTTP2StreamID(Int32(id) + 2)
        open[id] = exchange
        exchange.opened(id, on: self)
        context.flush()
        return true
    }

    /// Writes a frame of a stream (not flushed: `flush`).
    func write(_ frame: HTTP2Frame, promise: EventLoopPromise<Void>?) {
        guard let context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(wrapOutboundOut(frame), promise: promise)
    }

    func flush() { context?.flush() }

    /// Ends a stream from our side (RST_STREAM(CANCEL)): its exchange ended before its answer did.
    /// It is taken off the table at once: what the server still sends on it is dropped, and a
    /// stream still held back by the server's stream limit (which swift-nio-http2 then drops
    /// unsent) has no close event to come.
    func reset(_ id: HTTP2StreamID) {
        guard open.removeValue(forKey: id) != nil else { return }
        write(HTTP2Frame(streamID: id, payload: .rstStream(.cancel)), promise: nil)
        flush()
    }

    /// Takes a stream off the table without a word to the server: its HEADERS never went out.
    func forget(_ id: HTTP2StreamID) {
        open[id] = nil
    }

    // MARK: The connection's channel

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        closeAll()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.streamID != .rootStream else { return context.fireChannelRead(data) }
        // A frame of a stream no longer open here (reset by us, the server's frames still on
        // their way; or pushed, which SETTINGS_ENABLE_PUSH 0 forbids): dropped. Its bytes still
        // count against the connection's window, which the next report of it tops up.
        open[frame.streamID]?.received(frame.payload)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let closed as StreamClosedEvent:
            open.removeValue(forKey: closed.streamID)?.closed(reason: closed.reason)
        case let window as NIOHTTP2WindowUpdatedEvent:
            guard let size = window.inboundWindowSize else { break }
            if window.streamID == .rootStream {
                // Sent once this event is handled (see `HTTP2Exchange.giveRoom`).
                if let increment = connectionWindow.sizeChanged(to: size) {
                    context.eventLoop.execute {
                        self.connectionWindow.incrementDone(increment)
                        self.sendWindowUpdate(increment, for: .rootStream)
                    }
                }
            } else {
                open[window.streamID]?.windowChanged(to: size)
            }
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // swift-nio-http2 refused a write of one stream (a WINDOW_UPDATE after the server ended
        // the stream, say): that exchange fails and resets its stream; the others go on. What
        // goes on to the handlers after this one is the error itself, as the multiplexer passed
        // it: wrapped, it is no `NIOHTTP2Error`, and `GoAwayWatch` would close the connection.
        if let streamError = error as? NIOHTTP2Errors.StreamError {
            open[streamError.streamID]?.failed(streamError.baseError)
            return context.fireErrorCaught(streamError.baseError)
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closeAll()
        context.fireChannelInactive()
    }

    // MARK: Helpers

    /// Gives the server `increment` more bytes of room on a stream (or the connection).
    func sendWindowUpdate(_ increment: Int, for id: HTTP2StreamID) {
        write(HTTP2Frame(streamID: id, payload: .windowUpdate(windowSizeIncrement: increment)), promise: nil)
        flush()
    }

    /// The connection is gone: every stream still open ends.
    private func closeAll() {
        let streams = open
        open = [:]
        for exchange in streams.values { exchange.closed(reason: nil) }
    }
}
