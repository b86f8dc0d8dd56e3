import Foundation

/// What the loop knows of one Machine when it judges its health: its server as the provider
/// reports it, and its Node as the workload cluster reports it.
public struct MachineObservation: Sendable, Equatable {
    /// The server, as far as health goes.
    public enum Server: Sendable, Equatable {
        /// Not created yet (or the create is in flight).
        case pending
        case building
        case running
        /// ERROR, with the provider's fault message.
        case failed(String)
        /// SHUTOFF.
        case stopped
        /// It existed and is gone.
        case gone
    }

    public struct NodeCondition: Sendable, Equatable {
        public var type: String
        public var status: String
        public var since: Date

        public init(type: String, status: String, since: Date) {
            self.type = type
            self.status = status
            self.since = since
        }
    }

    public enum Node: Sendable, Equatable {
        /// No Node has registered for it yet.
        case notYet
        /// Its Node, with its conditions.
        case registered(name: String, conditions: [NodeCondition])
        /// It had a Node and the Node is gone.
        case gone(name: String)
    }

    public var name: String
    /// When the Machine was created (the node start-up clock runs from here).
    public var created: Date
    public var server: Server
    public var node: Node

    public init(name: String, created: Date, server: Server, node: Node) {
        self.name = name
        self.created = created
        self.server = server
        self.node = node
    }
}

/// Is a Machine healthy, and if it is, when to look again — a pure decision (Cluster API's
/// `needsRemediation`), so that the controller only requeues.
public enum MachineHealth {
    public enum Verdict: Sendable, Equatable {
        /// Healthy now; `recheckIn`: when a condition or timeout in progress would make it
        /// unhealthy (nil: nothing pending).
        case healthy(recheckIn: Duration?)
        case unhealthy(reason: String, message: String)

        public var isHealthy: Bool { if case .healthy = self { return true } else { return false } }
    }

    public static func assess(_ machine: MachineObservation, rules: [NodePool.UnhealthyCondition], nodeStartupTimeout: Duration, now: Date) -> Verdict {
        switch machine.server {
        case .failed(let fault):
            return .unhealthy(reason: "ServerFailed", message: "its server is in ERROR" + (fault.isEmpty ? "" : ": \(fault)"))
        case .stopped:
            return .unhealthy(reason: "ServerStopped", message: "its server is SHUTOFF")
        case .gone:
            return .unhealthy(reason: "ServerGone", message: "its server no longer exists")
        case .pending, .building, .running:
            break
        }
        switch machine.node {
        case .gone(let name):
            return .unhealthy(reason: "NodeGone", message: "its Node \(name) was deleted")
        case .notYet:
            let waited = seconds(now.timeIntervalSince(machine.created))
            if waited >= nodeStartupTimeout {
                return .unhealthy(reason: "NodeStartupTimeout", message: "no Node registered within \(format(nodeStartupTimeout)) of its creation")
            }
            return .healthy(recheckIn: nodeStartupTimeout - waited)
        case .registered(let name, let conditions):
            var recheck: Duration?
            for rule in rules {
                guard let condition = conditions.first(where: { $0.type == rule.type }), condition.status == rule.status else { continue }
                let held = seconds(now.timeIntervalSince(condition.since))
                if held >= rule.duration {
                    return .unhealthy(reason: "NodeConditionUnhealthy",
                                      message: "Node \(name) has had \(rule.type)=\(rule.status) for \(format(held)) (limit \(format(rule.duration)))")
                }
                let left = rule.duration - held
                recheck = min(recheck ?? left, left)
            }
            return .healthy(recheckIn: recheck)
        }
    }

    static func seconds(_ interval: TimeInterval) -> Duration { .milliseconds(Int64((max(0, interval) * 1000).rounded())) }

    static func format(_ duration: Duration) -> String {
        let total = Int(duration.components.seconds)
        if total >= 60 && total % 60 == 0 { return "\(total / 60)m" }
        if total >= 60 { return "\(total / 60)m\(total % 60)s" }
        return "\(total)s"
    }
}

/// Whether a pool's unhealthy Machines may be replaced now: not when more of the pool is
/// unhealthy than `maxUnhealthy` allows (a network partition or a cloud outage must not recycle
/// a fleet), and not more at once than that budget (rate limit: replacements in flight count).
public enum Remediation {
    public struct Decision: Sendable, Equatable {
        public var allowed: Bool
        /// The Machines to replace now (empty when not allowed).
        public var replace: [String]
        public var unhealthy: Int
        public var limit: Int
        /// For the `RemediationAllowed` condition.
        public var message: String
    }

    /// - Parameters:
    ///   - verdicts: every Machine of the pool not already being deleted, by name.
    ///   - inFlight: Machines of the pool being deleted for remediation now.
    public static func decide(maxUnhealthy: CountOrPercent, verdicts: [String: MachineHealth.Verdict], inFlight: Int) -> Decision {
        let total = verdicts.count + inFlight
        let unhealthy = verdicts.filter { !$0.value.isHealthy }.keys.sorted()
        let limit = maxUnhealthy.resolve(total: total, roundUp: false)
        let counted = unhealthy.count + inFlight
        guard !unhealthy.isEmpty else {
            return Decision(allowed: true, replace: [], unhealthy: counted, limit: limit, message: "no unhealthy machines")
        }
        guard counted <= limit else {
            return Decision(allowed: false, replace: [], unhealthy: counted, limit: limit,
                            message: "\(counted) of \(total) machines are unhealthy, more than maxUnhealthy allows (\(limit)): none is replaced until fewer are")
        }
        let budget = max(0, max(1, limit) - inFlight)
        let replace = Array(unhealthy.prefix(budget))
        return Decision(allowed: true, replace: replace, unhealthy: counted, limit: limit,
                        message: "\(counted) of \(total) machines unhealthy (maxUnhealthy \(limit)): replacing \(replace.isEmpty ? "none more yet" : replace.joined(separator: ", "))")
    }
}
