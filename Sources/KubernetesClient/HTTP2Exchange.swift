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
    /// Pieces are handed over as they arrive, possibly before the last one's future completed;
    /// the server gets room to send more (the stream's flow-control window) only as the futures
    /// complete (backpressure). A failed future ends the exchange with that error.
    func receivedBody(_ buffer: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<Void>
    func ended(_ result: Result<Void, any Error>)
}

/// One request and its answer on an HTTP/2 stream of an `HTTP2Session` (`HTTP2Streams` hands
/// it its stream's frames). It writes the request (HEADERS, then DATA when there is a body),
/// hands the answer to its receiver and gives the server room to send more (WINDOW_UPDATE) only
/// as the receiver takes it, and ends once: at the answer's end, at a reset or error of the
/// stream, or when cancelled (`cancel`, which resets the stream). No state per request beyond
/// this object.
final class HTTP2Exchange: @unchecked Sendable {
    /// Confined to `eventLoop`.
    private let eventLoop: any EventLoop
    /// The request until it is sent (then dropped: a watch holds its exchange for its whole
    /// life, and the head carries the credentials).
    private var request: (headers: HPACKHeaders, body: ByteBuffer?)?
    private let receiver: any HTTP2AnswerReceiver
    /// The stream, once opened.
    private var stream: (id: HTTP2StreamID, streams: HTTP2Streams)?
    private var window: InboundWindow?
    private var headReceived = false
    /// Set once `ended` was called: nothing is delivered after.
    private var finished = false
    /// Body pieces the receiver has not taken yet.
    private var piecesWithReceiver = 0
    /// The answer ended while the receiver was still taking a piece.
    private var endAfterReceiver = false
    /// Set while a frame that ends the answer (END_STREAM) is being handled: the stream's clean
    /// close, which swift-nio-http2 may report while that frame is still being handled (when
    /// something writes to the connection meanwhile), is no early end.
    private var answerEnding = false
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
    /// Returns false when the exchange has ended instead (it was cancelled, or the event loop is
    /// shutting down): no stream is to be opened for it.
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
        fail(error)
    }

    /// The stream could not be opened (the connection is gone, or refuses new streams).
    func failedToStart(_ error: any Error) {
        eventLoop.assertInEventLoop()
        finish(.failure(error))
    }

    // MARK: What the stream's connection tells it (HTTP2Streams), on the event loop

    /// The stream is `id` on `streams`: sends the request (flushed by the caller).
    func opened(_ id: HTTP2StreamID, on streams: HTTP2Streams) {
        stream = (id, streams)
        window = InboundWindow(target: streams.streamWindow)
        guard !finished, let (headers, body) = request else { return }
        request = nil
        let headSent = eventLoop.makePromise(of: Void.self)
        headSent.futureResult.whenFailure { [self] error in headNotSent(error) }
        streams.write(HTTP2Frame(streamID: id, payload: .headers(.init(headers: headers, endStream: body == nil))), promise: headSent)
        if let body {
            streams.write(HTTP2Frame(streamID: id, payload: .data(.init(data: .byteBuffer(body), endStream: true))), promise: nil)
        }
    }

    /// A frame of the stream arrived.
    func received(_ payload: HTTP2Frame.FramePayload) {
        guard !finished else { return }
        let endsAnswer: Bool
        switch payload {
        case .headers(let headers): endsAnswer = headers.endStream
        case .data(let data): endsAnswer = data.endStream
        default: endsAnswer = false
        }
        if endsAnswer {
            // Nothing more comes: no more room to give (a WINDOW_UPDATE on a stream the server
            // has ended is refused, and would fail the exchange).
            window?.closed = true
            answerEnding = true
        }
        defer { answerEnding = false }
        switch payload {
        case .headers(let answer):
            if !headReceived {
                guard let statusText = answer.headers.first(name: ":status"), let status = Int(statusText) else {
                    fail(HTTP2AnswerError.malformedHead)
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
            if endsAnswer { answerEnded() }
        case .data(let data):
            guard headReceived else {
                fail(HTTP2AnswerError.bodyBeforeHead)
                return
            }
            // What counts against the window: the data, and the padding with its length byte.
            let counted = data.data.readableBytes + (data.paddingBytes.map { $0 + 1 } ?? 0)
            if case .byteBuffer(let buffer) = data.data, buffer.readableBytes > 0 {
                piecesWithReceiver += 1
                window?.delivered(counted)
                receiver.receivedBody(buffer, on: eventLoop).hop(to: eventLoop).whenComplete { result in
                    self.piecesWithReceiver -= 1
                    switch result {
                    case .success:
                        self.taken(counted)
                        if self.piecesWithReceiver == 0, self.endAfterReceiver { self.finish(.success(())) }
                    case .failure(let error):
                        self.fail(error)
                    }
                }
            } else if counted > 0 {
                // Padding alone: nothing for the receiver, room given back at once.
                window?.delivered(counted)
                taken(counted)
            }
            if endsAnswer { answerEnded() }
        case .rstStream(let code):
            // The stream is closed already: no reset of ours follows.
            stream = nil
            finish(.failure(HTTP2AnswerError.reset(code)))
        default:
            break
        }
    }

    /// swift-nio-http2 reports the room the server has left to send on the stream.
    func windowChanged(to size: Int) {
        guard !finished, let increment = window?.sizeChanged(to: size) else { return }
        giveRoom(increment)
    }

    /// The stream closed (`reason`: the error code it closed with; nil when it ended cleanly, or
    /// its connection closed).
    func closed(reason: HTTP2ErrorCode?) {
        let id = stream?.id
        stream = nil
        // A stream closes once its answer has ended: then the receiver may still be taking the
        // last pieces, and the exchange ends when it has.
        guard !finished, !endAfterReceiver, !(answerEnding && reason == nil) else { return }
        switch reason {
        case nil:
            finish(.failure(HTTP2AnswerError.streamClosed))
        case .refusedStream?:
            // The server refused the stream (RST_STREAM(REFUSED_STREAM)), seen as its close.
            finish(.failure(HTTP2AnswerError.reset(.refusedStream)))
        case let code?:
            // Streams a GOAWAY leaves out (above its last stream ID) swift-nio-http2 closes with
            // CANCEL, as a server's own CANCEL looks; the GOAWAY tells them apart. (One whose
            // answer began was acted on, whatever a faulty server's GOAWAY says.)
            if code == .cancel, !headReceived, let id, connectionGoingAway?.leftOut(id) == true {
                finish(.failure(HTTP2AnswerError.leftOutByGoAway))
            } else {
                finish(.failure(HTTP2AnswerError.reset(code)))
            }
        }
    }

    /// swift-nio-http2 refused a write of the stream: the exchange fails and resets it.
    func failed(_ error: any Error) {
        fail(error)
    }

    // MARK: Helpers

    /// The reader took `bytes` of the answer: room for the server to send more, when due.
    private func taken(_ bytes: Int) {
        guard !finished, let increment = window?.taken(bytes) else { return }
        giveRoom(increment)
    }

    /// Sends a WINDOW_UPDATE of `increment` for the stream, once the frame or event being handled
    /// is done with: not from inside swift-nio-http2's handling of what it read, which would
    /// then report what that frame did (its events) before the frame has been handled here.
    /// Not sent if the stream has ended by then: nothing more is to come on it.
    private func giveRoom(_ increment: Int) {
        eventLoop.execute { [self] in
            guard !finished, window?.closed == false, let (id, streams) = stream else {
                window?.incrementDone(increment, sent: false)
                return
            }
            window?.incrementDone(increment)
            streams.sendWindowUpdate(increment, for: id)
        }
    }

    /// The request's HEADERS did not go out. A stream held back by the server's stream limit
    /// (`SETTINGS_MAX_CONCURRENT_STREAMS`) when its GOAWAY arrived is refused by swift-nio-http2's
    /// state machine as it would open: `CreatedStreamAfterGoaway` while other streams go on,
    /// `IOOnClosedConnection` once the last has ended. Either way the server never saw it, and
    /// it may be sent again whatever its verb. (Before, the exchange was left waiting: for its
    /// deadline, or for the connection's close; a write was then not resent.)
    private func headNotSent(_ error: any Error) {
        let refused = error is NIOHTTP2Errors.CreatedStreamAfterGoaway || error is NIOHTTP2Errors.IOOnClosedConnection
        if let (id, streams) = stream { streams.forget(id) }
        stream = nil
        finish(.failure(refused ? HTTP2AnswerError.leftOutByGoAway : error))
    }

    private func answerEnded() {
        if piecesWithReceiver > 0 {
            endAfterReceiver = true
        } else {
            finish(.success(()))
        }
    }

    /// Ends the exchange with `error` and resets its stream, if open.
    private func fail(_ error: any Error) {
        guard !finished else { return }
        finish(.failure(error))
        if let (id, streams) = stream {
            stream = nil
            streams.reset(id)
        }
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
