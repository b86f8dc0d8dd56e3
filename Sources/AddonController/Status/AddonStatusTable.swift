import KubernetesModel

/// What `addonctl status` and the status API show: one row per (cluster, addon), with version,
/// phase, and the reason when not healthy.
public struct AddonStatusRow: Sendable, Equatable {
    public var project: String
    public var cluster: String
    public var addon: String
    public var appliedVersion: String?
    public var desiredVersion: String?
    public var phase: String
    public var reason: String?
    public var message: String?

    public init(clusterAddon object: KubeObject) {
        let status = object.status
        project = object.namespace ?? ""
        cluster = object.spec["cluster"].stringValue ?? object.labels[ManagementKinds.clusterLabel] ?? ""
        addon = object.spec["addon"].stringValue ?? object.labels[ManagementKinds.addonLabel] ?? ""
        appliedVersion = status["appliedVersion"].stringValue
        desiredVersion = status["desiredVersion"].stringValue
        phase = status["phase"].stringValue ?? "Pending"
        if phase != HealthState.healthy.rawValue {
            let conditions = status["conditions"].arrayValue ?? []
            // The most telling condition: a failed apply first, then health.
            let pick = conditions.first { $0["type"] == "Applied" && $0["status"] != "True" }
                ?? conditions.first { $0["type"] == "Healthy" && $0["status"] != "True" }
            reason = pick?["reason"].stringValue
            message = pick?["message"].stringValue
        }
    }

    /// "1.0.0", or "1.0.0 → 1.1.0" while an upgrade is under way.
    public var version: String {
        switch (appliedVersion, desiredVersion) {
        case let (applied?, desired?) where applied != desired: return "\(applied) → \(desired)"
        case let (applied?, _): return applied
        case let (nil, desired?): return "(\(desired))"
        default: return ""
        }
    }

    public var json: JSONValue {
        var o: JSONValue = ["project": .string(project), "cluster": .string(cluster), "addon": .string(addon), "phase": .string(phase)]
        if let appliedVersion { o["appliedVersion"] = .string(appliedVersion) }
        if let desiredVersion { o["desiredVersion"] = .string(desiredVersion) }
        if let reason { o["reason"] = .string(reason) }
        if let message { o["message"] = .string(message) }
        return o
    }
}

public enum AddonStatusTable {
    /// Rows sorted by project, cluster, addon.
    public static func rows(_ clusterAddons: [KubeObject], cluster: String? = nil) -> [AddonStatusRow] {
        clusterAddons.map(AddonStatusRow.init(clusterAddon:))
            .filter { cluster == nil || $0.cluster == cluster }
            .sorted { ($0.project, $0.cluster, $0.addon) < ($1.project, $1.cluster, $1.addon) }
    }

    /// An aligned text table; the reason column holds `Reason: message` (message cut at 100 characters).
    public static func render(_ rows: [AddonStatusRow], showProject: Bool) -> String {
        var table: [[String]] = [(showProject ? ["PROJECT"] : []) + ["CLUSTER", "ADDON", "VERSION", "PHASE", "REASON"]]
        for row in rows {
            var reason = row.reason ?? ""
            if let message = row.message, !message.isEmpty {
                reason += (reason.isEmpty ? "" : ": ") + (message.count > 100 ? String(message.prefix(99)) + "…" : message)
            }
            table.append((showProject ? [row.project] : []) + [row.cluster, row.addon, row.version, row.phase, reason])
        }
        let widths = (0..<table[0].count).map { column in table.map { $0[column].count }.max() ?? 0 }
        return table.map { line in
            line.enumerated().map { i, cell in i == line.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "   ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }

    /// Counts per phase, for a summary line: "12 addons: 11 Healthy, 1 Progressing".
    public static func summary(_ rows: [AddonStatusRow]) -> String {
        var counts: [String: Int] = [:]
        for row in rows { counts[row.phase, default: 0] += 1 }
        let order = HealthState.allCases.map(\.rawValue)
        let parts = counts.sorted { (order.firstIndex(of: $0.key) ?? 99) < (order.firstIndex(of: $1.key) ?? 99) }.map { "\($0.value) \($0.key)" }
        return "\(rows.count) addons: \(parts.joined(separator: ", "))"
    }
}
