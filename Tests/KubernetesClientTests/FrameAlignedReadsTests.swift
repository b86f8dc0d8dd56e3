import NIOCore
import NIOEmbedded
import NIOSSL
import TestSupport
import Testing
@testable import KubernetesClient

/// Reads cut where HTTP/2 frames end, so that the HTTP/2 parser's buffer never grows past a
/// piece (every client test over HTTP/2 runs through it too; these check the cuts).
@Suite struct FrameAlignedReadsTests {
    /// Frames of several kinds, with flags that differ from their types (so that a cutter reading
    /// the wrong byte of the header goes wrong): a non-DATA frame larger than a piece must stay whole.
    static let mixedStream = frames([
        (type: 4, length: 18, flags: 0),        // SETTINGS
        (type: 8, length: 4, flags: 0),         // WINDOW_UPDATE
        (type: 1, length: 120, flags: 0x4),     // HEADERS, END_HEADERS
        (type: 0, length: 16_384, flags: 0),    // DATA, a list's answer
        (type: 0, length: 16_384, flags: 0),
        (type: 1, length: 10_000, flags: 0),    // HEADERS larger than a piece, without END_HEADERS
        (type: 9, length: 7_000, flags: 0x4),   // its CONTINUATION
        (type: 0, length: 9_000, flags: 0x1),   // DATA with END_STREAM
        (type: 6, length: 8, flags: 0),         // PING
        (type: 0, length: 0, flags: 0x1),       // empty DATA with END_STREAM
        (type: 0, length: 310, flags: 0),       // a bookmark
        (type: 3, length: 4, flags: 0),         // RST_STREAM
    ])

    @Test func everyPieceEndsAFrameOrStopsInsideADataPayloadAndNothingIsLostOrReordered() throws {
        let stream = Self.mixedStream
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            // The same bytes, read in chunks of random sizes (a read may end anywhere).
            var reads: [[UInt8]] = []
            var offset = 0
            while offset < stream.bytes.count {
                let size = min(stream.bytes.count - offset, 1 + Int(generator.next() % 20_000))
                reads.append(Array(stream.bytes[offset..<(offset + size)]))
                offset += size
            }
            try Self.check(stream, readAs: reads)
        }
    }

    /// A read that ends inside a frame header, at every place in it, for every frame: the rest of
    /// the header comes with the next read, and the cuts after it still fall where frames end.
    @Test func aHeaderSplitBetweenTwoReadsIsFollowedAcrossThem() throws {
        let stream = Self.mixedStream
        for frameStart in [0] + stream.frameEnds.sorted().dropLast() {
            for inside in 1..<FrameAlignedReads.frameHeaderLength {
                let split = frameStart + inside
                try Self.check(stream, readAs: [Array(stream.bytes[..<split]), Array(stream.bytes[split...])])
            }
        }
        // And one byte at a time through the first frames, then the rest at once.
        let oneByOne = (0..<200).map { [stream.bytes[$0]] }
        try Self.check(stream, readAs: oneByOne + [Array(stream.bytes[200...])])
    }

    @Test func aLargeDataFrameReadAtOnceIsPassedOnInPiecesOfAtMostMaximumPiece() throws {
        let stream = Self.frames([(type: 0, length: 16_384, flags: 0), (type: 8, length: 4, flags: 0)])
        let (pieces, _) = try Self.pieces(of: [stream.bytes])
        #expect(pieces.map(\.count) == [
            FrameAlignedReads.maximumPiece,  // the header and the first 4087 bytes of payload
            FrameAlignedReads.maximumPiece, FrameAlignedReads.maximumPiece, FrameAlignedReads.maximumPiece,
            9 + 16_384 - 4 * FrameAlignedReads.maximumPiece,
            9 + 4,                           // the WINDOW_UPDATE on its own
        ])
    }

    @Test func aHeaderThatAnnouncesMoreThanAServerMaySendMeansItLostItsPlaceAndPassesReadsOnWhole() throws {
        var bytes = Self.frames([(type: 1, length: 20, flags: 0x4)]).bytes
        bytes += [0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]  // 1 MiB: no server may send that to us
        bytes += Array(repeating: 7, count: 5000)
        let later = Array(repeating: UInt8(1), count: 9000)
        let (pieces, handler) = try Self.pieces(of: [bytes, later])
        #expect(handler.lostPlace)
        #expect(pieces.first?.count == 9 + 20, "the frames before are still cut")
        #expect(pieces.dropFirst().map(\.count) == [bytes.count - 29, later.count], "then reads go on whole")
    }

    /// The parser keeps the first piece it is handed as its buffer: that one is a copy, not a slice
    /// of the read (TLS's plaintext buffer, which would otherwise be copied whole at the next
    /// read); the pieces after it are slices, as they need not be copied.
    @Test func theFirstPieceIsACopyAndTheRestAreSlicesOfTheRead() throws {
        let channel = EmbeddedChannel(handler: FrameAlignedReads())
        defer { _ = try? channel.finish() }
        let stream = Self.frames([(type: 4, length: 18, flags: 0), (type: 8, length: 4, flags: 0), (type: 0, length: 310, flags: 0)])
        let read = ByteBuffer(bytes: stream.bytes)
        try channel.writeInbound(read)
        let readStart = read.withUnsafeReadableBytes { Int(bitPattern: $0.baseAddress) }
        var starts: [Int] = []
        var bytes: [UInt8] = []
        while let piece = try channel.readInbound(as: ByteBuffer.self) {
            starts.append(piece.withUnsafeReadableBytes { Int(bitPattern: $0.baseAddress) })
            bytes += piece.readableBytesView
        }
        #expect(bytes == stream.bytes)
        #expect(starts.count == 3)
        #expect(starts.first != readStart, "the first piece shares the read's storage")
        #expect(Array(starts.dropFirst()) == [readStart + 9 + 18, readStart + 9 + 18 + 9 + 4], "later pieces are slices")
    }

    /// The connection set-up puts the cutter right behind TLS, in front of what parses HTTP/2.
    @Test func theSetupPutsItBetweenTLSAndTheHTTP2Parser() throws {
        let channel = EmbeddedChannel()
        let tls = try NIOSSLClientHandler(context: NIOSSLContext(configuration: .makeClientConfiguration()), serverHostname: nil)
        let parser = PieceRecorder()
        try channel.pipeline.syncOperations.addHandler(tls)
        try channel.pipeline.syncOperations.addHandler(parser)

        try ConnectionReadBuffers.alignFrames(channel).wait()

        let frames = Self.frames([(type: 0, length: 10_000, flags: 0)]).bytes
        try channel.pipeline.syncOperations.context(handlerType: NIOSSLClientHandler.self)
            .fireChannelRead(NIOAny(ByteBuffer(bytes: frames)))
        #expect(parser.pieces.count == 3, "10 009 bytes of one DATA frame reach the parser as 4096 + 4096 + 1817")
        #expect(parser.pieces.flatMap { $0 } == frames)
        _ = try? channel.finish()
    }

    @Test func aConnectionWithoutTLSIsLeftAsItIs() throws {
        let channel = EmbeddedChannel()
        try ConnectionReadBuffers.alignFrames(channel).wait()
        #expect(throws: (any Error).self) { try channel.pipeline.syncOperations.handler(type: FrameAlignedReads.self) }
        _ = try? channel.finish()
    }

    // MARK: - Helpers

    typealias Stream = (bytes: [UInt8], frameEnds: Set<Int>, dataPayloads: [ClosedRange<Int>])

    /// HTTP/2 frames of these types, payload lengths and flags, with where each ends and where each
    /// DATA payload lies in the stream.
    static func frames(_ shapes: [(type: UInt8, length: Int, flags: UInt8)]) -> Stream {
        var bytes: [UInt8] = []
        var ends: Set<Int> = []
        var payloads: [ClosedRange<Int>] = []
        for (index, shape) in shapes.enumerated() {
            bytes += [UInt8(shape.length >> 16 & 0xff), UInt8(shape.length >> 8 & 0xff), UInt8(shape.length & 0xff),
                      shape.type, shape.flags, 0, 0, 0, shape.type == 4 || shape.type == 6 ? 0 : 1]
            let start = bytes.count
            bytes += (0..<shape.length).map { UInt8(truncatingIfNeeded: $0 &+ index) }
            if shape.type == 0, shape.length > 0 { payloads.append(start...(bytes.count - 1)) }
            ends.insert(bytes.count)
        }
        return (bytes, ends, payloads)
    }

    /// Feeds the stream in these reads and checks every piece: nothing lost or reordered, each
    /// piece ends a read, a frame, or stops inside a DATA payload, and no piece carries more than
    /// `maximumPiece` bytes of DATA.
    static func check(_ stream: Stream, readAs reads: [[UInt8]]) throws {
        let (pieces, handler) = try pieces(of: reads)
        #expect(!handler.lostPlace)
        #expect(pieces.flatMap { $0 } == stream.bytes, "every byte passed on, in order")
        let readEnds = ends(of: reads)
        var end = 0
        for piece in pieces {
            #expect(!piece.isEmpty)
            end += piece.count
            let endsAFrame = stream.frameEnds.contains(end)
            let insideData = stream.dataPayloads.contains { $0.contains(end) }
            #expect(endsAFrame || insideData || readEnds.contains(end),
                    "a piece that does not end a read stops at a frame's end or inside a DATA payload (at \(end))")
            #expect(piece.count <= FrameAlignedReads.maximumPiece
                    || !stream.dataPayloads.contains { $0.overlaps((end - piece.count)..<end) },
                    "DATA is passed on at most maximumPiece bytes at a time")
        }
    }

    static func ends(of reads: [[UInt8]]) -> Set<Int> {
        var total = 0
        return Set(reads.map { total += $0.count; return total })
    }

    static func pieces(of reads: [[UInt8]]) throws -> (pieces: [[UInt8]], handler: FrameAlignedReads) {
        let handler = FrameAlignedReads()
        let channel = EmbeddedChannel(handler: handler)
        var pieces: [[UInt8]] = []
        for read in reads {
            try channel.writeInbound(ByteBuffer(bytes: read))
            while let piece = try channel.readInbound(as: ByteBuffer.self) { pieces.append(Array(piece.readableBytesView)) }
        }
        _ = try channel.finish()
        return (pieces, handler)
    }
}

/// Stands where the HTTP/2 parser is: records what it is handed.
private final class PieceRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var pieces: [[UInt8]] = []
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pieces.append(Array(unwrapInboundIn(data).readableBytesView))
    }
}
