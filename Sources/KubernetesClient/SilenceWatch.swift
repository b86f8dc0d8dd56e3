import NIOCore
import NIOHTTP2
import Synchronization

/// Carries out `ConnectionLiveness` on an HTTP/2 connection: after the HTTP/2 handler, it writes
/// PING frames as swift-nio-http2's own (whose answer the server must send ahead of other frames,
/// RFC 9113 section 6.7), reads the connection's `ReadClock` and closes the connection when the
/// server stays silent. One timer per connection, set for the next moment that matters: a
/// connection that reads something every few seconds (watch events, bookmarks) never pings.
/// Confined to the channel's event loop, except `gaveUp`.
final class SilenceWatch: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let liveness: ConnectionLiveness
    private let readClock: ReadClock
    private let onGiveUp: (TimeAmount) -> Void
    private var setUpAt = NIODeadline.now()
    private var pingSent: NIODeadline?
    /// PINGs sent on this connection so far.
    private(set) var pingsSent: UInt64 = 0
    private var timer: Scheduled<Void>?
    private let givenUp = Atomic(false)

    /// Whether the connection was given up: it takes no new streams, though closing it may take a
    /// while yet (TLS waits up to 1 s, as `Transport` sets it, for the server's goodbye, which a
    /// silent server never sends).
    var gaveUp: Bool { givenUp.load(ordering: .acquiring) }

    /// `onGiveUp` is told how long the server had been silent, before the connection closes.
    init(liveness: ConnectionLiveness, readClock: ReadClock, onGiveUp: @escaping (TimeAmount) -> Void) {
        self.liveness = liveness
        self.readClock = readClock
        self.onGiveUp = onGiveUp
    }

    func handlerAdded(context: ChannelHandlerContext) {
        setUpAt = .now()
        if context.channel.isActive { look(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        look(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { stop() }

    private func stop() {
        timer?.cancel()
        timer = nil
    }

    private func look(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        guard context.channel.isActive else { return }
        let now = NIODeadline.now()
        let lastRead = max(readClock.lastRead, setUpAt)
        if let sent = pingSent, lastRead >= sent { pingSent = nil }
        switch liveness.next(now: now, lastRead: lastRead, pingSent: pingSent) {
        case nil:
            return
        case .lookAgain(let at):
            schedule(at: at, context: context)
        case .ping(let then):
            pingsSent &+= 1
            pingSent = now
            let ping = HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: pingsSent), ack: false))
            context.writeAndFlush(wrapOutboundOut(ping), promise: nil)
            schedule(at: then, context: context)
        case .giveUp(let silence):
            givenUp.store(true, ordering: .releasing)
            onGiveUp(silence)
            context.close(promise: nil)
        }
    }

    private func schedule(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (watch, context) = loopBound.value
            watch.look(context: context)
        }
    }
}
