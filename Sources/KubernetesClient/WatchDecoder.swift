import KubernetesModel
import Metrics

/// Turns a watch answer (one JSON event per line) into `WatchEvents`.
enum WatchDecoder {
    /// The longest watch line accepted: API servers refuse objects over ~1.5 MiB (etcd's request
    /// limit), so a line ten times that is not an event but a broken or hostile server.
    static let maximumLineBytes = 16 * 1024 * 1024

    /// A line with nothing but spaces, tabs and carriage returns (or nothing): no event.
    static func isBlank(_ line: some Collection<UInt8>) -> Bool {
        line.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }
    }

    /// One line of a watch: nil for a blank line; throws the Status of an ERROR event.
    static func decode(_ line: ArraySlice<UInt8>, kind: GroupVersionKind, context: KubernetesError.RequestContext) throws -> WatchEvent? {
        if isBlank(line) { return nil }
        let json: JSONValue
        do {
            json = try JSONValue.parse(line)
        } catch {
            throw KubernetesError(kind: .invalidResponse, context: context, message: "a watch event is not JSON: \(error)")
        }
        return try decode(json, kind: kind, context: context)
    }

    static func decode(_ json: JSONValue, kind: GroupVersionKind, context: KubernetesError.RequestContext) throws -> WatchEvent? {
        let type = json["type"].stringValue ?? ""
        var object = KubeObject(json["object"])
        if type != "ERROR" {
            if object.kind.isEmpty { object.kind = kind.kind }
            if object.apiVersion.isEmpty { object.apiVersion = kind.apiVersion }
        }
        switch type {
        case "ADDED": return .added(object)
        case "MODIFIED": return .modified(object)
        case "DELETED": return .deleted(object)
        case "BOOKMARK": return .bookmark(resourceVersion: object.resourceVersion ?? "")
        case "ERROR":
            let status = KubeStatus(json: json["object"])
            let code = status?.code ?? 500
            throw KubernetesError(kind: KubernetesError.classify(httpStatus: code, status: status), status: status, context: context, httpStatus: code,
                                  message: status == nil ? "watch ERROR event: \(json["object"].jsonString())" : "")
        default:
            throw KubernetesError(kind: .invalidResponse, context: context, message: "unknown watch event type \"\(type)\"")
        }
    }
}

/// The events of one watch, decoded as they are read, on the reading task. The body is read
/// on the connection's event loop into a `WatchFeed` (no task or unbounded buffer of its own: a
/// fleet keeps thousands of watches open), and a slow reader holds the server back through
/// HTTP/2 flow control instead of piling events up in memory. Dropping the sequence (or
/// cancelling its reader) stops the request.
public struct WatchEvents: AsyncSequence, Sendable {
    public typealias Element = WatchEvent

    /// All the sequence (and its iterator) holds, one reference: an informer keeps it for as
    /// long as the watch is open (thousands in a fleet).
    let reader: Reader

    init(feed: WatchFeed, kind: GroupVersionKind, context: KubernetesError.RequestContext, metrics: any MetricsFactory = MetricsSystem.factory) {
        reader = Reader(feed: feed, kind: kind, context: context, stream: RequestMetrics.WatchStream(factory: metrics))
    }

    /// The reading end: when the last copy of the sequence and its iterator go, the request stops.
    final class Reader: Sendable {
        let feed: WatchFeed
        let kind: GroupVersionKind
        let context: KubernetesError.RequestContext
        /// Counts the stream open until it ends (`addon_manager_api_watches_open`).
        let stream: RequestMetrics.WatchStream

        init(feed: WatchFeed, kind: GroupVersionKind, context: KubernetesError.RequestContext, stream: RequestMetrics.WatchStream) {
            self.feed = feed
            self.kind = kind
            self.context = context
            self.stream = stream
        }

        deinit { feed.cancel() }

        /// The next event: lines decoded, a held bookmark as it is, nil at the end. Only the
        /// wait is asynchronous: an idle watch's task waits in this frame, and the work on each
        /// item (`event(from:)`) keeps nothing in it.
        func next() async throws -> WatchEvent? {
            while true {
                let item: WatchFeed.Item
                do {
                    item = try await feed.next()
                } catch {
                    throw ended(by: error)
                }
                switch try event(from: item) {
                case .event(let event): return event
                case .end: return nil
                case .nothing: continue
                }
            }
        }

        /// The next event if one is there now, without waiting: lines decoded, a held bookmark
        /// as it is; `.end` at the end; `.notYet` when nothing is there (see `whenReady`).
        func nextIfReady() throws -> WatchEvents.Ready {
            while let ready = feed.takeReady() {
                let item: WatchFeed.Item
                do {
                    item = try ready.get()
                } catch {
                    throw ended(by: error)
                }
                switch try event(from: item) {
                case .event(let event): return .event(event)
                case .end: return .end
                case .nothing: continue
                }
            }
            return .notYet
        }

        private enum Step {
            case event(WatchEvent)
            case end
            case nothing
        }

        /// What an item of the feed is: an event, the end, or nothing (a line that is no event).
        @inline(never)
        private func event(from item: WatchFeed.Item) throws -> Step {
            switch item {
            case .line(let line):
                do {
                    return try WatchDecoder.decode(line[...], kind: kind, context: context).map(Step.event) ?? .nothing
                } catch {
                    throw ended(by: error)
                }
            case .bookmark(let resourceVersion):
                return .event(.bookmark(resourceVersion: resourceVersion))
            case .end:
                stream.ended(.closed)
                return .end
            }
        }

        /// Counts the stream's end by what ended it; returns the error to throw.
        @inline(never)
        private func ended(by error: any Error) -> any Error {
            if let error = error as? KubernetesError {
                stream.ended(error.isGone ? .expired : .error)
            } else {
                stream.ended(error is CancellationError ? .cancelled : .error)
            }
            return error
        }
    }

    /// What `nextIfReady` found.
    public enum Ready: Sendable {
        case event(WatchEvent)
        /// The server ended the watch.
        case end
        /// Nothing yet: ask `whenReady` to be told.
        case notYet
    }

    /// For a reader that keeps no task waiting (many watches driven by one task, see
    /// `InformerGroup`): the next event if one is there now; throws as iterating does.
    public func nextIfReady() throws -> Ready { try reader.nextIfReady() }

    /// Calls `wake` once, when `nextIfReady` will find something other than `.notYet` (at once
    /// when it would now). It is called from the thread that read the body, usually the
    /// connection's event loop: it must only hand the news on. A held bookmark wakes no one (it
    /// comes with the next event or the end). A second call replaces the first's `wake`;
    /// dropping the sequence drops it.
    public func whenReady(_ wake: @escaping @Sendable () -> Void) { reader.feed.whenReady(wake) }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(reader: reader)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let reader: Reader

        public mutating func next() async throws -> WatchEvent? {
            try await reader.next()
        }
    }
}
