import NIOCore

/// When a connection that has read nothing for a while is asked whether the server is still
/// there (an HTTP/2 PING), and when one that did not answer is given up: what client-go does with
/// Go's `ReadIdleTimeout` (30 s) and `PingTimeout` (15 s).
///
/// Without it, a connection whose peer vanished without a reset (a frozen host, a load balancer
/// or NAT that dropped its state, a partition) carries a cluster's watches for as long as their
/// own deadline, up to an hour: the cluster's cache, and with it its addons' health, stays as it
/// was. A request notices sooner (`Transport.exchange` closes the connection when a request times
/// out unanswered), but a cluster whose addons are all in place sends none.
///
/// A pure decision, `next(now:lastRead:pingSent:)`; `SilenceWatch` carries it out on the channel.
public struct ConnectionLiveness: Sendable, Equatable {
    /// After this long without a byte from the server, a PING goes out. Nil: never (the
    /// connection is then left to its requests' timeouts).
    public var readIdleTimeout: Duration?
    /// How long the PING's answer (or anything else from the server) may take before the
    /// connection is closed, failing its streams: watches start again on a new connection.
    public var pingTimeout: Duration

    public init(readIdleTimeout: Duration? = .seconds(30), pingTimeout: Duration = .seconds(15)) {
        self.readIdleTimeout = readIdleTimeout
        self.pingTimeout = pingTimeout
    }

    /// Never asks; only request timeouts find a dead connection.
    public static let off = ConnectionLiveness(readIdleTimeout: nil)

    /// What to do next.
    enum Step: Equatable {
        /// Nothing now: look again then.
        case lookAgain(at: NIODeadline)
        /// Send a PING now, and look again then.
        case ping(thenLookAgainAt: NIODeadline)
        /// The server has not answered the PING sent at `pingSent` (nor said anything else) in
        /// `pingTimeout`: close the connection.
        case giveUp(silentFor: TimeAmount)
    }

    /// What to do at `now`, given when the connection last read anything (or was set up, if
    /// later) and when the PING awaiting its answer went out (nil: none).
    func next(now: NIODeadline, lastRead: NIODeadline, pingSent: NIODeadline?) -> Step? {
        guard let readIdle = readIdleTimeout?.timeAmount, readIdle > .zero else { return nil }
        let patience = pingTimeout.timeAmount
        if let sent = pingSent, lastRead < sent {
            let deadline = sent + patience
            return now >= deadline ? .giveUp(silentFor: now - lastRead) : .lookAgain(at: deadline)
        }
        let due = lastRead + readIdle
        return now >= due ? .ping(thenLookAgainAt: now + patience) : .lookAgain(at: due)
    }
}
