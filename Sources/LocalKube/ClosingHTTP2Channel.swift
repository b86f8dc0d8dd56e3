import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore

/// LocalKube's TLS connections: HummingbirdHTTP2's, closed as soon as they stop taking streams.
///
/// swift-nio-http2 (1.46) ends a connection's sequence of inbound streams on any error it sees
/// (a reset, a refused request) while the connection itself stays open; HummingbirdHTTP2 then
/// stops handling streams on it, and every later stream the client opens there is dropped
/// unanswered — a client's watch or list waits forever (found by the fault matrix: after the
/// management plane was made unreachable, a manager's requests hung until it was restarted).
/// A real API server never leaves a connection open that it no longer serves: closing it makes
/// the client reconnect. (A stream opened in the instant between the two is still dropped.)
struct ClosingHTTP2Channel: ServerChildChannel {
    typealias Value = HTTP2UpgradeChannel.Value
    let inner: HTTP2UpgradeChannel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
        try? await value.channel.close()
    }
}
