import NIOCore

/// Cuts what TLS decrypts on an HTTP/2 connection into pieces that end where a frame ends, or
/// inside a DATA frame's payload after at most `maximumPiece` bytes, before SwiftNIO's HTTP/2
/// parser sees them.
///
/// Why: the parser copies every read into one buffer of its own and keeps that buffer for the
/// connection's life. It starts writing at the buffer's beginning again only when the previous
/// read left nothing unparsed; when a read ends inside a frame header or a small frame, the next
/// one is written behind it, and the buffer grows. Over the large answers of a cluster's first
/// lists it grows to 64–128 KB and keeps that size on a connection that then idles for hours:
/// 113 KB per connection at 200 clusters (heaptrack, `Benchmarks/README.md`), the largest single
/// part of what the manager holds per cluster. Given pieces that each end a frame, or stop inside
/// a DATA payload (which the parser hands on as it comes and then empties its buffer), the
/// parser starts every piece at its buffer's beginning: the buffer stays the size of one piece.
///
/// It only cuts: every byte goes on at once and in order, so the parser sees the same stream and
/// its behaviour cannot change, only its memory. It follows the frames by their headers
/// (RFC 9113 §4.1: a 24-bit payload length, type, flags, stream identifier). It is installed
/// once the connection's first frames have gone by (AsyncHTTPClient's hook runs when the
/// server's SETTINGS arrived), so it assumes the next read starts a frame: a server's preface is
/// whole frames in one write. Should a header it reads announce more than a server may send us
/// (SETTINGS_MAX_FRAME_SIZE, which AsyncHTTPClient leaves at 16 384), it has lost its place and
/// passes everything on uncut from then on: the parser's memory as before, nothing else.
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

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !lostPlace else { return context.fireChannelRead(data) }
        let buffer = unwrapInboundIn(data)
        let end = buffer.writerIndex
        var pieceStart = buffer.readerIndex
        var cursor = buffer.readerIndex

        func passOn(upTo index: Int) {
            guard index > pieceStart, let piece = buffer.getSlice(at: pieceStart, length: index - pieceStart) else { return }
            pieceStart = index
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
