import NIOCore
import NIOPosix
import Testing
@testable import KubernetesClient

/// The read policy every connection to an API server gets (the client tests run every request
/// through it; these check what it sets).
@Suite struct ConnectionReadBuffersTests {
    @Test func aConnectionReadsAtMostOneRecordPerTurn() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let client = try await ClientBootstrap(group: group).connect(to: server.localAddress!).get()

        let before = try await client.getOption(ChannelOptions.maxMessagesPerRead).get()
        #expect(before > 1, "SwiftNIO's default reads several times per turn")

        try await ConnectionReadBuffers.limit(client).get()

        #expect(try await client.getOption(ChannelOptions.maxMessagesPerRead).get() == 1)
        var allocator = try await client.getOption(ChannelOptions.recvAllocator).get()
        // However much was read before, the next buffer is never larger than one TLS record.
        for _ in 0..<20 { _ = allocator.record(actualReadBytes: 1 << 20) }
        let next = allocator.buffer(allocator: ByteBufferAllocator())
        #expect(next.capacity <= ConnectionReadBuffers.maximumRead)
        #expect(next.capacity >= 1024)

        try await client.close()
        try await server.close()
        try await group.shutdownGracefully()
    }
}
