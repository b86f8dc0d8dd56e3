import AsyncHTTPClient
import Logging
import NIOCore
import Synchronization

/// AsyncHTTPClient, made when a request first needs it: for `http://` servers, servers that
/// choose HTTP/1.1, and requests that carry an exec plugin's client certificate. Every other
/// request of a cluster is a stream on the client's own HTTP/2 connection (`HTTP2Connector`), so
/// most clusters never need it; made up front, its pool and configuration cost about 12 KB per
/// cluster (heaptrack, `Benchmarks/README.md`), 12 MB at 1000 clusters.
///
/// Shut down once: a request after `shutdown()` fails as AsyncHTTPClient's own would
/// (`HTTPClientError.alreadyShutdown`), and none is made after it.
final class OnDemandHTTPClient: Sendable {
    private enum State {
        case unused
        case made(HTTPClient)
        case shutDown
    }

    private let state = Mutex<State>(.unused)
    private let eventLoop: any EventLoop
    private let configuration: HTTPClient.Configuration
    private let logger: Logger

    init(eventLoop: any EventLoop, configuration: HTTPClient.Configuration, logger: Logger) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.logger = logger
    }

    /// The client, made on the first call.
    func client() throws -> HTTPClient {
        try state.withLock { state in
            switch state {
            case .made(let client):
                return client
            case .unused:
                let client = HTTPClient(eventLoopGroup: eventLoop, configuration: configuration, backgroundActivityLogger: logger)
                state = .made(client)
                return client
            case .shutDown:
                throw HTTPClientError.alreadyShutdown
            }
        }
    }

    /// Whether a request has needed the client yet.
    var isMade: Bool {
        state.withLock { state in
            if case .made = state { return true }
            return false
        }
    }

    /// Marks it shut down; returns the client that was made, for the caller to shut down (nil:
    /// none was, or it was already handed over).
    func retire() -> HTTPClient? {
        state.withLock { state in
            defer { state = .shutDown }
            if case .made(let client) = state { return client }
            return nil
        }
    }

    /// Shuts down the client if one was made; no request makes one afterwards.
    func shutdown() async throws {
        try await retire()?.shutdown()
    }
}
