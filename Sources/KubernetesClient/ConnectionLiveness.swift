import Foundation
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

    /// The longest either wait may be (a day); a longer one counts as a day.
    static let longest = Duration.seconds(86_400)

    /// What to do at `now`, given when the connection last read anything (or was set up, if
    /// later) and when the PING awaiting its answer went out (nil: none). A `pingTimeout` of zero
    /// or less counts as the default, 15 s (as Go's); after a PING the connection is looked at
    /// again when it is due to be given up, or, if sooner, when the next PING would be due.
    func next(now: NIODeadline, lastRead: NIODeadline, pingSent: NIODeadline?) -> Step? {
        guard let idle = readIdleTimeout, idle > .zero else { return nil }
        let readIdle = min(idle, Self.longest).timeAmount
        let patience = (pingTimeout > .zero ? min(pingTimeout, Self.longest) : ConnectionLiveness().pingTimeout).timeAmount
        if let sent = pingSent, lastRead < sent {
            let deadline = sent + patience
            return now >= deadline ? .giveUp(silentFor: now - lastRead) : .lookAgain(at: deadline)
        }
        let due = lastRead + readIdle
        return now >= due ? .ping(thenLookAgainAt: now + min(patience, readIdle)) : .lookAgain(at: due)
    }
}

extension ConnectionLiveness {
    /// client-go's environment variables, which tune every Kubernetes client built on it
    /// (kubectl, controllers): `HTTP2_READ_IDLE_TIMEOUT_SECONDS` (0 turns PINGs off) and
    /// `HTTP2_PING_TIMEOUT_SECONDS`, whole seconds. As client-go: an empty one counts as unset,
    /// and one that is not whole seconds in range is reported and left out (its default stands).
    public static func fromEnvironment(_ environment: [String: String]) -> (liveness: ConnectionLiveness, problems: [String]) {
        var liveness = ConnectionLiveness()
        var problems: [String] = []
        func seconds(_ variable: String, least: Int) -> Int? {
            guard let text = environment[variable], !text.isEmpty else { return nil }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= least, value <= 86_400 else {
                problems.append("\(variable)=\"\(text)\": expected whole seconds from \(least) to 86400\(least == 0 ? " (0: no PINGs)" : ""); the default stands")
                return nil
            }
            return value
        }
        if let idle = seconds("HTTP2_READ_IDLE_TIMEOUT_SECONDS", least: 0) { liveness.readIdleTimeout = idle == 0 ? nil : .seconds(idle) }
        if let patience = seconds("HTTP2_PING_TIMEOUT_SECONDS", least: 1) { liveness.pingTimeout = .seconds(patience) }
        return (liveness, problems)
    }

    /// This process's, read once: what a connection that was not given its own gets.
    static let ofThisProcess = fromEnvironment(ProcessInfo.processInfo.environment)
}
