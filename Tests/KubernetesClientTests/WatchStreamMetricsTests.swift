import AsyncHTTPClient
import KubernetesModel
import MetricsTestKit
import NIOCore
import Testing
@testable import KubernetesClient

/// How a watch stream ended, as operators see it in `addon_manager_api_watches_ended_total`,
/// and `addon_manager_api_watches_open` back to zero whatever the ending.
@Suite struct WatchStreamMetricsTests {
    static let kind = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
    static let context = KubernetesError.RequestContext(cluster: "c", server: "https://x", verb: "watch")
    static let added = #"{"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"1"}}}"# + "\n"
    static let gone = #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old","reason":"Expired","code":410}}"# + "\n"

    enum Ending: String, CaseIterable { case serverEnds, expired, garbled, readerCancelled, droppedUnread, droppedAfterOne }

    /// A body that yields `lines` and then ends, or (`open`) stays open.
    static func events(_ lines: [String], open: Bool, metrics: TestMetrics) -> WatchEvents {
        let feed = WatchFeed(kind: kind, context: context, holdBookmarks: false)
        for line in lines { _ = feed.receive(ByteBuffer(string: line), on: HTTPClient.defaultEventLoopGroup.next()) }
        if !open { feed.finish(.success(())) }
        return WatchEvents(feed: feed, kind: kind, context: context, metrics: metrics)
    }

    @Test(arguments: Ending.allCases)
    func eachEndingIsCountedOnceAndTheStreamIsNoLongerOpen(ending: Ending) async throws {
        let metrics = TestMetrics()
        let expected: String
        switch ending {
        case .serverEnds:
            var seen = 0
            for try await _ in Self.events([Self.added], open: false, metrics: metrics) { seen += 1 }
            #expect(seen == 1)
            expected = "closed"
        case .expired:
            await #expect(throws: KubernetesError.self) { for try await _ in Self.events([Self.gone], open: false, metrics: metrics) {} }
            expected = "expired"
        case .garbled:
            await #expect(throws: KubernetesError.self) { for try await _ in Self.events(["{not json\n"], open: false, metrics: metrics) {} }
            expected = "error"
        case .readerCancelled:
            let events = Self.events([Self.added], open: true, metrics: metrics)
            let reader = Task {
                var seen = 0
                // The body used here ends at cancellation; AsyncHTTPClient's throws CancellationError.
                do { for try await _ in events { seen += 1 } } catch is CancellationError {}
                return seen
            }
            try await Task.sleep(for: .milliseconds(50))
            reader.cancel()
            #expect(try await reader.value == 1)
            expected = "cancelled"
        case .droppedUnread:
            _ = Self.events([Self.added], open: true, metrics: metrics)
            expected = "abandoned"
        case .droppedAfterOne:
            do {
                var iterator = Self.events([Self.added], open: true, metrics: metrics).makeAsyncIterator()
                #expect(try await iterator.next() != nil)
            }
            expected = "abandoned"
        }
        let ended = try metrics.counters.filter { $0.label == "addon_manager_api_watches_ended_total" }
        #expect(ended.count == 1)
        #expect(ended.first?.dimensions.first?.1 == expected)
        #expect(ended.first?.totalValue == 1)
        let open = try metrics.expectMeter("addon_manager_api_watches_open")
        #expect(open.values == [1, 0])
    }

    @Test func requestCodesNameWhatHappenedWhenNoAnswerCame() {
        #expect(RequestMetrics.code(of: CancellationError()) == "cancelled")
        #expect(RequestMetrics.code(of: KubernetesError(kind: .timeout, context: Self.context)) == "timeout")
        #expect(RequestMetrics.code(of: KubernetesError(kind: .unreachable, context: Self.context)) == "unreachable")
        #expect(RequestMetrics.code(of: KubernetesError(kind: .conflict, context: Self.context, httpStatus: 409)) == "409")
    }
}
