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

    let reader: Reader
    let kind: GroupVersionKind
    let context: KubernetesError.RequestContext

    init(feed: WatchFeed, kind: GroupVersionKind, context: KubernetesError.RequestContext, metrics: any MetricsFactory = MetricsSystem.factory) {
        reader = Reader(feed: feed, stream: RequestMetrics.WatchStream(factory: metrics))
        self.kind = kind
        self.context = context
    }

    /// The reading end: when the last copy of the sequence and its iterator go, the request stops.
    final class Reader: Sendable {
        let feed: WatchFeed
        /// Counts the stream open until it ends (`addon_manager_api_watches_open`).
        let stream: RequestMetrics.WatchStream

        init(feed: WatchFeed, stream: RequestMetrics.WatchStream) {
            self.feed = feed
            self.stream = stream
        }

        deinit { feed.cancel() }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(reader: reader, kind: kind, context: context)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let reader: Reader
        let kind: GroupVersionKind
        let context: KubernetesError.RequestContext

        public mutating func next() async throws -> WatchEvent? {
            do {
                while true {
                    switch try await reader.feed.next() {
                    case .line(let line):
                        if let event = try WatchDecoder.decode(line[...], kind: kind, context: context) { return event }
                    case .bookmark(let resourceVersion):
                        return .bookmark(resourceVersion: resourceVersion)
                    case .end:
                        reader.stream.ended(.closed)
                        return nil
                    }
                }
            } catch let error as KubernetesError {
                reader.stream.ended(error.isGone ? .expired : .error)
                throw error
            } catch {
                reader.stream.ended(error is CancellationError ? .cancelled : .error)
                throw error
            }
        }
    }
}
