import AsyncHTTPClient
import KubernetesModel
import Logging
import NIOCore

/// Turns a watch answer (one JSON event per line) into `WatchEvents`.
enum WatchDecoder {
    static func events(of response: HTTPClientResponse, kind: GroupVersionKind, context: KubernetesError.RequestContext, logger: Logger) -> WatchEvents {
        let (stream, continuation) = WatchEvents.makeStream()
        let reader = Task {
            var pending: [UInt8] = []
            do {
                for try await buffer in response.body {
                    // Only the new bytes can hold the next newline: a large object arriving in many
                    // chunks is scanned once.
                    var searchFrom = pending.count
                    pending.append(contentsOf: buffer.readableBytesView)
                    var start = 0
                    while let newline = pending[searchFrom...].firstIndex(of: UInt8(ascii: "\n")) {
                        let line = pending[start..<newline]
                        start = newline + 1
                        searchFrom = start
                        if let event = try decode(line, kind: kind, context: context) { continuation.yield(event) }
                    }
                    if start == pending.count {
                        // All consumed: give the (possibly large) buffer back; a fleet keeps
                        // thousands of watches open, mostly idle.
                        pending = []
                    } else if start > 0 {
                        pending.removeFirst(start)
                    }
                }
                if !pending.isEmpty, let event = try decode(pending[...], kind: kind, context: context) { continuation.yield(event) }
                continuation.finish()
            } catch let error as KubernetesError {
                continuation.finish(throwing: error)
            } catch {
                if Task.isCancelled {
                    continuation.finish(throwing: CancellationError())
                } else {
                    continuation.finish(throwing: Transport.transportError(error, context: context))
                }
            }
        }
        continuation.onTermination = { _ in reader.cancel() }
        return stream
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
