import KubernetesModel

/// How an object, or an addon, is doing.
public enum HealthState: String, Sendable, Codable, CaseIterable, Comparable {
    /// Everything is current and ready.
    case healthy = "Healthy"
    /// Converging: a rollout or a first start is under way.
    case progressing = "Progressing"
    /// Was rolled out, but is not (fully) working now.
    case degraded = "Degraded"
    /// Will not get better by waiting: a failed Job, a rollout past its deadline, a failed apply.
    case failed = "Failed"
    /// Cannot be told: the cluster is unreachable.
    case unknown = "Unknown"

    /// Severity order for aggregation: the worst state of the parts is the state of the whole.
    var severity: Int {
        switch self {
        case .healthy: return 0
        case .progressing: return 1
        case .degraded: return 2
        case .unknown: return 3
        case .failed: return 4
        }
    }

    public static func < (lhs: HealthState, rhs: HealthState) -> Bool { lhs.severity < rhs.severity }
}

/// The health of one object, with the reason a person reads.
public struct ObjectHealth: Sendable, Equatable {
    public var reference: ObjectReference
    public var state: HealthState
    public var message: String

    public init(reference: ObjectReference, state: HealthState, message: String) {
        self.reference = reference
        self.state = state
        self.message = message
    }

    /// As written into ClusterAddon status (`status.objects[]`).
    public var json: JSONValue {
        var o: JSONValue = ["kind": .string(reference.groupKind.kind), "name": .string(reference.name), "health": .string(state.rawValue)]
        if !reference.groupKind.group.isEmpty { o["group"] = .string(reference.groupKind.group) }
        if let ns = reference.namespace { o["namespace"] = .string(ns) }
        if !message.isEmpty { o["message"] = .string(message) }
        return o
    }
}
