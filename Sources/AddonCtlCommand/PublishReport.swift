import AddonCatalog
import AddonController
import KubernetesModel

/// The tables `addonctl publish` prints: what gets published, then the fleet impact (per addon
/// version, optionally per cluster), the failures with the server's message, the clusters that
/// could not be asked and those that will keep what they run.
enum PublishReport {
    static func versions(_ plan: CatalogPublisher.Plan) -> String {
        var rows: [[String]] = []
        for object in plan.newVersions {
            rows.append(["AddonVersion", object.name, "new", object.spec["digest"].stringValue ?? ""])
        }
        for changed in plan.changedVersions {
            rows.append(["AddonVersion", changed.name, "CHANGED (refused)", "published \(changed.publishedDigest)"])
        }
        for (object, published) in plan.channels {
            let now = (try? Channel(object: object)).map(versionList) ?? [:]
            let before = published.map(versionList) ?? [:]
            let moves = Set(now.keys).union(before.keys).sorted().compactMap { addon -> String? in
                before[addon] == now[addon] ? nil : "\(addon) \(before[addon] ?? "-") -> \(now[addon] ?? "-")"
            }
            rows.append(["AddonChannel", object.name, published == nil ? "new" : (moves.isEmpty ? "versions unchanged" : "updated"), moves.joined(separator: ", ")])
        }
        var text = CatalogOutput.table(["KIND", "NAME", "STATE", "DETAIL"], rows)
        if !plan.unchangedVersions.isEmpty { text += "\(plan.unchangedVersions.count) version(s) already published with the same content\n" }
        return text + "\n"
    }

    private static func versionList(_ channel: Channel) -> [String: String] { channel.addons.mapValues { $0.version.description } }

    static func impact(_ report: FleetDryRun.Report, details: Bool) -> String {
        var text = "Impact on the fleet: \(report.affectedClusters.count) of \(report.clusters) cluster(s) affected\n"
        struct Group: Hashable { var addon: String, from: String, to: String }
        var groups: [Group: [FleetDryRun.AddonImpact]] = [:]
        for impact in report.impacts {
            groups[Group(addon: impact.addon, from: impact.from ?? "-", to: impact.blocked == nil ? impact.to ?? "(removed)" : "(blocked)"), default: []].append(impact)
        }
        let rows = groups.keys.sorted { ($0.addon, $0.from, $0.to) < ($1.addon, $1.from, $1.to) }.map { group -> [String] in
            let impacts = groups[group]!
            func total(_ path: KeyPath<FleetDryRun.AddonImpact, [String]>) -> String { String(impacts.reduce(0) { $0 + $1[keyPath: path].count }) }
            return [group.addon, group.from, group.to, String(impacts.count), total(\.created), total(\.changed), total(\.pruned),
                    String(impacts.reduce(0) { $0 + $1.failures.count })]
        }
        if !rows.isEmpty { text += CatalogOutput.table(["ADDON", "FROM", "TO", "CLUSTERS", "CREATED", "CHANGED", "PRUNED", "FAILED"], rows) }
        if details {
            text += "\n" + CatalogOutput.table(["CLUSTER", "ADDON", "FROM", "TO", "CREATED", "CHANGED", "PRUNED"], report.impacts.map { impact in
                [impact.cluster, impact.addon, impact.from ?? "-", impact.to ?? "-",
                 impact.created.joined(separator: " "), impact.changed.joined(separator: " "), impact.pruned.joined(separator: " ")]
            })
        }
        let blocked = report.impacts.filter { $0.blocked != nil }
        if !blocked.isEmpty {
            text += "\nKeep what they run (the new version cannot be used):\n"
            text += CatalogOutput.table(["CLUSTER", "ADDON", "WHY"], blocked.map { [$0.cluster, $0.addon, $0.blocked ?? ""] })
        }
        if !report.failures.isEmpty {
            text += "\nFailures (server-side dry run):\n"
            text += CatalogOutput.table(["CLUSTER", "OBJECT", "MESSAGE"], report.failures.map { [$0.cluster, $0.object, $0.message] })
        }
        if !report.unreachable.isEmpty {
            text += "\nNot reached (not checked):\n"
            text += CatalogOutput.table(["CLUSTER", "ERROR"], report.unreachable.map { [$0.cluster, $0.message] })
        }
        return text + "\n"
    }
}
