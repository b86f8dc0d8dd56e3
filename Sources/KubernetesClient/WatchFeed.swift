import KubernetesModel
import NIOCore
import Synchronization

/// Where a watch's body meets its reader. The connection's event loop hands in bytes as they
/// arrive (`receive`), split into lines (one event each); the task reading the watch takes them
/// out (`next`) and decodes them.
///
/// With `holdBookmarks`, a BOOKMARK line is recognised on the event loop and only its
/// resourceVersion is kept: the reader is not woken for it, and gets the newest one held when it
/// next asks and no line is queued — that is, at the end of the watch (an event that follows a
/// bookmark makes it obsolete: the event's resourceVersion is newer). An idle fleet
/// receives a bookmark a minute per watch (thousands a minute) and nothing else; waking a task
/// for each was most of what an idle manager did.
///
/// Backpressure: past `queueLimit` bytes of undecoded lines, `receive` answers a future that
/// completes once the reader has caught up; the body is not read meanwhile, and HTTP/2 flow
/// control holds the server back.
final class WatchFeed: Sendable {
    enum Item: Sendable {
        case line([UInt8])
        case bookmark(resourceVersion: String)
        case end
    }

    private struct State {
        /// Bytes of a line whose newline has not arrived yet.
        var partial: [UInt8] = []
        var lines: [[UInt8]] = []
        var firstLine = 0
        var queuedBytes = 0
        var heldBookmark: String?
        /// How the body ended: nil while it is being read.
        var ending: Result<Void, any Error>?
        var endingDelivered = false
        var cancelled = false
        var reader: CheckedContinuation<Item, any Error>?
        /// What a reader that keeps no task waiting asked to be called with, once the next item
        /// is there (`whenReady`).
        var readyCallback: (@Sendable () -> Void)?
        var paused: EventLoopPromise<Void>?
        var cancelRequest: (@Sendable () -> Void)?

        var hasLines: Bool { firstLine < lines.count }

        /// Queues a line for the reader; a bookmark held before it is older than it (delivered
        /// after it, it would move the reader back) and goes.
        mutating func enqueue(_ line: [UInt8]) {
            lines.append(line)
            queuedBytes += line.count
            heldBookmark = nil
        }

        /// The waiting reader and what to resume it with, or the callback of one that keeps no
        /// task waiting, when a line or the end is there for it.
        mutating func readerToWake() -> Wake? {
            guard hasLines || ending != nil else { return nil }
            if let callback = readyCallback {
                readyCallback = nil
                return .callback(callback)
            }
            guard let waiting = reader, let next = take() else { return nil }
            reader = nil
            return .reader(waiting, next)
        }

        /// Whether `take` has something now (a line, a held bookmark, the end or the cancellation).
        var isReady: Bool { hasLines || heldBookmark != nil || cancelled || ending != nil }

        /// The next item for the reader, if there is one now.
        mutating func take() -> Result<Item, any Error>? {
            if hasLines {
                let line = lines[firstLine]
                lines[firstLine] = []
                firstLine += 1
                queuedBytes -= line.count
                if firstLine == lines.count {
                    lines.removeAll(keepingCapacity: lines.capacity <= 16)
                    firstLine = 0
                }
                return .success(.line(line))
            }
            if let bookmark = heldBookmark {
                heldBookmark = nil
                return .success(.bookmark(resourceVersion: bookmark))
            }
            if cancelled { return .failure(CancellationError()) }
            switch ending {
            case nil: return nil
            case .success: return .success(.end)
            case .failure(let error):
                // Thrown once; asked again, the stream has ended.
                if endingDelivered { return .success(.end) }
                endingDelivered = true
                return .failure(error)
            }
        }
    }

    /// Whom a line or the end wakes: a task waiting in `next`, or a `whenReady` callback.
    private enum Wake {
        case reader(CheckedContinuation<Item, any Error>, Result<Item, any Error>)
        case callback(@Sendable () -> Void)

        func run() {
            switch self {
            case .reader(let reader, let next): reader.resume(with: next)
            case .callback(let callback): callback()
            }
        }
    }

    let holdBookmarks: Bool
    let maximumLineBytes: Int
    let queueLimit: Int
    private let kind: GroupVersionKind
    private let context: KubernetesError.RequestContext
    private let state = Mutex(State())

    init(kind: GroupVersionKind, context: KubernetesError.RequestContext, holdBookmarks: Bool,
         maximumLineBytes: Int = WatchDecoder.maximumLineBytes, queueLimit: Int = 1 << 20) {
        self.kind = kind
        self.context = context
        self.holdBookmarks = holdBookmarks
        self.maximumLineBytes = maximumLineBytes
        self.queueLimit = queueLimit
    }

    // MARK: The body's side (one caller at a time: the connection's event loop)

    /// Bytes of the body. The future completes when more may be read: at once, or once the
    /// reader has caught up. A line longer than `maximumLineBytes` ends the watch with an error
    /// (after the lines before it), and the future fails so that the request stops.
    func receive(_ buffer: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let (complete, tooLong) = state.withLock { state -> ([[UInt8]], Bool) in
            guard state.ending == nil, !state.cancelled else { return ([], false) }
            var complete: [[UInt8]] = []
            buffer.withUnsafeReadableBytes { bytes in
                var start = 0
                while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
                    if state.partial.isEmpty {
                        complete.append(Array(bytes[start..<newline]))
                    } else {
                        state.partial.append(contentsOf: bytes[start..<newline])
                        complete.append(state.partial)
                        state.partial = []
                    }
                    start = newline + 1
                }
                if start < bytes.count { state.partial.append(contentsOf: bytes[start...]) }
            }
            return (complete, state.partial.count > maximumLineBytes)
        }
        var items: [Item] = []
        items.reserveCapacity(complete.count)
        for line in complete where !WatchDecoder.isBlank(line) {
            if holdBookmarks, let resourceVersion = bookmarkResourceVersion(line) {
                items.append(.bookmark(resourceVersion: resourceVersion))
            } else {
                items.append(.line(line))
            }
        }
        let error = tooLong ? KubernetesError(kind: .invalidResponse, context: context,
                                              message: "a watch event is longer than the limit of \(maximumLineBytes) bytes; the watch is closed") : nil
        var wake: Wake?
        let pause = state.withLock { state -> EventLoopFuture<Void>? in
            guard state.ending == nil, !state.cancelled else { return nil }
            for item in items {
                switch item {
                case .line(let line): state.enqueue(line)
                case .bookmark(let resourceVersion): state.heldBookmark = resourceVersion
                case .end: break
                }
            }
            if let error {
                state.partial = []
                state.ending = .failure(error)
            }
            wake = state.readerToWake()
            guard error == nil, state.queuedBytes > queueLimit else { return nil }
            if let paused = state.paused { return paused.futureResult }
            let promise = eventLoop.makePromise(of: Void.self)
            state.paused = promise
            return promise.futureResult
        }
        wake?.run()
        if let error { return eventLoop.makeFailedFuture(error) }
        return pause ?? eventLoop.makeSucceededVoidFuture()
    }

    /// The body ended: normally (`.success`), or with the request's error. What is queued is
    /// still delivered first; the end of a line without a newline counts as a line.
    func finish(_ ending: Result<Void, any Error>) {
        var wake: Wake?
        let paused = state.withLock { state -> EventLoopPromise<Void>? in
            guard state.ending == nil else { return nil }
            if case .success = ending, !WatchDecoder.isBlank(state.partial) {
                state.enqueue(state.partial)
            }
            state.partial = []
            state.ending = ending
            wake = state.readerToWake()
            defer { state.paused = nil }
            return state.paused
        }
        paused?.succeed()
        wake?.run()
    }

    /// Whether the reader stopped the watch (`cancel`).
    var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// What stops the request when the reader goes away or is cancelled (run at once when it
    /// already has).
    func onCancel(_ cancelRequest: @escaping @Sendable () -> Void) {
        let already = state.withLock { state -> Bool in
            if state.cancelled { return true }
            state.cancelRequest = cancelRequest
            return false
        }
        if already { cancelRequest() }
    }

    // MARK: The reader's side

    /// The next line, held bookmark or the end; throws the request's error, or
    /// `CancellationError` when the reading task is cancelled (which also stops the request).
    @inline(never)
    func next() async throws -> Item {
        if let ready = takeReady() { return try ready.get() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Item, any Error>) in
                let ready = state.withLock { state -> Result<Item, any Error>? in
                    if let next = state.take() { return next }
                    state.reader = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            self.cancel()
        }
    }

    /// The reader stops: the request is cancelled and a waiting `next` throws `CancellationError`.
    func cancel() {
        let (reader, paused, cancelRequest) = state.withLock { state in
            state.cancelled = true
            defer {
                state.reader = nil
                state.readyCallback = nil
                state.paused = nil
                state.cancelRequest = nil
                state.heldBookmark = nil
                state.lines = []
                state.firstLine = 0
                state.queuedBytes = 0
            }
            return (state.reader, state.paused, state.cancelRequest)
        }
        reader?.resume(throwing: CancellationError())
        paused?.succeed()
        cancelRequest?()
    }

    /// For a reader that keeps no task waiting: `wake` is called once, from whichever thread
    /// hands in the next line or the end (the connection's event loop, usually), when `take`
    /// will have something; at once when it has now. A held bookmark wakes no one (see above).
    /// A second call replaces the first's callback; cancelling drops it.
    func whenReady(_ wake: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.isReady { return true }
            state.readyCallback = wake
            return false
        }
        if now { wake() }
    }

    /// The next item if there is one now (nil: wait, with `next` or `whenReady`); resumes a
    /// body paused for backpressure once the reader has caught up.
    func takeReady() -> Result<Item, any Error>? {
        let (next, paused) = state.withLock { state -> (Result<Item, any Error>?, EventLoopPromise<Void>?) in
            let next = state.take()
            guard state.paused != nil, state.queuedBytes <= queueLimit / 2 else { return (next, nil) }
            defer { state.paused = nil }
            return (next, state.paused)
        }
        paused?.succeed()
        return next
    }

    // MARK: Lines

    /// `{"type":"BOOKMARK"` as an API server writes it: the event's type is its first field.
    private static let bookmarkPrefix = Array(#"{"type":"BOOKMARK""#.utf8)

    /// The resourceVersion of a bookmark line; nil for any other line (decoded by the reader,
    /// which also reports what is wrong with it).
    private func bookmarkResourceVersion(_ line: [UInt8]) -> String? {
        guard line.count <= 4096, line.starts(with: Self.bookmarkPrefix),
              case .bookmark(let resourceVersion)? = try? WatchDecoder.decode(line[...], kind: kind, context: context)
        else { return nil }
        return resourceVersion
    }
}
