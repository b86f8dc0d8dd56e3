import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOHTTP2

/// Who waits for an exchange's answer. Called on the connection's event loop, in this order:
/// `receivedHead` once (the final head; informational 1xx heads are skipped), `receivedBody`
/// for each piece of the body, `ended` once. `ended` may come without a head (the stream failed
/// first) and is the last call in every case.
protocol HTTP2AnswerReceiver: AnyObject, Sendable {
    func receivedHead(status: Int, headers: HTTPHeaders)
    /// The next piece is read once the future completes (backpressure); a failed future ends
    /// the exchange with that error.
    func receivedBody(_ buffer: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<Void>
    func ended(_ result: Result<Void, any Error>)
}

/// One request and its answer on an HTTP/2 stream of an `HTTP2Session`: the handler of the
/// stream's channel. It writes the request (HEADERS, then DATA when there is a body), reads the
/// answer only as fast as its receiver takes it (the stream's flow-control window holds the
/// server back meanwhile), and ends once: at the answer's end, at a reset or error of the
/// stream, or when cancelled (`cancel`, which resets the stream). No state per request beyond
/// this object and the stream's channel.
final class HTTP2Exchange: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    /// Confined to `eventLoop`.
    private let eventLoop: any EventLoop
    /// The request until it is sent (then dropped: a watch holds its exchange for its whole
    /// life, and the head carries the credentials).
    private var request: (headers: HPACKHeaders, body: ByteBuffer?)?
    private let receiver: any HTTP2AnswerReceiver
    private var context: ChannelHandlerContext?
    private var headReceived = false
    /// Set once `ended` was called: nothing is delivered after.
    private var finished = false
    /// Body pieces the receiver has not taken yet: no read is asked for until it has them all.
    private var piecesWithReceiver = 0
    /// The answer ended while the receiver was still taking a piece.
    private var endAfterReceiver = false
    /// Inside the call that hands the receiver a piece.
    private var delivering = false
    /// Cancelled before the stream's channel existed: it is closed as soon as it does.
    private var cancelledBeforeStart: (any Error)?
    /// The GOAWAY watch of the connection the stream opens on (set by `HTTP2Session.start`, on
    /// the event loop): tells a stream the server's GOAWAY left out from one it cancelled.
    var connectionGoingAway: GoAwayWatch?
    /// When the exchange ends unless it has ended before (the whole answer, not just its head).
    private let deadline: NIODeadline
    private let limit: Duration
    /// The deadline's callback: the exchange itself is the handler (`NIOScheduledCallbackHandler`),
    /// so arming it allocates nothing, where a scheduled closure cost about 290 bytes per open
    /// watch (its promise, closure and cancellation), 5 KB per cluster (heaptrack,
    /// `Benchmarks/README.md`).
    private var deadlineTimer: NIOScheduledCallback?

    /// - limit: how long the exchange may take, for the error that says so; ends at `deadline`.
    init(headers: HPACKHeaders, body: ByteBuffer?, receiver: any HTTP2AnswerReceiver, deadline: NIODeadline, limit: Duration,
         eventLoop: any EventLoop) {
        self.request = (headers, body)
        self.receiver = receiver
        self.deadline = deadline
        self.limit = limit
        self.eventLoop = eventLoop
    }

    /// Starts the clock: at the deadline, the exchange ends with `HTTP2AnswerError.timedOut`.
    /// On the event loop, before the stream is opened.
    /// Returns false when the exchange has ended instead (the event loop is shutting down): no
    /// stream is to be opened for it.
    @discardableResult
    func armDeadline() -> Bool {
        eventLoop.assertInEventLoop()
        guard !finished else { return false }
        guard deadlineTimer == nil else { return true }
        do {
            deadlineTimer = try eventLoop.scheduleCallback(at: deadline, handler: self)
            return true
        } catch {
            // The event loop is shutting down: nothing more will be read.
            finish(.failure(error))
            return false
        }
    }

    /// Ends the exchange with `error` (the receiver is told at once) and resets its stream. Safe
    /// from any thread, before or after the stream opened, and more than once.
    func cancel(with error: any Error) {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.cancel(with: error) }
            return
        }
        guard !finished else { return }
        if let context {
            finish(.failure(error))
            context.close(promise: nil)
        } else {
            cancelledBeforeStart = error
            finish(.failure(error))
        }
    }

    /// The stream could not be opened (the connection is gone, or refuses new streams).
    func failedToStart(_ error: any Error) {
        eventLoop.assertInEventLoop()
        finish(.failure(error))
    }

    // MARK: The stream's channel

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if cancelledBeforeStart != nil {
            context.close(promise: nil)
            return
        }
        if context.channel.isActive { send(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        send(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        switch unwrapInboundIn(data) {
        case .headers(let answer):
            if !headReceived {
                guard let statusText = answer.headers.first(name: ":status"), let status = Int(statusText) else {
                    fail(context: context, HTTP2AnswerError.malformedHead)
                    return
                }
                // Informational (100 Continue and the like): the final head follows.
                if (100..<200).contains(status) { return }
                headReceived = true
                var converted = HTTPHeaders()
                for (name, value, _) in answer.headers where !name.hasPrefix(":") { converted.add(name: name, value: value) }
                receiver.receivedHead(status: status, headers: converted)
            }
            // Trailers, or a head that ends the stream.
            if answer.endStream { answerEnded(context: context) }
        case .data(let data):
            guard headReceived else {
                fail(context: context, HTTP2AnswerError.bodyBeforeHead)
                return
            }
            if case .byteBuffer(let buffer) = data.data, buffer.readableBytes > 0 {
                piecesWithReceiver += 1
                delivering = true
                receiver.receivedBody(buffer, on: context.eventLoop).hop(to: context.eventLoop).whenComplete { result in
                    self.piecesWithReceiver -= 1
                    switch result {
                    case .success:
                        guard self.piecesWithReceiver == 0 else { return }
                        if self.endAfterReceiver {
                            self.finish(.success(()))
                        } else if !self.finished, !self.delivering {
                            // Taken later: ask for more now. (Taken at once, inside this read:
                            // `channelReadComplete` asks; asking from here would deliver the
                            // stream's next buffered frame inside this call, one level deeper
                            // per frame.)
                            self.context?.read()
                        }
                    case .failure(let error):
                        if let context = self.context { self.fail(context: context, error) } else { self.finish(.failure(error)) }
                    }
                }
                delivering = false
            }
            if data.endStream { answerEnded(context: context) }
        case .rstStream(let code):
            fail(context: context, HTTP2AnswerError.reset(code))
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !finished, piecesWithReceiver == 0 { context.read() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A stream closes once its answer has ended: then the receiver may still be taking the
        // last pieces, and the exchange ends when it has.
        if !endAfterReceiver { finish(.failure(HTTP2AnswerError.streamClosed)) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let closed = error as? NIOHTTP2Errors.StreamClosed {
            // A stream the server refused (RST_STREAM(REFUSED_STREAM)) may reach us as the
            // stream's close event rather than the frame: not acted on either.
            if closed.errorCode == .refusedStream {
                return fail(context: context, HTTP2AnswerError.reset(.refusedStream))
            }
            // Streams a GOAWAY leaves out (above its last stream ID) swift-nio-http2 closes with
            // CANCEL, as a server's own CANCEL looks; the GOAWAY tells them apart. (One whose
            // answer began was acted on, whatever a faulty server's GOAWAY says.)
            if closed.errorCode == .cancel, !headReceived, connectionGoingAway?.leftOut(closed.streamID) == true {
                return fail(context: context, HTTP2AnswerError.leftOutByGoAway)
            }
        }
        fail(context: context, error)
    }

    // MARK: Helpers

    private func send(context: ChannelHandlerContext) {
        guard !finished, let (headers, body) = request else { return }
        request = nil
        let headSent = context.eventLoop.makePromise(of: Void.self)
        headSent.futureResult.whenFailure { [self] error in headNotSent(error) }
        context.write(wrapOutboundOut(.headers(.init(headers: headers, endStream: body == nil))), promise: headSent)
        if let body {
            context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(body), endStream: true))), promise: nil)
        }
        context.flush()
        context.read()
    }

    /// The request's HEADERS did not go out. A stream held back by the server's stream limit
    /// (`SETTINGS_MAX_CONCURRENT_STREAMS`) when its GOAWAY arrived is refused by swift-nio-http2's
    /// state machine as it would open: `CreatedStreamAfterGoaway` while other streams go on,
    /// `IOOnClosedConnection` once the last has ended. Either way the server never saw it, and
    /// it may be sent again whatever its verb. (Before, the exchange was left waiting: for its
    /// deadline, or for the connection's close; a write was then not resent.)
    private func headNotSent(_ error: any Error) {
        let refused = error is NIOHTTP2Errors.CreatedStreamAfterGoaway || error is NIOHTTP2Errors.IOOnClosedConnection
        let error: any Error = refused ? HTTP2AnswerError.leftOutByGoAway : error
        if let context { fail(context: context, error) } else { finish(.failure(error)) }
    }

    private func answerEnded(context: ChannelHandlerContext) {
        if piecesWithReceiver > 0 {
            endAfterReceiver = true
        } else {
            finish(.success(()))
        }
    }

    private func fail(context: ChannelHandlerContext, _ error: any Error) {
        guard !finished else { return }
        finish(.failure(error))
        context.close(promise: nil)
    }

    private func finish(_ result: Result<Void, any Error>) {
        guard !finished else { return }
        finished = true
        request = nil
        deadlineTimer?.cancel()
        deadlineTimer = nil
        receiver.ended(result)
    }
}

/// What went wrong with an answer on an HTTP/2 stream.
struct HTTP2AnswerError: Error, CustomStringConvertible {
    private enum Code {
        case malformedHead, bodyBeforeHead, reset(HTTP2ErrorCode), streamClosed, tooLarge(Int), handshakeTimedOut, closedBeforeHandshake
        case timedOut(Duration), connectionClosed, leftOutByGoAway
    }

    private let code: Code

    static let malformedHead = HTTP2AnswerError(code: .malformedHead)
    static let bodyBeforeHead = HTTP2AnswerError(code: .bodyBeforeHead)
    static let streamClosed = HTTP2AnswerError(code: .streamClosed)
    static func reset(_ code: HTTP2ErrorCode) -> HTTP2AnswerError { HTTP2AnswerError(code: .reset(code)) }
    static func timedOut(after limit: Duration) -> HTTP2AnswerError { HTTP2AnswerError(code: .timedOut(limit)) }
    static let connectionClosed = HTTP2AnswerError(code: .connectionClosed)
    static let leftOutByGoAway = HTTP2AnswerError(code: .leftOutByGoAway)
    static let handshakeTimedOut = HTTP2AnswerError(code: .handshakeTimedOut)
    static let closedBeforeHandshake = HTTP2AnswerError(code: .closedBeforeHandshake)
    static func tooLarge(limit: Int) -> HTTP2AnswerError { HTTP2AnswerError(code: .tooLarge(limit)) }

    /// The exchange ran out of time.
    var isTimeout: Bool {
        if case .timedOut = code { return true }
        return false
    }

    /// The server certainly did not act on the request: the stream never opened (the connection
    /// closed, or the server sent GOAWAY, first), the server refused it (`REFUSED_STREAM`, which
    /// HTTP/2 defines as "no processing has occurred"), or its GOAWAY left the stream out (open,
    /// or still held back by the server's stream limit). Any request, a create included, may be
    /// sent again.
    var wasNotProcessed: Bool {
        switch code {
        case .connectionClosed, .reset(.refusedStream), .leftOutByGoAway: return true
        default: return false
        }
    }

    /// The TLS handshake did not finish in time (a server that closes during the handshake,
    /// a restart say, is a transport failure, retried as one).
    var isHandshake: Bool {
        if case .handshakeTimedOut = code { return true }
        return false
    }

    var description: String {
        switch code {
        case .malformedHead: return "the server's answer had no valid :status"
        case .bodyBeforeHead: return "the server sent a body before its answer's head"
        case .reset(let code): return "the server reset the stream (\(code))"
        case .streamClosed: return "the stream closed before its answer ended"
        case .tooLarge(let limit): return "the answer is larger than \(limit) bytes"
        case .handshakeTimedOut: return "TLS handshake timed out"
        case .timedOut(let limit): return "no complete answer within \(limit)"
        case .connectionClosed: return "the connection closed, or the server sent GOAWAY, before the stream opened"
        case .leftOutByGoAway: return "the server's GOAWAY left the stream out: it did not act on the request"
        case .closedBeforeHandshake: return "the server closed the connection during the TLS handshake"
        }
    }
}

extension HTTP2Exchange: NIOScheduledCallbackHandler {
    /// The deadline passed before the exchange ended.
    func handleScheduledCallback(eventLoop: some EventLoop) {
        deadlineTimer = nil
        cancel(with: HTTP2AnswerError.timedOut(after: limit))
    }
}
