import AddonCatalog
import Foundation
import KubernetesModel

/// One addon's rollout on one channel: an `AddonRollout` object (cluster-scoped, named
/// `<channel>.<addon>`). The driver (`RolloutDriver`, on one replica) writes it; every cluster
/// controller reads it to decide which version its cluster runs (`RolloutGate`). All rollout
/// state is here, none only in memory, so a restarted manager continues where it stood.
///
/// - `spec`: channel, addon, `fromVersion` → `toVersion`, and what people ask for: `paused`,
///   `rollback`, `attempt` (raised by `addonctl rollout resume`: failed clusters are tried again,
///   a rolled-back rollout starts over).
/// - `status`: phase, the wave it is on, when that wave finished (its soak started), and one
///   admission per cluster it let through (the version it ran before, when, and how it went).
public struct AddonRollout: Sendable, Equatable {
    public enum Phase: String, Sendable {
        case progressing = "Progressing", paused = "Paused", completed = "Completed", rolledBack = "RolledBack"
    }

    /// A cluster the rollout let through to the new version.
    public struct Admission: Sendable, Equatable {
        public enum State: String, Sendable { case updating = "Updating", updated = "Updated", failed = "Failed" }

        /// `namespace/name` of the Cluster.
        public var cluster: String
        public var wave: Int
        /// The version it ran when admitted (nil: it had none); a rollback returns it there.
        public var from: SemanticVersion?
        public var admittedAt: Date
        public var state: State
        public var reason: String?
        public var message: String?

        public init(cluster: String, wave: Int, from: SemanticVersion?, admittedAt: Date, state: State, reason: String? = nil, message: String? = nil) {
            self.cluster = cluster
            self.wave = wave
            self.from = from
            self.admittedAt = admittedAt
            self.state = state
            self.reason = reason
            self.message = message
        }
    }

    public var channel: String
    public var addon: String
    /// The version clusters ran before (nil: none; a first rollout of the addon).
    public var from: SemanticVersion?
    public var to: SemanticVersion
    public var paused = false
    public var rollback = false
    public var attempt = 0

    public var phase: Phase = .progressing
    public var waveIndex = 0
    public var waveCompletedAt: Date?
    public var admissions: [Admission] = []
    public var observedAttempt = 0
    /// Why it is where it is (a failure that paused it, who asked for what).
    public var message = ""
    public var startedAt: Date?
    public var completedAt: Date?
    /// The clusters and reasons that stopped it (kept when admissions are dropped on completion).
    public var failures: [Admission] = []
    public var resourceVersion: String?
    /// The spec's generation (written to the status as `observedGeneration`, for people).
    public var generation: Int64?
    /// The name of the wave it is on (the index follows the name when the waves change).
    public var waveName: String?
    /// The status as last written (what the driver compares its new status with).
    public var recordedStatus: JSONValue = .null
    /// Admissions by cluster, built once for an object read from the API (the gate asks for
    /// every addon of every reconcile); nil after the planner changed them.
    var admissionIndex: [String: Admission]?

    public init(channel: String, addon: String, from: SemanticVersion?, to: SemanticVersion) {
        self.channel = channel
        self.addon = addon
        self.from = from
        self.to = to
    }

    public static func objectName(channel: String, addon: String) -> String { "\(channel).\(addon)" }
    public var objectName: String { Self.objectName(channel: channel, addon: addon) }

    public func admission(of cluster: String) -> Admission? {
        if let admissionIndex { return admissionIndex[cluster] }
        return admissions.first { $0.cluster == cluster }
    }

    // MARK: The API object

    public init(object: KubeObject) throws(AddonRolloutError) {
        let spec = object.spec, status = object.status
        func fail(_ field: String, _ reason: String) -> AddonRolloutError { AddonRolloutError(rollout: object.name, field: field, reason: reason) }
        guard let channel = spec["channel"].stringValue else { throw fail("spec.channel", "required") }
        guard let addon = spec["addon"].stringValue else { throw fail("spec.addon", "required") }
        guard let to = spec["toVersion"].stringValue.flatMap(SemanticVersion.init) else { throw fail("spec.toVersion", "required, a semantic version") }
        self.init(channel: channel, addon: addon, from: spec["fromVersion"].stringValue.flatMap(SemanticVersion.init), to: to)
        paused = spec["paused"].boolValue ?? false
        rollback = spec["rollback"].boolValue ?? false
        attempt = Int(spec["attempt"].intValue ?? 0)
        resourceVersion = object.resourceVersion
        generation = object.generation
        recordedStatus = status
        observedAttempt = attempt
        // A status written for another target (none yet, or the driver stopped between writing
        // a new spec and its status) says nothing about this one: the rollout starts afresh,
        // admitting nobody, so every cluster keeps what it runs.
        guard status["toVersion"].stringValue == to.description, status["fromVersion"].stringValue == from?.description else { return }
        phase = status["phase"].stringValue.flatMap(Phase.init(rawValue:)) ?? .progressing
        waveIndex = max(0, Int(status["waveIndex"].intValue ?? 0))
        waveName = status["wave"].stringValue
        waveCompletedAt = status["waveCompletedAt"].stringValue.flatMap(KubeTime.parse)
        observedAttempt = Int(status["observedAttempt"].intValue ?? 0)
        message = status["message"].stringValue ?? ""
        startedAt = status["startedAt"].stringValue.flatMap(KubeTime.parse)
        completedAt = status["completedAt"].stringValue.flatMap(KubeTime.parse)
        admissions = (status["admissions"].arrayValue ?? []).compactMap(Self.admission(json:))
        failures = (status["failures"].arrayValue ?? []).compactMap(Self.admission(json:))
        admissionIndex = Dictionary(admissions.map { ($0.cluster, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Failures kept in the status with their messages (the rest are counted).
    static let failuresKept = 20

    /// The object with its spec (what the driver creates; people change `paused`, `rollback`, `attempt`).
    public func object() -> KubeObject {
        var object = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: ManagementKinds.addonRollout.kind, name: objectName)
        var spec: JSONValue = ["channel": .string(channel), "addon": .string(addon), "toVersion": .string(to.description),
                               "paused": .bool(paused), "rollback": .bool(rollback), "attempt": .int(Int64(attempt))]
        if let from { spec["fromVersion"] = .string(from.description) }
        object["spec"] = spec
        return object
    }

    /// The status as written, with a summary per wave of the members given (see `RolloutPlanner`).
    public func statusJSON(waves: [RolloutWave], members: [RolloutMember]) -> JSONValue {
        var status: JSONValue = ["phase": .string(phase.rawValue), "waveIndex": .int(Int64(waveIndex)), "observedAttempt": .int(Int64(observedAttempt)),
                                 "message": .string(message)]
        status["toVersion"] = .string(to.description)
        if let from { status["fromVersion"] = .string(from.description) }
        if let generation { status["observedGeneration"] = .int(generation) }
        if waveIndex < waves.count { status["wave"] = .string(waves[waveIndex].name) }
        if let waveCompletedAt {
            status["waveCompletedAt"] = .string(KubeTime.format(waveCompletedAt))
            if waveIndex < waves.count {
                status["soakUntil"] = .string(KubeTime.format(waveCompletedAt.addingTimeInterval(waves[waveIndex].soakSeconds)))
            }
        }
        if let startedAt { status["startedAt"] = .string(KubeTime.format(startedAt)) }
        if let completedAt { status["completedAt"] = .string(KubeTime.format(completedAt)) }
        // A completed rollout has dropped its admissions (`failures` keeps the clusters that
        // failed): every member counts as admitted, and as updated unless it failed.
        let completed = phase == .completed
        let byCluster = Dictionary(admissions.map { ($0.cluster, $0) }, uniquingKeysWith: { a, _ in a })
        let failedClusters = Set(failures.map(\.cluster))
        var summaries: [JSONValue] = []
        for (index, wave) in waves.enumerated() {
            let inWave = members.filter { $0.wave == index }
            let (admitted, updated, failed): (Int, Int, Int)
            if completed {
                let failedInWave = inWave.filter { failedClusters.contains($0.cluster) }.count
                (admitted, updated, failed) = (inWave.count, inWave.count - failedInWave, failedInWave)
            } else {
                let admissions = inWave.compactMap { byCluster[$0.cluster] }
                (admitted, updated, failed) = (admissions.count, admissions.filter { $0.state == .updated }.count,
                                               admissions.filter { $0.state == .failed }.count)
            }
            summaries.append(["name": .string(wave.name), "clusters": .int(Int64(inWave.count)), "admitted": .int(Int64(admitted)),
                              "updated": .int(Int64(updated)), "failed": .int(Int64(failed))])
        }
        status["waves"] = .array(summaries)
        status["clusters"] = .int(Int64(members.count))
        if completed {
            status["admitted"] = .int(Int64(members.count))
            status["updated"] = .int(Int64(members.filter { !failedClusters.contains($0.cluster) }.count))
            status["failed"] = .int(Int64(failures.count))
        } else {
            status["admitted"] = .int(Int64(admissions.count))
            status["updated"] = .int(Int64(admissions.filter { $0.state == .updated }.count))
            status["failed"] = .int(Int64(admissions.filter { $0.state == .failed }.count))
        }
        if phase == .rolledBack {
            let byMember = Dictionary(members.map { ($0.cluster, $0) }, uniquingKeysWith: { a, _ in a })
            let restored = admissions.filter { a in
                byMember[a.cluster].map { $0.applied == (a.from ?? from) && $0.phase == "Healthy" } ?? true
            }
            status["restored"] = .int(Int64(restored.count))
        }
        status["admissions"] = .array(admissions.map(Self.json(admission:)))
        status["failures"] = .array(failures.prefix(Self.failuresKept).map(Self.json(admission:)))
        if failures.count > Self.failuresKept { status["failuresNotShown"] = .int(Int64(failures.count - Self.failuresKept)) }
        return status
    }

    /// One admission as stored: an updated cluster only needs its name and the version to
    /// return it to (a fleet of 5000 stays well inside the API's object size).
    static func json(admission a: Admission) -> JSONValue {
        var o: JSONValue = ["cluster": .string(a.cluster), "state": .string(a.state.rawValue)]
        if a.state != .updated {
            o["wave"] = .int(Int64(a.wave))
            o["admittedAt"] = .string(KubeTime.format(a.admittedAt))
        }
        if let from = a.from { o["from"] = .string(from.description) }
        if let reason = a.reason { o["reason"] = .string(reason) }
        if let message = a.message { o["message"] = .string(String(message.prefix(256))) }
        return o
    }

    static func admission(json: JSONValue) -> Admission? {
        guard let cluster = json["cluster"].stringValue, let state = json["state"].stringValue.flatMap(Admission.State.init(rawValue:)) else { return nil }
        return Admission(cluster: cluster, wave: max(0, Int(json["wave"].intValue ?? 0)), from: json["from"].stringValue.flatMap(SemanticVersion.init),
                         admittedAt: json["admittedAt"].stringValue.flatMap(KubeTime.parse) ?? Date(timeIntervalSince1970: 0), state: state,
                         reason: json["reason"].stringValue, message: json["message"].stringValue)
    }
}

/// An `AddonRollout` object that cannot be read (someone wrote it by hand).
public struct AddonRolloutError: Error, CustomStringConvertible {
    public var rollout: String
    public var field: String
    public var reason: String
    public var description: String { "AddonRollout/\(rollout): \(field): \(reason)" }
}
