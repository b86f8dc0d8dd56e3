import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// Reads a watch's answer where it arrives, on the connection's event loop (from an
/// `HTTP2Exchange`, or through AsyncHTTPClient's delegate interface over HTTP/1.1): a 2xx head
/// opens the watch and its body goes into a `WatchFeed`; any other status is read whole and
/// becomes the API error it carries. Nothing here hops to another
/// thread: a bookmark costs the event loop a few microseconds and wakes no task.
final class WatchResponseReader: HTTPClientResponseDelegate, HTTP2AnswerReceiver {
    typealias Response = Void

    let feed: WatchFeed
    private let context: KubernetesError.RequestContext
    private let opened: EventLoopPromise<Int>
    /// Told when the server sends something on the open watch, and when the watch fails for
    /// want of an answer (`KubernetesClient.lastAnswered`, `lastFailure`).
    private let contact: ServerContact
    /// A refusal's head and body, read whole to become its error; nil for a 2xx answer.
    private let refusal = Mutex<(status: Int, headers: HTTPHeaders, body: [UInt8])?>(nil)
    /// Whether `opened` is completed (a promise is completed once).
    private let settled = Mutex(false)
    /// The most of a refusal's body kept (a Status is a few hundred bytes).
    static let refusalBodyLimit = 64 * 1024

    /// The status of a 2xx answer, or the error: the refusal the server answered, or why the
    /// request failed before its head.
    var head: EventLoopFuture<Int> { opened.futureResult }

    init(feed: WatchFeed, context: KubernetesError.RequestContext, eventLoop: any EventLoop, contact: ServerContact) {
        self.feed = feed
        self.context = context
        self.opened = eventLoop.makePromise()
        self.contact = contact
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        receivedHead(status: Int(head.status.code), headers: head.headers)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        receivedBody(buffer, on: task.eventLoop)
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        ended(.failure(error))
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        ended(.success(()))
    }

    // MARK: The answer, from either client (`HTTP2AnswerReceiver`)

    func receivedHead(status: Int, headers: HTTPHeaders) {
        if (200..<300).contains(status) {
            contact.answeredRequest()
            settle(.success(status))
        } else {
            refusal.withLock { $0 = (status, headers, []) }
        }
    }

    func receivedBody(_ buffer: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let refused = refusal.withLock { refusal -> Bool in
            guard refusal != nil else { return false }
            let room = Self.refusalBodyLimit - refusal!.body.count
            if room > 0 { refusal!.body.append(contentsOf: buffer.readableBytesView.prefix(room)) }
            return true
        }
        if refused { return eventLoop.makeSucceededVoidFuture() }
        contact.heard()
        return feed.receive(buffer, on: eventLoop)
    }

    func ended(_ result: Result<Void, any Error>) {
        switch result {
        case .failure(let error):
            let error = Transport.transportError(error, context: context)
            // The reader's own cancellation ends the request too: that is no failure to answer;
            // nor is a refusal's body cut short (the server answered).
            if !feed.isCancelled, refusal.withLock({ $0 == nil }) { contact.failed(error) }
            settle(.failure(error))
            feed.finish(.failure(error))
        case .success:
            if let (status, headers, body) = refusal.withLock({ $0 }) {
                let error = Transport.apiError(status: status, headers: headers, body: body, context: context)
                settle(.failure(error))
                feed.finish(.failure(error))
            } else {
                // An answer without a head cannot end normally; nothing to settle otherwise.
                settle(.failure(KubernetesError(kind: .invalidResponse, context: context, message: "the watch ended before its head")))
                feed.finish(.success(()))
            }
        }
    }

    /// Completes `opened`, the first time only; returns whether this call did.
    @discardableResult
    func settle(_ result: Result<Int, any Error>) -> Bool {
        let first = settled.withLock { settled -> Bool in
            defer { settled = true }
            return !settled
        }
        if first { opened.completeWith(result) }
        return first
    }
}
