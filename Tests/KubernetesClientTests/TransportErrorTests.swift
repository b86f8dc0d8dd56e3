import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Testing
@testable import KubernetesClient

/// How failures below HTTP become `KubernetesError` kinds (and so whether they are retried).
@Suite struct TransportErrorTests {
    static let context = KubernetesError.RequestContext(cluster: "c", server: "https://10.0.0.1:6443", verb: "create")

    func kind(_ error: any Error) -> KubernetesError.Kind? {
        (Transport.transportError(error, context: Self.context) as? KubernetesError)?.kind
    }

    @Test func refusedConnectionsAreUnreachableAndSafeToResend() {
        #expect(kind(IOError(errnoCode: ECONNREFUSED, reason: "connect")) == .unreachable)
        #expect(kind(IOError(errnoCode: EHOSTUNREACH, reason: "connect")) == .unreachable)
        #expect(kind(ChannelError.connectTimeout(.seconds(10))) == .unreachable)
        let refused = KubernetesError(kind: .unreachable)
        #expect(RetryPolicy().delay(after: refused, attempt: 1, request: .write) != nil)
    }

    @Test func resetsMayComeAfterTheRequestWasSent() {
        #expect(kind(IOError(errnoCode: ECONNRESET, reason: "read")) == .transport)
        #expect(kind(HTTPClientError.remoteConnectionClosed) == .transport)
        let reset = KubernetesError(kind: .transport)
        #expect(RetryPolicy().delay(after: reset, attempt: 1, request: .write) == nil)
        #expect(RetryPolicy().delay(after: reset, attempt: 1, request: .apply) != nil)
    }

    @Test func timeoutsTLSAndCancellation() {
        #expect(kind(HTTPClientError.deadlineExceeded) == .timeout)
        #expect(kind(HTTPClientError.connectTimeout) == .timeout)
        #expect(kind(HTTPClientError.tlsHandshakeTimeout) == .tls)
        #expect(kind(NIOSSLError.handshakeFailed(.sslError([]))) == .tls)
        #expect(Transport.transportError(CancellationError(), context: Self.context) is CancellationError)
    }

    /// AsyncHTTPClient's `cancelled` is a cancellation only when the asking task is cancelled.
    /// Otherwise the client gave the request up itself (an HTTP/2 connection closing after a
    /// GOAWAY): a transport failure to retry. Taken for a cancellation, it stopped an informer's
    /// watch for good, its task never cancelled.
    @Test func theClientCancellingARequestIsACancellationOnlyForACancelledTask() async {
        #expect(kind(HTTPClientError.cancelled) == .transport)
        let task = Task {
            while !Task.isCancelled { await Task.yield() }
            return Transport.transportError(HTTPClientError.cancelled, context: Self.context) is CancellationError
        }
        task.cancel()
        #expect(await task.value)
    }
}
