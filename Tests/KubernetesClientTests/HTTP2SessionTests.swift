import KubernetesModel
import LocalKube
import Logging
import NIOCore
import TestSupport
import Testing
@testable import KubernetesClient

/// The client's own HTTP/2 connection to a cluster (`HTTP2Connector`, `HTTP2Session`), against
/// LocalKube over TLS: one connection carries every request and watch; a connection that is
/// lost, or that stops answering, is replaced for the next request.
@Suite struct HTTP2SessionTests {
    typealias F = LocalKubeFixture

    @Test func requestsAndWatchesShareOneConnection() async throws {
        try await F.with { f in
            let client = try f.secondClient()
            #expect(client.transport.http2 != nil, "an https server is spoken to over the client's own HTTP/2")
            let before = f.server.acceptedConnectionCount
            var watches: [WatchEvents] = []
            for index in 0..<3 {
                _ = try await client.apply(F.configMap("shared-\(index)", data: ["n": "\(index)"]), options: ApplyOptions(fieldManager: "test"))
                watches.append(try await client.watch(F.configMap, namespace: "default", options: WatchOptions(timeoutSeconds: 30)))
            }
            _ = try await client.list(F.configMap, namespace: "default")
            _ = try await client.serverVersion()
            #expect(f.server.acceptedConnectionCount - before == 1, "\(f.server.acceptedConnectionCount - before) connections for 3 applies, 3 watches, a list and a GET")
            #expect(!client.transport.httpClient.isMade, "AsyncHTTPClient was made for a server every request of which went over HTTP/2")
            // The watches deliver over it.
            _ = try await client.apply(F.configMap("shared-late", data: ["n": "late"]), options: ApplyOptions(fieldManager: "test"))
            for events in watches {
                var iterator = events.makeAsyncIterator()
                var names: [String] = []
                while let event = try await iterator.next() {
                    if let object = event.object { names.append(object.name) }
                    if names.contains("shared-late") { break }
                }
                #expect(names.contains("shared-late"))
            }
            try await client.shutdown()
        }
    }

    /// A body larger than a frame (16 KB) and than a stream's first window (64 KB) both ways:
    /// sent in pieces as the server opens its window, read back whole.
    @Test func aLargeObjectGoesAndComesBackWhole() async throws {
        try await F.with { f in
            let client = try f.secondClient()
            let value = String(repeating: "0123456789abcdef", count: 300 * 1024 / 16)
            _ = try await client.apply(F.configMap("large", data: ["value": value]), options: ApplyOptions(fieldManager: "test"))
            let read = try await client.get(F.configMap, name: "large", namespace: "default")
            #expect(read["data"]["value"].stringValue == value)
            try await client.shutdown()
        }
    }

    @Test func aLostConnectionIsReplacedForTheNextRequest() async throws {
        try await F.with { f in
            let client = try f.secondClient()
            _ = try await client.serverVersion()
            let before = f.server.acceptedConnectionCount
            await f.server.closeConnections()
            _ = try await client.serverVersion()
            #expect(f.server.acceptedConnectionCount == before + 1, "the next request after the loss did not connect again")
            try await client.shutdown()
        }
    }

    /// A server going away gracefully (GOAWAY, as a kube-apiserver shutting down, or one with
    /// `--goaway-chance`, sends): new requests go on a new connection, and a watch open on the old
    /// one goes on delivering.
    @Test func aServerGoingAwayGetsNewRequestsOnANewConnectionAndKeepsItsWatches() async throws {
        try await F.with { f in
            let client = try f.secondClient()
            let events = try await client.watch(F.configMap, namespace: "default", options: WatchOptions(timeoutSeconds: 60))
            _ = try await client.serverVersion()
            let before = f.server.acceptedConnectionCount
            let connector = try #require(client.transport.http2)
            let old = try #require(try await connector.session().get())
            f.server.askConnectionsToGoAway()
            // A request sent before the client reads the GOAWAY would make LocalKube close the
            // old connection (see `askConnectionsToGoAway`): wait for it.
            try await eventually("the client saw GOAWAY", timeout: .seconds(10)) { !old.isOpen }
            _ = try await client.serverVersion()
            #expect(f.server.acceptedConnectionCount == before + 1, "the request after GOAWAY did not go on a new connection")
            _ = try await client.apply(F.configMap("after-goaway", data: ["n": "1"]), options: ApplyOptions(fieldManager: "test"))
            var iterator = events.makeAsyncIterator()
            var seen = false
            while let event = try await iterator.next() {
                if event.object?.name == "after-goaway" { seen = true; break }
            }
            #expect(seen, "the watch opened before GOAWAY stopped delivering")
            #expect(f.server.acceptedConnectionCount == before + 1, "one new connection, not one per request")
            try await client.shutdown()
        }
    }

    /// A stream started on a connection that closed after it was chosen fails at once (and a
    /// read is retried on a new connection), rather than wait out its timeout.
    @Test func aStreamOnAConnectionClosedMeanwhileFailsAtOnce() async throws {
        try await F.with { f in
            let client = try f.secondClient()
            _ = try await client.serverVersion()
            let connector = try #require(client.transport.http2)
            let session = try #require(try await connector.session().get())
            try await session.channel.close()
            let collector = AnswerCollector(limit: 1 << 20, eventLoop: session.channel.eventLoop)
            let exchange = HTTP2Exchange(headers: connector.head(method: .GET, pathWithQuery: "/version", headers: [:], bodyLength: nil), body: nil,
                                         receiver: collector, deadline: NIODeadline.now() + .seconds(60), limit: .seconds(60), eventLoop: session.channel.eventLoop)
            session.channel.eventLoop.execute { session.start(exchange) }
            await #expect(throws: HTTP2AnswerError.self) { _ = try await collector.answer.get() }
            // The client itself opens another connection.
            _ = try await client.serverVersion()
            try await client.shutdown()
        }
    }

    /// A server that chooses HTTP/1.1 by ALPN (as a proxy in front of an API server may) is
    /// remembered as such: its requests and watches go through AsyncHTTPClient, made then.
    @Test func aServerThatChoosesHTTP1IsSpokenToThroughAsyncHTTPClient() async throws {
        var logger = Logger(label: "http1-server")
        logger.logLevel = .critical
        let server = try await LocalKubeServer.start(offersHTTP2: false, logger: logger)
        let directory = try TemporaryDirectory()
        do {
            try await server.addCluster(name: "proxied")
            let path = directory.path + "/kubeconfig"
            try server.writeKubeconfig(for: "proxied", to: path)
            var connection = try ClusterConnection.load(kubeconfig: path, environment: [:])
            connection.retryPolicy = .never
            let client = try KubernetesClient(connection: connection, logger: logger)
            let connector = try #require(client.transport.http2)
            #expect(!client.transport.httpClient.isMade, "made before any request needed it")
            let events = try await client.watch(F.configMap, namespace: "default", options: WatchOptions(timeoutSeconds: 30))
            _ = try await client.apply(F.configMap("over-http1", data: ["n": "1"]), options: ApplyOptions(fieldManager: "test"))
            #expect(try await client.get(F.configMap, name: "over-http1", namespace: "default")["data"]["n"].stringValue == "1")
            var iterator = events.makeAsyncIterator()
            var seen = false
            while let event = try await iterator.next() {
                if event.object?.name == "over-http1" { seen = true; break }
            }
            #expect(seen, "the watch over HTTP/1.1 delivered the apply")
            #expect(try await connector.session().get() == nil, "the server's choice of HTTP/1.1 is remembered")
            #expect(client.transport.httpClient.isMade)
            try await client.shutdown()
            await #expect(throws: (any Error).self, "a request after shutdown must fail, not make a new client") {
                _ = try await client.serverVersion()
            }
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    /// A request that times out while the server has said nothing since it was sent closes the
    /// connection: on a connection that no longer carries anything, every later request would
    /// time out too.
    @Test func aRequestThatTimesOutOnASilentConnectionClosesIt() async throws {
        try await F.with { f in
            var connection = try ClusterConnection.load(kubeconfig: f.kubeconfigPath, environment: [:])
            connection.retryPolicy = .never
            // 1 s, well under the 3 s of silence below: at 300 ms, the first request (which opens
            // the connection) once timed out on a loaded machine before the test began.
            connection.requestTimeout = .seconds(1)
            let client = try KubernetesClient(connection: connection, logger: f.logs.logger(level: .critical))
            _ = try await client.serverVersion()
            #expect(f.server.openConnectionCount == 1)
            await f.cluster.setLatency(.seconds(3))
            await #expect(throws: KubernetesError.self) { _ = try await client.serverVersion() }
            try await eventually("the silent connection closed", timeout: .seconds(10)) { f.server.openConnectionCount == 0 }
            await f.cluster.setLatency(.zero)
            _ = try await client.serverVersion()
            try await client.shutdown()
        }
    }

    /// A client whose connection PINGs after `silence` without a read and gives up `patience`
    /// after an unanswered PING.
    static func client(_ f: LocalKubeFixture, silence: Duration, patience: Duration) throws -> KubernetesClient {
        var connection = try ClusterConnection.load(kubeconfig: f.kubeconfigPath, environment: [:])
        connection.liveness = ConnectionLiveness(readIdleTimeout: silence, pingTimeout: patience)
        return try KubernetesClient(connection: connection, logger: f.logs.logger(level: .warning))
    }

    static func pingsSent(on session: HTTP2Session) async throws -> UInt64 {
        try await session.channel.eventLoop.submit {
            try session.channel.pipeline.syncOperations.handler(type: SilenceWatch.self).pingsSent
        }.get()
    }

    /// A connection whose server goes silent without closing it (a frozen host, a path that
    /// drops packets) carries watches that would otherwise wait out their own deadline, up to an
    /// hour: an unanswered PING closes it, the watch fails, and the next request connects anew.
    @Test func aConnectionGoneSilentIsGivenUpAfterAnUnansweredPing() async throws {
        try await F.with { f in
            let client = try Self.client(f, silence: .milliseconds(300), patience: .milliseconds(700))
            let events = try await client.watch(F.configMap, namespace: "default", options: WatchOptions(timeoutSeconds: 3600))
            let connector = try #require(client.transport.http2)
            let old = try #require(try await connector.session().get())
            let before = f.server.acceptedConnectionCount
            await f.server.silenceConnections()
            let warning = try await f.logs.next("the server answered no PING: closing its connection, whose requests and watches start again on a new one",
                                                timeout: .seconds(15))
            #expect(warning.level == .warning)
            #expect(warning.metadata["server"] == "127.0.0.1:\(f.server.port)")
            // At once, while TLS may still wait (up to 5 s) for the silent server's goodbye.
            #expect(!old.isOpen, "the given-up connection still took new streams")
            _ = try await client.serverVersion()
            #expect(f.server.acceptedConnectionCount == before + 1, "the request after it went on a new connection")
            await #expect(throws: (any Error).self, "the watch on the silent connection failed rather than waited") {
                for try await _ in events {}
            }
            #expect(!old.channel.isActive)
            try await client.shutdown()
        }
    }

    /// A quiet connection to a server that answers is kept: its PINGs are answered. (Two PINGs:
    /// LocalKube's HTTP/2 server, Hummingbird's, answers a fourth PING within 30 s of the last
    /// one it accepted with GOAWAY ENHANCE_YOUR_CALM, as gRPC servers do; a kube-apiserver does
    /// not police PINGs, and the defaults PING at most every 30 s. PINGs 1 s apart leave the
    /// checks 2 s after the second before a fourth: 200 ms left 400 ms, and a loaded CI machine
    /// saw the connection replaced.)
    @Test func aQuietConnectionWhosePingsAreAnsweredIsKept() async throws {
        try await F.with { f in
            let client = try Self.client(f, silence: .seconds(1), patience: .seconds(2))
            _ = try await client.serverVersion()
            let connector = try #require(client.transport.http2)
            let session = try #require(try await connector.session().get())
            let before = f.server.acceptedConnectionCount
            try await eventually("two PINGs went out", timeout: .seconds(15)) { (try? await Self.pingsSent(on: session)) ?? 0 >= 2 }
            #expect(session.isOpen)
            _ = try await client.serverVersion()
            #expect(f.server.acceptedConnectionCount == before, "the answered connection was replaced")
            #expect(f.logs.entries.allSatisfy { $0.level < .warning })
            try await client.shutdown()
        }
    }

    /// `ConnectionLiveness.off`: a silent connection is left to the requests' timeouts; no
    /// PING goes out, however long the connection is quiet (an "off" taken for 0 s would PING
    /// at once, and on every look).
    @Test func withLivenessOffNoPingGoesOut() async throws {
        try await F.with { f in
            var connection = try ClusterConnection.load(kubeconfig: f.kubeconfigPath, environment: [:])
            connection.liveness = .off
            let client = try KubernetesClient(connection: connection, logger: f.logs.logger(level: .warning))
            _ = try await client.serverVersion()
            let session = try #require(try await client.transport.http2?.session().get())
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await Self.pingsSent(on: session) == 0)
            try await client.shutdown()
        }
    }

    /// With `ADDON_MANAGER_CLIENT_HTTP2=off` unset, http:// servers still go through
    /// AsyncHTTPClient: the own client speaks only HTTP/2 over TLS.
    @Test func onlyHTTPSServersGetTheOwnConnection() throws {
        #expect(HTTP2Connector.Target(server: "http://127.0.0.1:8080", serverName: nil, connectTimeout: .seconds(1)) == nil)
        let address = try #require(HTTP2Connector.Target(server: "https://10.0.0.1:6443/", serverName: nil, connectTimeout: .seconds(1)))
        #expect(address.endpoint.serverName == nil, "an IP address is not sent as SNI")
        #expect(address.authority == "10.0.0.1:6443")
        #expect(address.pathPrefix == "")
        let named = try #require(HTTP2Connector.Target(server: "https://10.0.0.1/k8s/clusters/c-1", serverName: "api.example", connectTimeout: .seconds(1)))
        #expect(named.endpoint.serverName == "api.example")
        #expect(named.endpoint.host == "10.0.0.1")
        #expect(named.endpoint.port == 443)
        #expect(named.authority == "api.example")
        #expect(named.pathPrefix == "/k8s/clusters/c-1")
        let v6 = try #require(HTTP2Connector.Target(server: "https://[fd00::1]:6443", serverName: nil, connectTimeout: .seconds(1)))
        #expect(v6.endpoint.host == "fd00::1")
        #expect(v6.authority == "[fd00::1]:6443")
    }
}
