import NIOCore
import Testing
@testable import KubernetesClient

/// `ConnectionLiveness.next`: when a silent connection PINGs, and when it is given up.
@Suite struct ConnectionLivenessTests {
    typealias Step = ConnectionLiveness.Step

    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    static func at(_ seconds: Int64) -> NIODeadline { t0 + .seconds(seconds) }

    struct Case: Sendable, CustomTestStringConvertible {
        var what: String
        var now: Int64
        var lastRead: Int64
        var pingSent: Int64?
        var expected: Step?
        var testDescription: String { what }
    }

    static let cases: [Case] = [
        Case(what: "read 10 s ago: look again when 30 s have passed", now: 10, lastRead: 0, pingSent: nil, expected: .lookAgain(at: at(30))),
        Case(what: "silent for 30 s: PING, look again 15 s later", now: 30, lastRead: 0, pingSent: nil, expected: .ping(thenLookAgainAt: at(45))),
        Case(what: "silent for 40 s (a late timer): PING now", now: 40, lastRead: 0, pingSent: nil, expected: .ping(thenLookAgainAt: at(55))),
        Case(what: "PING out, no answer yet: wait for its deadline", now: 35, lastRead: 0, pingSent: 30, expected: .lookAgain(at: at(45))),
        Case(what: "PING unanswered for 15 s: give up", now: 45, lastRead: 0, pingSent: 30, expected: .giveUp(silentFor: .seconds(45))),
        Case(what: "PING answered: the next is due 30 s after the answer", now: 45, lastRead: 31, pingSent: 30, expected: .lookAgain(at: at(61))),
        Case(what: "anything read after the PING counts as an answer", now: 50, lastRead: 44, pingSent: 30, expected: .lookAgain(at: at(74))),
        Case(what: "answered long ago, silent again since: PING again", now: 70, lastRead: 31, pingSent: 30, expected: .ping(thenLookAgainAt: at(85))),
    ]

    @Test(arguments: cases) func decides(_ c: Case) {
        let liveness = ConnectionLiveness()
        let step = liveness.next(now: Self.at(c.now), lastRead: Self.at(c.lastRead), pingSent: c.pingSent.map(Self.at))
        #expect(step == c.expected)
    }

    @Test func offNeverPingsNorGivesUp() {
        #expect(ConnectionLiveness.off.next(now: Self.at(3600), lastRead: Self.at(0), pingSent: nil) == nil)
        #expect(ConnectionLiveness(readIdleTimeout: .zero).next(now: Self.at(3600), lastRead: Self.at(0), pingSent: Self.at(1)) == nil)
    }

    @Test func theDefaultsAreClientGos() {
        #expect(ConnectionLiveness() == ConnectionLiveness(readIdleTimeout: .seconds(30), pingTimeout: .seconds(15)))
    }
}
