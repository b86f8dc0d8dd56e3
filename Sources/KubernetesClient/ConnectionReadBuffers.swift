import Logging
import NIOCore
import NIOSSL

/// How much a connection to an API server reads at once, and so how much memory it keeps while
/// idle.
///
/// SwiftNIO's defaults suit a server moving bulk: after one large answer a channel reads 64 KB
/// at a time, up to four times per event-loop turn, and keeps its receive buffer at that size for
/// reuse; TLS decrypts a turn's reads into one plaintext buffer that keeps its largest size; the
/// HTTP/2 frame parser holds on to the last of those. That is 150–200 KB per connection for the
/// connection's whole life. The manager keeps one connection open to every cluster it serves,
/// mostly idle, receiving watch events of a few hundred bytes: at 200 clusters the three buffers
/// were 45 MB of a 178 MB heap (heaptrack, `Benchmarks/README.md`).
///
/// Read at most 4 KB per turn instead: the receive buffer stays at 4 KB, and TLS's plaintext buffer
/// mostly at the two records (32 KB) it starts with. NIOSSL decrypts a read's records one by one
/// and wants room for a whole record (16 KB) before each; a read that completes one large record
/// and then a small one makes it grow the buffer to 64 KB for good. With 16 KB reads that happened
/// on six connections in ten (heaptrack at 200 clusters: 51 KB of plaintext buffer per connection,
/// and 16 KB of receive buffer); with 4 KB reads, on one in ten or none (34 and 28 KB). Large
/// answers (a list of CRDs) take more turns of the event loop to arrive, which costs little next
/// to decoding them.
/// The HTTP/2 parser's buffer grows for another reason, reads that end inside a frame: on HTTP/2
/// connections `FrameAlignedReads` cuts the reads where frames end.
///
/// The client's own HTTP/2 connections (`HTTP2Session`) get both from their first read; the
/// hooks below are for AsyncHTTPClient's connections (HTTP/1.1, and HTTP/2 for requests that
/// carry an exec plugin's client certificate).
enum ConnectionReadBuffers {
    /// The most a read takes from the socket.
    static let maximumRead = 4 * 1024

    /// What a client installs on each new HTTP/1.1 connection: the policy, where
    /// AsyncHTTPClient's channels are SwiftNIO's POSIX sockets (Linux, where the manager runs).
    /// Nil on Apple platforms, where its default channels are Network.framework's, which trap on
    /// these two options (and size their reads themselves).
    static var http1ConnectionSetup: (@Sendable (any Channel) -> EventLoopFuture<Void>)? {
        #if canImport(Network)
        return nil
        #else
        return { limit($0) }
        #endif
    }

    /// What a client installs on each new HTTP/2 connection: reads handed to the HTTP/2 parser in
    /// pieces that end where frames end (`FrameAlignedReads`, first: see `alignFrames`), and the
    /// policy, as for HTTP/1.1.
    static func http2ConnectionSetup(logger: Logger) -> (@Sendable (any Channel) -> EventLoopFuture<Void>)? {
        #if canImport(Network)
        return nil
        #else
        return { channel in alignFrames(channel, logger: logger).flatMap { limit(channel) } }
        #endif
    }

    /// Puts `FrameAlignedReads` right behind TLS, before the HTTP/2 parser. On the event loop (where
    /// AsyncHTTPClient's hook runs, while the server's SETTINGS frame is handled) it is in place
    /// before the connection's next read, which `FrameAlignedReads` counts on. A connection without
    /// TLS (AsyncHTTPClient speaks HTTP/2 only over TLS) is left as it is.
    static func alignFrames(_ channel: any Channel, logger: Logger? = nil) -> EventLoopFuture<Void> {
        guard channel.eventLoop.inEventLoop else { return channel.eventLoop.flatSubmit { alignFrames(channel, logger: logger) } }
        return channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            guard let tls = try? pipeline.handler(type: NIOSSLClientHandler.self) else { return }
            try pipeline.addHandler(FrameAlignedReads(logger: logger), position: .after(tls))
        }
    }

    /// Applies the policy to a new connection's channel (AsyncHTTPClient hands it over once the
    /// connection is established; its first reads, the TLS handshake, were small).
    static func limit(_ channel: any Channel) -> EventLoopFuture<Void> {
        channel.setOption(ChannelOptions.recvAllocator,
                          value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: maximumRead))
            .flatMap { channel.setOption(ChannelOptions.maxMessagesPerRead, value: 1) }
    }
}
