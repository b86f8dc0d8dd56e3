import AddonController
import Foundation
import KubernetesModel

/// A condition as users see it.
public struct ConditionRecord: Sendable, Equatable {
    public var type: String
    public var status: String
    public var reason: String?
    public var message: String?
    public var lastTransitionTime: String?
    /// The generation of the object's spec the condition reflects.
    public var observedGeneration: Int64?

    init?(_ json: JSONValue) {
        guard let type = json["type"].stringValue, let status = json["status"].stringValue else { return nil }
        self.type = type
        self.status = status
        reason = json["reason"].stringValue
        message = json["message"].stringValue
        lastTransitionTime = json["lastTransitionTime"].stringValue
        observedGeneration = json["observedGeneration"].intValue
    }

    var json: JSONValue {
        var o: JSONValue = ["type": .string(type), "status": .string(status)]
        if let reason { o["reason"] = .string(reason) }
        if let message { o["message"] = .string(message) }
        if let lastTransitionTime { o["lastTransitionTime"] = .string(lastTransitionTime) }
        if let observedGeneration { o["observedGeneration"] = .int(observedGeneration) }
        return o
    }
}

/// A Cluster, reduced to what its project's users see (never its facts, values or Secrets).
public struct ClusterRecord: Sendable, Equatable {
    public var name: String
    public var project: String
    public var channel: String?
    public var kubernetesVersion: String?
    public var paused: Bool
    public var created: String?
    /// The generation of the Cluster's spec (`metadata.generation`).
    public var generation: Int64?
    public var conditions: [ConditionRecord]
    /// Each node pool's state as the provisioning loop reports it (name, replicas, ready, unhealthy).
    public var nodePools: [JSONValue]

    init(_ object: KubeObject) {
        name = object.name
        project = object.namespace ?? ""
        channel = object["spec"]["channel"].stringValue
        kubernetesVersion = object["spec"]["kubernetesVersion"].stringValue
        paused = object["spec"]["paused"].boolValue ?? false
        created = object.metadata["creationTimestamp"].stringValue
        generation = object.generation
        conditions = (object.status["conditions"].arrayValue ?? []).compactMap(ConditionRecord.init)
        nodePools = object.status["nodePools"].arrayValue ?? []
    }

    public var addonsHealthy: ConditionRecord? { conditions.first { $0.type == "AddonsHealthy" } }

    /// Whether every addon has been reconciled against the Cluster's latest spec (its
    /// `AddonsHealthy` condition's `observedGeneration`); nil when that is not known (a manager
    /// that does not write it, or no condition yet) or the cluster is paused (its addons are
    /// left as they are, whatever the spec says).
    public var latestSpecReconciled: Bool? {
        guard !paused, let generation, let observed = addonsHealthy?.observedGeneration else { return nil }
        return observed >= generation
    }
}

/// A ClusterAddon: which version one cluster runs of one addon, and how it is.
public struct AddonRecord: Sendable, Equatable {
    public var objectName: String
    public var cluster: String
    public var addon: String
    public var desiredVersion: String?
    public var appliedVersion: String?
    public var phase: String
    public var conditions: [ConditionRecord]
    /// Per-object health, as the status lists it.
    public var objects: [ObjectHealthRecord]
    public var lastAppliedTime: String?

    init?(_ object: KubeObject) {
        guard let cluster = object["spec"]["cluster"].stringValue ?? object.labels[ManagementKinds.clusterLabel],
              let addon = object["spec"]["addon"].stringValue ?? object.labels[ManagementKinds.addonLabel] else { return nil }
        objectName = object.name
        self.cluster = cluster
        self.addon = addon
        desiredVersion = object.status["desiredVersion"].stringValue
        appliedVersion = object.status["appliedVersion"].stringValue
        phase = object.status["phase"].stringValue ?? "Pending"
        conditions = (object.status["conditions"].arrayValue ?? []).compactMap(ConditionRecord.init)
        objects = (object.status["objects"].arrayValue ?? []).map(ObjectHealthRecord.init)
        lastAppliedTime = object.status["lastAppliedTime"].stringValue
    }

    /// Why it is not healthy, in one line: the first condition that is not True.
    public var why: ConditionRecord? {
        guard phase != HealthState.healthy.rawValue else { return nil }
        return conditions.first { $0.status != "True" } ?? conditions.first
    }

    /// The version it runs (or is getting).
    public var version: String? { appliedVersion ?? desiredVersion }
}

/// One object of a ClusterAddon's status and its health (`status.objects[]`, as the controller
/// writes it: kind, group, namespace, name, health, message), as strings, not the parsed JSON (a
/// store of a thousand clusters holds some sixty of these per cluster; as JSON objects they took
/// three times the memory).
public struct ObjectHealthRecord: Sendable, Equatable {
    public var kind: String?
    public var group: String?
    public var namespace: String?
    public var name: String?
    public var health: String?
    public var message: String?

    init(_ entry: JSONValue) {
        kind = entry["kind"].stringValue
        group = entry["group"].stringValue
        namespace = entry["namespace"].stringValue
        name = entry["name"].stringValue
        health = entry["health"].stringValue
        message = entry["message"].stringValue
    }

    /// As the API answers it: the fields the status had, no others.
    var json: JSONValue {
        var o: JSONValue = [:]
        for (key, value) in [("kind", kind), ("group", group), ("namespace", namespace), ("name", name), ("health", health), ("message", message)] {
            if let value { o[key] = .string(value) }
        }
        return o
    }
}

/// An Event about a Cluster or one of its ClusterAddons.
public struct EventRecord: Sendable, Equatable {
    public var uid: String
    public var cluster: String
    public var addon: String?
    public var type: String
    public var reason: String
    public var message: String
    public var count: Int
    public var lastTime: String

    /// - Parameter addonOf: the cluster and addon of a ClusterAddon by object name.
    init?(_ object: KubeObject, addonOf: (String) -> (cluster: String, addon: String)?) {
        let involved = object["involvedObject"]
        guard let kind = involved["kind"].stringValue, let name = involved["name"].stringValue else { return nil }
        switch kind {
        case "Cluster":
            cluster = name
            addon = nil
        case "ClusterAddon":
            guard let owner = addonOf(name) else { return nil }
            cluster = owner.cluster
            addon = owner.addon
        default:
            return nil
        }
        uid = object.uid ?? "\(object.namespace ?? "")/\(object.name)"
        type = object["type"].stringValue ?? "Normal"
        reason = object["reason"].stringValue ?? ""
        message = object["message"].stringValue ?? ""
        count = Int(object["count"].intValue ?? 1)
        lastTime = object["lastTimestamp"].stringValue ?? object["eventTime"].stringValue
            ?? object.metadata["creationTimestamp"].stringValue ?? ""
    }
}

/// An AddonRollout: an addon moving to a new version on one channel, wave by wave.
public struct RolloutRecord: Sendable, Equatable {
    public struct Admission: Sendable, Equatable {
        public var project: String
        public var cluster: String
        public var state: String
        public var reason: String?
        public var message: String?
    }

    public var name: String
    public var channel: String
    public var addon: String
    public var from: String?
    public var to: String
    public var phase: String
    public var wave: String?
    public var message: String
    public var soakUntil: String?
    public var paused: Bool
    public var admissions: [Admission]
    /// Failures that stopped it (they stay after a rollback returns the clusters).
    public var failures: [Admission]
    /// The clusters it covers, fleet-wide (operators only).
    public var clusterCount: Int
    public var updatedCount: Int

    init(_ object: KubeObject) {
        name = object.name
        let rollout = try? AddonRollout(object: object)
        channel = rollout?.channel ?? object["spec"]["channel"].stringValue ?? ""
        addon = rollout?.addon ?? object["spec"]["addon"].stringValue ?? ""
        from = rollout?.from?.description
        to = rollout?.to.description ?? object["spec"]["toVersion"].stringValue ?? ""
        phase = rollout?.phase.rawValue ?? "Progressing"
        wave = rollout?.waveName
        message = rollout?.message ?? ""
        soakUntil = object.status["soakUntil"].stringValue
        paused = rollout?.paused ?? false
        func admission(_ a: AddonRollout.Admission) -> Admission? {
            let parts = a.cluster.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil }
            return Admission(project: parts[0], cluster: parts[1], state: a.state.rawValue, reason: a.reason, message: a.message)
        }
        admissions = (rollout?.admissions ?? []).compactMap(admission)
        failures = (rollout?.failures ?? []).compactMap(admission)
        clusterCount = Int(object.status["clusters"].intValue ?? 0)
        updatedCount = Int(object.status["updated"].intValue ?? 0)
    }
}
