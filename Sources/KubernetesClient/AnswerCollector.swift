import NIOCore
import NIOHTTP1

/// Reads an answer whole (a request's, not a watch's) from an `HTTP2Exchange`: its status, its
/// headers and its body, up to `limit` bytes (a larger answer fails the exchange). On the
/// connection's event loop.
final class AnswerCollector: HTTP2AnswerReceiver, @unchecked Sendable {
    private let promise: EventLoopPromise<(Int, HTTPHeaders, [UInt8])>
    private let limit: Int
    private var status = 0
    private var headers = HTTPHeaders()
    private var body: [UInt8] = []

    init(limit: Int, eventLoop: any EventLoop) {
        self.limit = limit
        promise = eventLoop.makePromise()
    }

    /// The status, headers and body, or why there are none.
    var answer: EventLoopFuture<(Int, HTTPHeaders, [UInt8])> { promise.futureResult }

    func receivedHead(status: Int, headers: HTTPHeaders) {
        self.status = status
        self.headers = headers
    }

    func receivedBody(_ buffer: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        guard body.count + buffer.readableBytes <= limit else {
            return eventLoop.makeFailedFuture(HTTP2AnswerError.tooLarge(limit: limit))
        }
        body.append(contentsOf: buffer.readableBytesView)
        return eventLoop.makeSucceededVoidFuture()
    }

    func ended(_ result: Result<Void, any Error>) {
        switch result {
        case .success: promise.succeed((status, headers, body))
        case .failure(let error): promise.fail(error)
        }
    }
}
