import Logging
import NIOCore

/// Cuts what TLS decrypts on an HTTP/2 connection into pieces that end where a frame ends, or
/// inside a DATA frame's payload after at most `maximumPiece` bytes, before SwiftNIO's HTTP/2
/// parser sees them.
///
/// Why: the parser copies every read into one buffer of its own and keeps that buffer for the
/// connection's life. It starts writing at the buffer's beginning again only when the previous
/// read left nothing unparsed; when a read ends inside a frame header or a small frame, the next
/// one is written behind it, and the buffer grows. Over the large answers of a cluster's first
/// lists it grew to 64–128 KB and kept that size on a connection that then idles for hours
/// (heaptrack at 200 clusters: 16.4 MB held once converged, `Benchmarks/README.md`). Given pieces
/// that each end a frame, or stop inside a DATA payload (which the parser hands on as it comes
/// and then empties its buffer), the parser starts nearly every piece at its buffer's beginning:
/// the buffer no longer grows past the capacity it inherits from the first read it was handed
/// (TLS's 32 KB plaintext buffer, before this handler was in place; 8.2 MB at 200 clusters).
///
/// It only cuts: every byte goes on at once and in order, so the parser sees the same stream and
/// decodes the same frames; a large DATA frame reaches the stream as a few smaller ones, as it
/// does when TCP delivers it in parts. It follows the frames by their headers (RFC 9113 §4.1: a
/// 24-bit payload length, type, flags, stream identifier). It is installed once the connection's
/// first frames have gone by — AsyncHTTPClient's connection hook runs on the event loop while the
/// server's SETTINGS frame is handled, and `ConnectionReadBuffers.alignFrames` adds it there and
/// then, before the next read — so it assumes the next read starts a frame: before our first
/// request, a server has sent only its preface, whole frames. Should a header announce more than a
/// server may send us (SETTINGS_MAX_FRAME_SIZE, which AsyncHTTPClient leaves at 16 384), it has lost
/// its place: it says so in the log and passes everything on uncut from then on — the parser's
/// memory as before, nothing else.
///
/// The first piece it passes on is a copy: the parser keeps the first bytes it is handed as its
/// own buffer, and a piece is a slice of TLS's plaintext buffer. Kept, that slice made TLS copy
/// its whole buffer (32 KB, every page written: `ConnectionBufferPages`) at the next read.
final class FrameAlignedReads: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The most bytes of a DATA frame passed on in one piece.
    static let maximumPiece = 4096
    /// The largest frame payload a server may send: SETTINGS_MAX_FRAME_SIZE's default.
    static let maximumFrameLength = 16_384
    static let frameHeaderLength = 9
    private static let dataFrameType: UInt8 = 0

    private enum Position {
        /// Inside a frame header: how many of its bytes went by, and what they said so far.
        case header(seen: Int, length: Int, type: UInt8)
        /// Inside a frame's payload: how many bytes are still to come.
        case payload(left: Int, isData: Bool)
    }

    private var position = Position.header(seen: 0, length: 0, type: 0)
    /// Set when a header made no sense: every read is passed on whole from then on.
    private(set) var lostPlace = false
    /// Whether a piece went on yet: the first is passed as a copy.
    private var passedAPiece = false
    private let logger: Logger?

    init(logger: Logger? = nil) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !lostPlace else { return context.fireChannelRead(data) }
        let buffer = unwrapInboundIn(data)
        let end = buffer.writerIndex
        var pieceStart = buffer.readerIndex
        var cursor = buffer.readerIndex

        func passOn(upTo index: Int) {
            guard index > pieceStart, var piece = buffer.getSlice(at: pieceStart, length: index - pieceStart) else { return }
            pieceStart = index
            if !passedAPiece {
                passedAPiece = true
                var copy = context.channel.allocator.buffer(capacity: piece.readableBytes)
                copy.writeBuffer(&piece)
                piece = copy
            }
            context.fireChannelRead(wrapInboundOut(piece))
        }

        while cursor < end {
            switch position {
            case .header(var seen, var length, var type):
                let byte = buffer.getInteger(at: cursor, as: UInt8.self)!
                if seen < 3 { length = length << 8 | Int(byte) } else if seen == 3 { type = byte }
                seen += 1
                cursor += 1
                guard seen == Self.frameHeaderLength else {
                    position = .header(seen: seen, length: length, type: type)
                    continue
                }
                guard length <= Self.maximumFrameLength else {
                    lostPlace = true
                    logger?.info("HTTP/2 reads are passed to the frame parser uncut from now on: a frame header announced more than a server may send", metadata: [
                        "announcedBytes": "\(length)", "maximumBytes": "\(Self.maximumFrameLength)"])
                    passOn(upTo: end)
                    return
                }
                if length == 0 {
                    position = .header(seen: 0, length: 0, type: 0)
                    passOn(upTo: cursor)
                } else {
                    position = .payload(left: length, isData: type == Self.dataFrameType)
                }
            case .payload(var left, let isData):
                var take = min(left, end - cursor)
                if isData { take = min(take, Self.maximumPiece - (cursor - pieceStart)) }
                cursor += take
                left -= take
                if left == 0 {
                    position = .header(seen: 0, length: 0, type: 0)
                    passOn(upTo: cursor)
                } else {
                    position = .payload(left: left, isData: isData)
                    if isData && cursor - pieceStart >= Self.maximumPiece { passOn(upTo: cursor) }
                }
            }
        }
        passOn(upTo: end)
    }
}
