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

    /// A read-idle time shorter than the PING timeout: PINGs keep its pace while answered.
    static let quickCases: [Case] = [
        Case(what: "PING after 5 s, look again when the next would be due", now: 5, lastRead: 0, pingSent: nil, expected: .ping(thenLookAgainAt: at(10))),
        Case(what: "answered at once: the next PING 5 s after the answer", now: 10, lastRead: 5, pingSent: 5, expected: .ping(thenLookAgainAt: at(15))),
        Case(what: "not answered yet: wait out the PING timeout", now: 10, lastRead: 0, pingSent: 5, expected: .lookAgain(at: at(20))),
        Case(what: "not answered in 15 s: give up", now: 20, lastRead: 0, pingSent: 5, expected: .giveUp(silentFor: .seconds(20))),
    ]

    @Test(arguments: quickCases) func decidesWhenPingsAreMoreFrequentThanTheirTimeout(_ c: Case) {
        let liveness = ConnectionLiveness(readIdleTimeout: .seconds(5), pingTimeout: .seconds(15))
        #expect(liveness.next(now: Self.at(c.now), lastRead: Self.at(c.lastRead), pingSent: c.pingSent.map(Self.at)) == c.expected)
    }

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

    /// client-go's variables tune it as they tune kubectl: empty counts as unset, and a bad
    /// value is reported, naming it, while its default stands.
    @Test func clientGosEnvironmentVariablesTuneIt() {
        #expect(ConnectionLiveness.fromEnvironment([:]).liveness == ConnectionLiveness())
        #expect(ConnectionLiveness.fromEnvironment(["HTTP2_READ_IDLE_TIMEOUT_SECONDS": "0"]).liveness == ConnectionLiveness(readIdleTimeout: nil))
        let tuned = ConnectionLiveness.fromEnvironment(["HTTP2_READ_IDLE_TIMEOUT_SECONDS": "60", "HTTP2_PING_TIMEOUT_SECONDS": "5"])
        #expect(tuned.liveness == ConnectionLiveness(readIdleTimeout: .seconds(60), pingTimeout: .seconds(5)))
        #expect(tuned.problems.isEmpty)
        let empty = ConnectionLiveness.fromEnvironment(["HTTP2_READ_IDLE_TIMEOUT_SECONDS": "", "HTTP2_PING_TIMEOUT_SECONDS": ""])
        #expect(empty.liveness == ConnectionLiveness() && empty.problems.isEmpty)
        for (variable, value) in [("HTTP2_READ_IDLE_TIMEOUT_SECONDS", "30s"), ("HTTP2_READ_IDLE_TIMEOUT_SECONDS", "-1"),
                                  ("HTTP2_PING_TIMEOUT_SECONDS", "0"), ("HTTP2_PING_TIMEOUT_SECONDS", "86401")] {
            let found = ConnectionLiveness.fromEnvironment([variable: value])
            #expect(found.liveness == ConnectionLiveness(), "\(variable)=\(value) changed the settings")
            #expect(found.problems.count == 1)
            #expect(found.problems.first?.hasPrefix("\(variable)=\"\(value)\": expected whole seconds") == true)
        }
    }

    /// A PING timeout of zero or less counts as 15 s (else every PING would be given up before its
    /// answer could come); days-long settings count as one day.
    @Test func outOfRangeSettingsAreBounded() {
        let zero = ConnectionLiveness(readIdleTimeout: .seconds(30), pingTimeout: .zero)
        #expect(zero.next(now: Self.at(30), lastRead: Self.at(0), pingSent: nil) == .ping(thenLookAgainAt: Self.at(45)))
        #expect(zero.next(now: Self.at(31), lastRead: Self.at(0), pingSent: Self.at(30)) == .lookAgain(at: Self.at(45)))
        let huge = ConnectionLiveness(readIdleTimeout: .seconds(Int64.max / 4), pingTimeout: .seconds(Int64.max / 4))
        #expect(huge.next(now: Self.at(1), lastRead: Self.at(0), pingSent: nil) == .lookAgain(at: Self.at(86_400)))
    }
}
