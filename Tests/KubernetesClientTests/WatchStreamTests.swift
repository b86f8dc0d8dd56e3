import AsyncHTTPClient
import KubernetesModel
import NIOCore
import Testing
@testable import KubernetesClient

/// The watch decoder over a body that arrives in arbitrary chunks.
@Suite struct WatchStreamTests {
    static let kind = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
    static let context = KubernetesError.RequestContext(cluster: "c", server: "https://x", verb: "watch")

    static func response(_ text: String, chunkSizes: [Int]) -> HTTPClientResponse {
        let bytes = Array(text.utf8)
        var chunks: [ByteBuffer] = []
        var offset = 0
        var i = 0
        while offset < bytes.count {
            let size = min(chunkSizes[i % chunkSizes.count], bytes.count - offset)
            chunks.append(ByteBuffer(bytes: bytes[offset..<offset + size]))
            offset += size
            i += 1
        }
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        for chunk in chunks { continuation.yield(chunk) }
        continuation.finish()
        return HTTPClientResponse(body: .stream(stream.map { $0 }))
    }

    static let big = String(repeating: "x", count: 70_000)
    static let body = """
        {"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"1"}}}
        {"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"2"}}}

        {"type":"MODIFIED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"3"},"data":{"big":"\(big)"}}}
        {"type":"DELETED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"4"}}}
        """

    @Test(arguments: [[1], [7, 3], [4096], [100_000]])
    func eventsSurviveAnyChunking(chunkSizes: [Int]) async throws {
        let events = WatchDecoder.events(of: Self.response(Self.body, chunkSizes: chunkSizes), kind: Self.kind, context: Self.context, logger: .init(label: "t"))
        var seen: [String] = []
        for try await event in events { seen.append("\(event.type) \(event.resourceVersion ?? "")") }
        #expect(seen == ["ADDED 1", "BOOKMARK 2", "MODIFIED 3", "DELETED 4"])
    }

    @Test func anErrorEventEndsTheStreamWithGone() async throws {
        let body = #"""
            {"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"1"}}}
            {"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (9)","reason":"Expired","code":410}}
            """#
        let events = WatchDecoder.events(of: Self.response(body, chunkSizes: [13]), kind: Self.kind, context: Self.context, logger: .init(label: "t"))
        var seen = 0
        do {
            for try await _ in events { seen += 1 }
            Issue.record("expected the stream to throw")
        } catch let error as KubernetesError {
            #expect(error.isGone)
            #expect(error.status?.reason == "Expired")
        }
        #expect(seen == 1)
    }

    /// A server that sends an endless line (no newline) must not make the client buffer it all:
    /// past the limit the watch ends with an error naming the limit, after the events before it.
    @Test func aLineLongerThanTheLimitIsAnErrorNamingIt() async throws {
        let huge = String(repeating: "y", count: 5_000)
        let body = """
            {"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"1"}}}
            {"type":"MODIFIED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"2"},"data":{"big":"\(huge)"}}}
            {"type":"DELETED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"3"}}}
            """
        let events = WatchDecoder.events(of: Self.response(body, chunkSizes: [512]), kind: Self.kind, context: Self.context, logger: .init(label: "t"),
                                         maximumLineBytes: 4_096)
        var seen: [String] = []
        do {
            for try await event in events { seen.append("\(event.type) \(event.resourceVersion ?? "")") }
            Issue.record("expected the stream to throw")
        } catch let error as KubernetesError {
            #expect(error.kind == .invalidResponse)
            #expect("\(error)".contains("4096 bytes"))
        }
        #expect(seen == ["ADDED 1"])
    }
}
