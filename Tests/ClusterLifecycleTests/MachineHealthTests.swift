import Foundation
import Testing
@testable import ClusterLifecycle

/// The health decision, table by table (as Cluster API tests `needsRemediation`).
@Suite struct MachineHealthTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let rules = NodePool.defaultUnhealthyConditions

    static func machine(age: TimeInterval = 3600, server: MachineObservation.Server = .running, node: MachineObservation.Node) -> MachineObservation {
        MachineObservation(name: "m", created: now.addingTimeInterval(-age), server: server, node: node)
    }

    static func ready(_ status: String, since seconds: TimeInterval) -> MachineObservation.Node {
        .registered(name: "node-1", conditions: [.init(type: "Ready", status: status, since: now.addingTimeInterval(-seconds))])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var machine: MachineObservation
        var expected: MachineHealth.Verdict
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "Ready node", machine: machine(node: ready("True", since: 10)), expected: .healthy(recheckIn: nil)),
        Case(name: "NotReady for less than `for`", machine: machine(node: ready("False", since: 100)), expected: .healthy(recheckIn: .seconds(200))),
        Case(name: "NotReady for exactly `for`", machine: machine(node: ready("False", since: 300)),
             expected: .unhealthy(reason: "NodeConditionUnhealthy", message: "Node node-1 has had Ready=False for 5m (limit 5m)")),
        Case(name: "Ready Unknown past `for`", machine: machine(node: ready("Unknown", since: 330)),
             expected: .unhealthy(reason: "NodeConditionUnhealthy", message: "Node node-1 has had Ready=Unknown for 5m30s (limit 5m)")),
        Case(name: "a condition the rules do not name", machine: machine(node: .registered(name: "n", conditions: [.init(type: "DiskPressure", status: "True", since: now.addingTimeInterval(-9999))])),
             expected: .healthy(recheckIn: nil)),
        Case(name: "no Node yet, within the start-up timeout", machine: machine(age: 60, node: .notYet), expected: .healthy(recheckIn: .seconds(540))),
        Case(name: "no Node past the start-up timeout", machine: machine(age: 601, server: .building, node: .notYet),
             expected: .unhealthy(reason: "NodeStartupTimeout", message: "no Node registered within 10m of its creation")),
        Case(name: "server ERROR", machine: machine(server: .failed("No valid host was found"), node: .notYet),
             expected: .unhealthy(reason: "ServerFailed", message: "its server is in ERROR: No valid host was found")),
        Case(name: "server SHUTOFF though the node looks Ready", machine: machine(server: .stopped, node: ready("True", since: 10)),
             expected: .unhealthy(reason: "ServerStopped", message: "its server is SHUTOFF")),
        Case(name: "server gone", machine: machine(server: .gone, node: ready("True", since: 10)),
             expected: .unhealthy(reason: "ServerGone", message: "its server no longer exists")),
        Case(name: "node deleted", machine: machine(node: .gone(name: "node-1")),
             expected: .unhealthy(reason: "NodeGone", message: "its Node node-1 was deleted")),
    ]

    @Test(arguments: cases) func verdicts(_ c: Case) {
        #expect(MachineHealth.assess(c.machine, rules: Self.rules, nodeStartupTimeout: .seconds(600), now: Self.now) == c.expected)
    }

    @Test func theEarliestPendingConditionDecidesWhenToLookAgain() {
        let rules = [NodePool.UnhealthyCondition(type: "Ready", status: "False", duration: .seconds(300)),
                     NodePool.UnhealthyCondition(type: "NetworkUnavailable", status: "True", duration: .seconds(60))]
        let node = MachineObservation.Node.registered(name: "n", conditions: [
            .init(type: "Ready", status: "False", since: Self.now.addingTimeInterval(-100)),
            .init(type: "NetworkUnavailable", status: "True", since: Self.now.addingTimeInterval(-50)),
        ])
        #expect(MachineHealth.assess(Self.machine(node: node), rules: rules, nodeStartupTimeout: .seconds(600), now: Self.now) == .healthy(recheckIn: .seconds(10)))
    }

    // MARK: maxUnhealthy

    static func verdicts(healthy: Int, unhealthy: Int) -> [String: MachineHealth.Verdict] {
        var all: [String: MachineHealth.Verdict] = [:]
        for i in 0..<healthy { all["ok-\(i)"] = .healthy(recheckIn: nil) }
        for i in 0..<unhealthy { all["bad-\(i)"] = .unhealthy(reason: "NodeConditionUnhealthy", message: "x") }
        return all
    }

    @Test func withinMaxUnhealthyTheUnhealthyAreReplaced() {
        let decision = Remediation.decide(maxUnhealthy: .percent(40), verdicts: Self.verdicts(healthy: 4, unhealthy: 1), inFlight: 0)
        #expect(decision.allowed && decision.replace == ["bad-0"] && decision.limit == 2)
    }

    @Test func beyondMaxUnhealthyNothingIsReplacedAndTheConditionSaysWhy() {
        // A partition: 3 of 5 NotReady at once.
        let decision = Remediation.decide(maxUnhealthy: .percent(40), verdicts: Self.verdicts(healthy: 2, unhealthy: 3), inFlight: 0)
        #expect(!decision.allowed && decision.replace.isEmpty)
        #expect(decision.message == "3 of 5 machines are unhealthy, more than maxUnhealthy allows (2): none is replaced until fewer are")
    }

    @Test func replacementsInFlightCountAgainstTheBudget() {
        let decision = Remediation.decide(maxUnhealthy: .count(2), verdicts: Self.verdicts(healthy: 3, unhealthy: 1), inFlight: 1)
        #expect(decision.allowed && decision.replace == ["bad-0"])
        let full = Remediation.decide(maxUnhealthy: .count(2), verdicts: Self.verdicts(healthy: 3, unhealthy: 1), inFlight: 2)
        #expect(!full.allowed, "\(full)")
        let zero = Remediation.decide(maxUnhealthy: .count(0), verdicts: Self.verdicts(healthy: 3, unhealthy: 1), inFlight: 0)
        #expect(!zero.allowed)
    }
}
