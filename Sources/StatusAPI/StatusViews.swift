import AddonCatalog
import Foundation
import KubernetesModel

/// The JSON the status API answers with, built from a store snapshot for what one caller may
/// see. Every view takes the projects the caller may see and nothing else: a view never reads a
/// project outside them (not even its name).
public enum StatusViews {
    public static let phases = ["Healthy", "Progressing", "Degraded", "Failed", "Unknown", "Pending"]

    // MARK: Projects and clusters

    public static func project(_ name: String, _ state: FleetStatusStore.ProjectState) -> JSONValue {
        var counts: [String: Int] = [:]
        for addons in state.addons.values {
            for record in addons.values { counts[record.phase, default: 0] += 1 }
        }
        let healthyClusters = state.clusters.values.filter { $0.addonsHealthy?.status == "True" }.count
        return ["name": .string(name), "clusters": .int(Int64(state.clusters.count)), "healthyClusters": .int(Int64(healthyClusters)),
                "addons": phaseCounts(counts)]
    }

    public static func clusterSummary(_ cluster: ClusterRecord, addons: [String: AddonRecord]) -> JSONValue {
        var counts: [String: Int] = [:]
        for record in addons.values { counts[record.phase, default: 0] += 1 }
        var o: JSONValue = ["name": .string(cluster.name), "project": .string(cluster.project), "paused": .bool(cluster.paused),
                            "addons": phaseCounts(counts)]
        if let channel = cluster.channel { o["channel"] = .string(channel) }
        if let version = cluster.kubernetesVersion { o["kubernetesVersion"] = .string(version) }
        if let condition = cluster.addonsHealthy { o["addonsHealthy"] = condition.json }
        if let generation = cluster.generation { o["generation"] = .int(generation) }
        if let reconciled = cluster.latestSpecReconciled { o["latestSpecReconciled"] = .bool(reconciled) }
        let notHealthy = addons.values.filter { $0.phase != "Healthy" }.sorted { $0.addon < $1.addon }
        o["notHealthy"] = .array(notHealthy.map { record in
            var entry: JSONValue = ["addon": .string(record.addon), "phase": .string(record.phase)]
            if let why = record.why {
                if let reason = why.reason { entry["reason"] = .string(reason) }
                if let message = why.message { entry["message"] = .string(message) }
            }
            return entry
        })
        return o
    }

    public static func cluster(_ cluster: ClusterRecord, addons: [String: AddonRecord], events: [EventRecord], rollouts: [RolloutRecord]) -> JSONValue {
        var o = clusterSummary(cluster, addons: addons)
        o["conditions"] = .array(cluster.conditions.map(\.json))
        o["nodePools"] = .array(cluster.nodePools)
        if let created = cluster.created { o["created"] = .string(created) }
        o["addons"] = .array(addons.values.sorted { $0.addon < $1.addon }.map { addonSummary($0) })
        o["events"] = .array(events.map(event))
        // The rollouts that concern this cluster now: its channel's, not completed.
        let mine = rollouts.filter { $0.channel == cluster.channel && $0.phase != "Completed" }
        o["rollouts"] = .array(mine.map { rollout($0, visibleProjects: [cluster.project], onlyCluster: cluster.name, isOperator: false) })
        return o
    }

    public static func addonSummary(_ record: AddonRecord) -> JSONValue {
        var o: JSONValue = ["name": .string(record.addon), "phase": .string(record.phase)]
        if let version = record.appliedVersion { o["version"] = .string(version) }
        if let desired = record.desiredVersion { o["desiredVersion"] = .string(desired) }
        if let why = record.why {
            if let reason = why.reason { o["reason"] = .string(reason) }
            if let message = why.message { o["message"] = .string(message) }
            if let since = why.lastTransitionTime { o["since"] = .string(since) }
        }
        if let applied = record.lastAppliedTime { o["lastApplied"] = .string(applied) }
        return o
    }

    public static func addon(_ record: AddonRecord, events: [EventRecord]) -> JSONValue {
        var o = addonSummary(record)
        o["cluster"] = .string(record.cluster)
        o["conditions"] = .array(record.conditions.map(\.json))
        o["objects"] = .array(record.objects.map(\.json))
        o["events"] = .array(events.filter { $0.addon == record.addon }.map(event))
        return o
    }

    public static func event(_ record: EventRecord) -> JSONValue {
        var o: JSONValue = ["type": .string(record.type), "reason": .string(record.reason), "message": .string(record.message),
                            "count": .int(Int64(record.count)), "lastTime": .string(record.lastTime), "cluster": .string(record.cluster)]
        if let addon = record.addon { o["addon"] = .string(addon) }
        return o
    }

    // MARK: Fleet, rollouts, catalog

    /// Per addon and version: how many clusters run it and how they are — over the projects given.
    public static func fleet(_ snapshot: FleetStatusStore.Snapshot, projects: [String]) -> JSONValue {
        var table: [String: [String: [String: Int]]] = [:]
        for project in projects {
            guard let state = snapshot.projects[project] else { continue }
            for (cluster, addons) in state.addons where state.clusters[cluster] != nil {
                for record in addons.values {
                    table[record.addon, default: [:]][record.version ?? "none", default: [:]][record.phase, default: 0] += 1
                }
            }
        }
        let addons: [JSONValue] = table.keys.sorted().map { addon in
            let versions = table[addon]!.keys.sorted(by: newerFirst)
            return ["addon": .string(addon), "versions": .array(versions.map { version in
                let counts = table[addon]![version]!
                return ["version": .string(version), "clusters": .int(Int64(counts.values.reduce(0, +))), "phases": phaseCounts(counts)]
            })]
        }
        return ["addons": .array(addons)]
    }

    /// A rollout as one caller may see it: operators everything; a project's users its phase,
    /// versions and wave, and their own clusters in it (counted and listed), never others'.
    public static func rollout(_ record: RolloutRecord, visibleProjects: Set<String>, onlyCluster: String? = nil, isOperator: Bool) -> JSONValue {
        func mine(_ a: RolloutRecord.Admission) -> Bool {
            isOperator || (visibleProjects.contains(a.project) && (onlyCluster == nil || a.cluster == onlyCluster))
        }
        func json(_ a: RolloutRecord.Admission) -> JSONValue {
            var o: JSONValue = ["project": .string(a.project), "cluster": .string(a.cluster), "state": .string(a.state)]
            if let reason = a.reason { o["reason"] = .string(reason) }
            if let message = a.message { o["message"] = .string(message) }
            return o
        }
        var o: JSONValue = ["name": .string(record.name), "channel": .string(record.channel), "addon": .string(record.addon),
                            "to": .string(record.to), "phase": .string(record.phase), "paused": .bool(record.paused)]
        if let from = record.from { o["from"] = .string(from) }
        if let wave = record.wave { o["wave"] = .string(wave) }
        if let soak = record.soakUntil { o["soakUntil"] = .string(soak) }
        let admissions = record.admissions.filter(mine)
        o["admissions"] = .array(admissions.map(json))
        o["failures"] = .array(record.failures.filter(mine).map(json))
        if isOperator {
            o["message"] = .string(record.message)
            o["clusters"] = .int(Int64(record.clusterCount))
            o["updated"] = .int(Int64(record.updatedCount))
        }
        return o
    }

    public static func catalog(_ catalog: Catalog) -> JSONValue {
        let addons: [JSONValue] = catalog.addonNames.map { name in
            ["name": .string(name), "versions": .array(catalog.versions(of: name).reversed().compactMap { version in
                guard let definition = catalog.definition(name: name, version: version) else { return nil }
                var o: JSONValue = ["version": .string(version.description), "description": .string(definition.description),
                                    "supportedKubernetesVersions": .string("\(definition.supportedKubernetesVersions)"),
                                    "dependencies": .array(definition.dependencies.map { ["name": .string($0.name), "versions": .string("\($0.versions)")] })]
                if let refused = catalog.refusedVersions[name]?[version] { o["refused"] = .string(refused) }
                return o
            })]
        }
        let channels: [JSONValue] = catalog.channels.values.sorted { $0.name < $1.name }.map { channel in
            ["name": .string(channel.name), "description": .string(channel.description),
             "addons": .object(channel.addons.mapValues { .string($0.version.description) }),
             "defaultAddons": .array(catalog.defaultAddons(onChannel: channel.name).map(JSONValue.string)),
             "optInAddons": .array(catalog.optInAddons(onChannel: channel.name).map(JSONValue.string))]
        }
        return ["addons": .array(addons), "channels": .array(channels)]
    }

    static func newerFirst(_ a: String, _ b: String) -> Bool {
        switch (SemanticVersion(a), SemanticVersion(b)) {
        case (let x?, let y?): return x > y
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a > b
        }
    }

    static func phaseCounts(_ counts: [String: Int]) -> JSONValue {
        .object(counts.mapValues { .int(Int64($0)) })
    }
}
