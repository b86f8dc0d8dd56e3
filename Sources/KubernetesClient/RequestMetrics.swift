import Foundation
import Metrics
import Synchronization

/// What clients ask of API servers, counted for operators (no cluster label: at a thousand
/// clusters that would be a series per cluster, verb and code; the cluster is in the logs):
/// - `addon_manager_api_requests_total{role, verb, code}`: every attempt (a retried request counts
///   each time), `code` the HTTP status or, when no answer came, what happened instead
///   (`cancelled`, `timeout`, `unreachable`, `transport`, `tls`, `credentials`, ...), `role`
///   the connection's (`ClusterConnection.role`: workload clusters, the management plane, leases);
/// - `addon_manager_api_watches_open`: watch streams open now;
/// - `addon_manager_api_watches_ended_total{reason}`: `closed` (the server ended it: its
///   timeout), `expired` (410, the resourceVersion is too old), `error` (an ERROR event or a
///   broken stream), `cancelled` (the reader was cancelled), `abandoned` (dropped unread: the
///   client cancels the HTTP/2 stream).
/// Without a metrics backend (`addonctl`) these cost next to nothing.
enum RequestMetrics {
    static func answered(_ request: APIRequest, role: String, status: Int) {
        count(request, role: role, code: String(status))
    }

    /// A request that got no HTTP answer (an API error with a status goes to `answered`).
    static func failed(_ request: APIRequest, role: String, error: any Error) {
        count(request, role: role, code: code(of: error))
    }

    private static func count(_ request: APIRequest, role: String, code: String) {
        Counter(label: "addon_manager_api_requests_total", dimensions: [("role", role), ("verb", request.context.verb), ("code", code)]).increment()
    }

    static func code(of error: any Error) -> String {
        if error is CancellationError { return "cancelled" }
        if let error = error as? KubernetesError { return error.httpStatus.map(String.init) ?? error.kind.description }
        return "transport"
    }

    enum WatchEnd: String, Sendable {
        case closed, expired, error, cancelled, abandoned
    }

    /// One open watch stream: counted open until it ends or its reader drops it.
    final class WatchStream: Sendable {
        private let end = Mutex<WatchEnd?>(nil)
        private let factory: any MetricsFactory

        init(factory: any MetricsFactory = MetricsSystem.factory) {
            self.factory = factory
            Meter(label: "addon_manager_api_watches_open", factory: factory).increment()
        }

        /// Records how it ended (the first call counts).
        func ended(_ reason: WatchEnd) {
            let first = end.withLock { end in
                guard end == nil else { return false }
                end = reason
                return true
            }
            guard first else { return }
            Meter(label: "addon_manager_api_watches_open", factory: factory).decrement()
            Counter(label: "addon_manager_api_watches_ended_total", dimensions: [("reason", reason.rawValue)], factory: factory).increment()
        }

        deinit { ended(.abandoned) }
    }
}
