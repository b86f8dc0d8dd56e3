import ControllerRuntime

/// `addon_manager_addon_health{cluster, addon, version, phase}`: for every addon of every
/// cluster this replica runs, 1 for its current phase and 0 for the others (so that
/// `sum by (phase)` counts addons), in the Prometheus text format.
///
/// Written at scrape time from the controllers' state, the way kube-state-metrics does, rather
/// than kept as gauges in the metrics registry: a thousand clusters make tens of thousands of
/// series, which the registry would copy on every new one, and a removed addon or cluster
/// leaves no stale series behind.
public enum AddonHealthExposition {
    public static let metricName = "addon_manager_addon_health"

    public static func render(_ controllers: [ReconcileRequest: ControllerStarter.ControllerInfo]) -> String {
        var text = "# HELP \(metricName) Addon phase per cluster: 1 for the current phase, 0 for the others.\n# TYPE \(metricName) gauge\n"
        for (key, info) in controllers.sorted(by: { $0.key.description < $1.key.description }) {
            guard let summary = info.summary else { continue }
            let cluster = escape(key.description)
            for (addon, phase) in summary.phases.sorted(by: { $0.key < $1.key }) {
                let prefix = "\(metricName){cluster=\"\(cluster)\",addon=\"\(escape(addon))\",version=\"\(escape(summary.versions[addon] ?? ""))\",phase=\""
                for candidate in HealthState.allCases {
                    text += prefix + candidate.rawValue + (candidate == phase ? "\"} 1\n" : "\"} 0\n")
                }
            }
        }
        return text
    }

    /// A label value as the text format wants it: backslash, double quote and newline escaped.
    public static func escape(_ value: String) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
