import AddonCatalog
import Foundation
import KubernetesModel

/// What a ClusterAddon's status says: desired and applied version, phase, conditions, per-object
/// health, last applied hash and time. Built in one place from what a reconcile learned.
public struct ClusterAddonStatus: Sendable, Equatable {
    public var desiredVersion: String?
    public var appliedVersion: String?
    public var lastHealthyVersion: String?
    public var phase: HealthState
    public var conditions: [Condition]
    public var objects: [ObjectHealth]
    public var conflicts: [AddonApplier.Conflict]
    public var lastAppliedHash: String?
    public var lastAppliedTime: String?

    public init(desiredVersion: String? = nil, appliedVersion: String? = nil, lastHealthyVersion: String? = nil, phase: HealthState,
                conditions: [Condition] = [], objects: [ObjectHealth] = [], conflicts: [AddonApplier.Conflict] = [],
                lastAppliedHash: String? = nil, lastAppliedTime: String? = nil) {
        self.desiredVersion = desiredVersion
        self.appliedVersion = appliedVersion
        self.lastHealthyVersion = lastHealthyVersion
        self.phase = phase
        self.conditions = conditions
        self.objects = objects
        self.conflicts = conflicts
        self.lastAppliedHash = lastAppliedHash
        self.lastAppliedTime = lastAppliedTime
    }

    /// Reads the status of a ClusterAddon object.
    public init(json status: JSONValue) {
        desiredVersion = status["desiredVersion"].stringValue
        appliedVersion = status["appliedVersion"].stringValue
        lastHealthyVersion = status["lastHealthyVersion"].stringValue
        phase = status["phase"].stringValue.flatMap(HealthState.init(rawValue:)) ?? .progressing
        conditions = (status["conditions"].arrayValue ?? []).compactMap(Condition.init(json:))
        objects = (status["objects"].arrayValue ?? []).compactMap { o in
            guard let kind = o["kind"].stringValue, let name = o["name"].stringValue,
                let state = o["health"].stringValue.flatMap(HealthState.init(rawValue:)) else { return nil }
            return ObjectHealth(reference: ObjectReference(groupKind: GroupKind(group: o["group"].stringValue ?? "", kind: kind), namespace: o["namespace"].stringValue, name: name),
                                state: state, message: o["message"].stringValue ?? "")
        }
        conflicts = (status["conflicts"].arrayValue ?? []).compactMap { c in
            guard let field = c["field"].stringValue, let manager = c["manager"].stringValue, let object = c["object"].stringValue else { return nil }
            let parts = object.split(separator: " ", maxSplits: 1).map(String.init)
            let nsName = parts.count > 1 ? parts[1].split(separator: "/").map(String.init) : []
            let reference = ObjectReference(groupKind: GroupKind(parsing: parts.first ?? ""), namespace: nsName.count == 2 ? nsName[0] : nil, name: nsName.last ?? "")
            return AddonApplier.Conflict(object: reference, field: field, manager: manager)
        }
        lastAppliedHash = status["lastAppliedHash"].stringValue
        lastAppliedTime = status["lastAppliedTime"].stringValue
    }

    public var json: JSONValue {
        var o: JSONValue = ["phase": .string(phase.rawValue), "conditions": .array(conditions.map(\.json)), "objects": .array(objects.map(\.json))]
        if let desiredVersion { o["desiredVersion"] = .string(desiredVersion) }
        if let appliedVersion { o["appliedVersion"] = .string(appliedVersion) }
        if let lastHealthyVersion { o["lastHealthyVersion"] = .string(lastHealthyVersion) }
        if let lastAppliedHash { o["lastAppliedHash"] = .string(lastAppliedHash) }
        if let lastAppliedTime { o["lastAppliedTime"] = .string(lastAppliedTime) }
        if !conflicts.isEmpty {
            o["conflicts"] = .array(conflicts.map { ["object": .string($0.object.description), "field": .string($0.field), "manager": .string($0.manager)] })
        }
        return o
    }

    public func condition(_ type: String) -> Condition? { conditions.first { $0.type == type } }

    /// Whether writing `self` over `current` would change anything a person sees.
    public func differs(from current: ClusterAddonStatus?) -> Bool {
        guard let current else { return true }
        return json != current.json
    }

    /// Carries over condition transition times from the current status (a condition's time
    /// moves only when its status changes).
    public mutating func keepTransitionTimes(from current: ClusterAddonStatus?) {
        guard let current else { return }
        conditions = conditions.map { condition in
            var c = condition
            if let old = current.condition(c.type), old.status == c.status { c.lastTransitionTime = old.lastTransitionTime }
            return c
        }
    }
}
