import Logging
import NIOCore
import NIOPosix
import Testing
@testable import KubernetesClient

/// The read policy every connection to an API server gets (the client tests run every request
/// through it; these check what it sets).
@Suite struct ConnectionReadBuffersTests {
    @Test func aConnectionReadsAtMostOneRecordPerTurn() async throws {
        let transport = try Transport(connection: try Kubeconfig.parse(Self.kubeconfig, file: nil).connection(),
                                      logger: Logger(label: "test"))
        let http1 = try #require(transport.http1ConnectionSetup, "a client on Linux installs the policy on its connections")
        let http2 = try #require(transport.http2ConnectionSetup, "on its HTTP/2 connections too")

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        for setup in [http1, http2] {
            let client = try await ClientBootstrap(group: group).connect(to: server.localAddress!).get()

            let before = try await client.getOption(ChannelOptions.maxMessagesPerRead).get()
            #expect(before > 1, "SwiftNIO's default reads several times per turn")

            try await setup(client).get()

            #expect(try await client.getOption(ChannelOptions.maxMessagesPerRead).get() == 1)
            var allocator = try await client.getOption(ChannelOptions.recvAllocator).get()
            // However much was read before, the next buffer is never larger than one TLS record.
            for _ in 0..<20 { _ = allocator.record(actualReadBytes: 1 << 20) }
            let next = allocator.buffer(allocator: ByteBufferAllocator())
            #expect(next.capacity <= ConnectionReadBuffers.maximumRead)
            #expect(next.capacity >= 1024)
            try await client.close()
        }

        try await server.close()
        try await group.shutdownGracefully()
        try await transport.shutdown()
    }

    static let kubeconfig = """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
        users: [{name: u, user: {token: t}}]
        contexts: [{name: x, context: {cluster: c, user: u}}]
        current-context: x
        """
}
