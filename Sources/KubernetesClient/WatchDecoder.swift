import AsyncHTTPClient
import KubernetesModel
import Logging
import Metrics
import NIOCore

/// Turns a watch answer (one JSON event per line) into `WatchEvents`.
enum WatchDecoder {
    /// The longest watch line accepted: API servers refuse objects over ~1.5 MiB (etcd's request
    /// limit), so a line ten times that is not an event but a broken or hostile server.
    static let maximumLineBytes = 16 * 1024 * 1024

    static func events(of response: HTTPClientResponse, kind: GroupVersionKind, context: KubernetesError.RequestContext, logger: Logger,
                       maximumLineBytes: Int = WatchDecoder.maximumLineBytes, metrics: any MetricsFactory = MetricsSystem.factory) -> WatchEvents {
        WatchEvents(body: response.body, kind: kind, context: context, maximumLineBytes: maximumLineBytes, stream: RequestMetrics.WatchStream(factory: metrics))
    }

    /// One line of a watch: nil for a blank line; throws the Status of an ERROR event.
    static func decode(_ line: ArraySlice<UInt8>, kind: GroupVersionKind, context: KubernetesError.RequestContext) throws -> WatchEvent? {
        if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { return nil }
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

/// The events of one watch, decoded as they are read, on the reading task: no task or buffer
/// of its own (a fleet keeps thousands of watches open), and a slow reader holds the server
/// back through HTTP/2 flow control instead of piling events up in memory.
public struct WatchEvents: AsyncSequence, Sendable {
    public typealias Element = WatchEvent

    let body: HTTPClientResponse.Body
    let kind: GroupVersionKind
    let context: KubernetesError.RequestContext
    /// A line (one event) longer than this ends the watch with an error instead of growing the buffer.
    let maximumLineBytes: Int
    /// Counts the stream open until it ends (`addon_manager_api_watches_open`).
    let stream: RequestMetrics.WatchStream

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(body: body.makeAsyncIterator(), kind: kind, context: context, maximumLineBytes: maximumLineBytes, stream: stream)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var body: HTTPClientResponse.Body.AsyncIterator
        let kind: GroupVersionKind
        let context: KubernetesError.RequestContext
        let maximumLineBytes: Int
        let stream: RequestMetrics.WatchStream
        /// Bytes read and not decoded yet; `start` is where the undecoded part begins and
        /// `searchFrom` where the next newline may be (the bytes before it have none).
        var pending: [UInt8] = []
        var start = 0
        var searchFrom = 0
        var finished = false

        public mutating func next() async throws -> WatchEvent? {
            do {
                let event = try await nextEvent()
                // A body ends early when its reader is cancelled (no error from some bodies).
                if event == nil { stream.ended(Task.isCancelled ? .cancelled : .closed) }
                return event
            } catch let error as KubernetesError {
                stream.ended(error.isGone ? .expired : .error)
                throw error
            } catch {
                stream.ended(error is CancellationError ? .cancelled : .error)
                throw error
            }
        }

        private mutating func nextEvent() async throws -> WatchEvent? {
            while true {
                // A complete line already read?
                while let newline = pending[searchFrom...].firstIndex(of: UInt8(ascii: "\n")) {
                    let line = pending[start..<newline]
                    start = newline + 1
                    searchFrom = start
                    if let event = try WatchDecoder.decode(line, kind: kind, context: context) { return event }
                }
                // What is left is one incomplete line: bounded, whatever the server sends.
                guard pending.count - start <= maximumLineBytes else {
                    pending = []
                    start = 0
                    searchFrom = 0
                    finished = true
                    throw KubernetesError(kind: .invalidResponse, context: context,
                                          message: "a watch event is longer than the limit of \(maximumLineBytes) bytes; the watch is closed")
                }
                if finished {
                    guard start < pending.count else { return nil }
                    let rest = pending[start...]
                    start = pending.count
                    if let event = try WatchDecoder.decode(rest, kind: kind, context: context) { return event }
                    return nil
                }
                // Drop what was decoded; give a large buffer back once it is all consumed (most
                // watches are idle most of the time).
                if start == pending.count {
                    pending = []
                } else if start > 0 {
                    pending.removeFirst(start)
                }
                searchFrom = pending.count
                start = 0
                let buffer: ByteBuffer?
                do {
                    buffer = try await body.next()
                } catch let error as KubernetesError {
                    throw error
                } catch {
                    if Task.isCancelled { throw CancellationError() }
                    throw Transport.transportError(error, context: context)
                }
                guard let buffer else {
                    // Ended by the reader's cancellation: what is left is no event to decode.
                    if Task.isCancelled { throw CancellationError() }
                    finished = true
                    continue
                }
                pending.append(contentsOf: buffer.readableBytesView)
            }
        }
    }
}
