import Logging
import NIOCore
import NIOEmbedded
import Testing
@testable import LocalKube

/// A connection that hits an error is closed, and the HTTP/2 handler behind the closer sees
/// neither the error nor anything read after it (swift-nio-http2 would otherwise stop taking the
/// connection's streams while it stays open, and drop — or trap on — the next one).
@Suite struct ConnectionFailureCloserTests {
    final class Recorder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var reads: [String] = []
        var errors: [String] = []
        var inactive = false
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            reads.append(String(buffer: unwrapInboundIn(data)))
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { errors.append("\(error)") }
        func channelInactive(context: ChannelHandlerContext) { inactive = true }
    }

    struct TLSFailure: Error {}

    @Test func anErrorClosesTheConnectionAndNothingAfterItIsPassedOn() throws {
        let recorder = Recorder()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([ConnectionFailureCloser(logger: Logger(label: "test")), recorder])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()

        try channel.writeInbound(ByteBuffer(string: "before"))
        channel.pipeline.fireErrorCaught(TLSFailure())
        channel.pipeline.fireChannelRead(NIOAny(ByteBuffer(string: "after")))

        #expect(recorder.reads == ["before"])
        #expect(recorder.errors.isEmpty)
        #expect(recorder.inactive, "the connection was not closed")
        #expect(!channel.isActive)
    }

    @Test func withoutAnErrorEverythingPassesThrough() throws {
        let recorder = Recorder()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([ConnectionFailureCloser(logger: Logger(label: "test")), recorder])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        for part in ["a", "b"] { try channel.writeInbound(ByteBuffer(string: part)) }
        #expect(recorder.reads == ["a", "b"])
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    /// A server stopping closes its connections, then refuses those a client opens before its
    /// listener stops (HTTP/2 streams on them would find nobody to take them).
    @Test func connectionsAcceptedAfterClosingBeganAreRefused() async throws {
        let connections = OpenConnections()
        let open = EmbeddedChannel()
        try await open.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        #expect(connections.add(open))
        #expect(connections.count == 1)
        await connections.closeAll()
        open.embeddedEventLoop.run()  // the close future's callbacks
        #expect(!open.isActive)
        #expect(connections.count == 0)
        let late = EmbeddedChannel()
        #expect(!connections.add(late), "a connection accepted after closing began was kept")
        #expect(connections.count == 0)
    }
}
