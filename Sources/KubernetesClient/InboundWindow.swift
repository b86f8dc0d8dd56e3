/// The receiving side of one HTTP/2 flow-control window (a stream's, or the connection's): when
/// to give the server room to send more, and how much (a WINDOW_UPDATE's increment).
///
/// The server may have about `target` bytes in flight or not yet taken by the reader. Bytes
/// handed to the reader count as in use until it has taken them: a reader that falls behind holds
/// the server back. Room is given back in large steps, once the window has shrunk to half its
/// target, not after every frame. As with swift-nio-http2's own multiplexer, this is not exact:
/// a report of the window that predates an increment just sent, or a stream opened before the
/// server acknowledged our SETTINGS (whose window grows again by the difference then), can let
/// the server have up to about twice `target` outstanding.
struct InboundWindow {
    let target: Int
    /// The window as swift-nio-http2 last reported it (nil: not yet reported), plus the
    /// increments sent since that report.
    private var size: Int?
    /// Increments decided and not yet sent (they go out once the frame being handled is done).
    private var unsent = 0
    /// Bytes delivered to the reader and not yet taken.
    private var withReader = 0
    /// Nothing more will arrive (a frame with END_STREAM came): no more increments.
    var closed = false

    init(target: Int) {
        self.target = target
    }

    /// swift-nio-http2 reports the window's size (after a frame arrived, or an increment went
    /// out). Returns the increment to send, if one is due.
    mutating func sizeChanged(to newSize: Int) -> Int? {
        size = newSize
        return increment()
    }

    /// `bytes` were handed to the reader.
    mutating func delivered(_ bytes: Int) {
        withReader += bytes
    }

    /// The reader took `bytes` it was handed. Returns the increment to send, if one is due.
    mutating func taken(_ bytes: Int) -> Int? {
        withReader -= bytes
        return increment()
    }

    /// An increment this window returned went out (or, `sent: false`, never will: the stream
    /// ended first).
    mutating func incrementDone(_ increment: Int, sent: Bool = true) {
        unsent -= increment
        if sent, let size { self.size = size + increment }
    }

    private mutating func increment() -> Int? {
        guard !closed, let size else { return nil }
        // Room the server has or is about to be given, plus what the reader holds (not yet to be
        // given back).
        let inUse = size + unsent + withReader
        guard inUse <= target / 2 else { return nil }
        // A window can be negative (a SETTINGS change shrank it): the increment may not exceed
        // what a WINDOW_UPDATE can carry.
        let increment = min(target - inUse, Int(Int32.max))
        guard increment > 0 else { return nil }
        unsent += increment
        return increment
    }
}
