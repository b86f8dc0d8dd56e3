import Metrics

/// The addon controller's Prometheus metrics (through swift-metrics; the executable bootstraps
/// the Prometheus backend): addon health per (cluster, addon, version), applies, prunes and
/// errors by reason. Queue depth and reconcile latency come from ControllerRuntime.
public struct AddonMetrics: Sendable {
    let cluster: String

    public init(cluster: String) { self.cluster = cluster }

    /// One gauge per state, 1 for the current one, so that `sum by (phase)` counts addons.
    func recordHealth(addon: String, version: String, state: HealthState) {
        for candidate in HealthState.allCases {
            Gauge(label: "addon_manager_addon_health", dimensions: [("cluster", cluster), ("addon", addon), ("phase", candidate.rawValue)])
                .record(candidate == state ? 1 : 0)
        }
        Gauge(label: "addon_manager_addon_info", dimensions: [("cluster", cluster), ("addon", addon), ("version", version)]).record(1)
    }

    func recordApply(objects: Int) {
        Counter(label: "addon_manager_applies_total", dimensions: [("cluster", cluster)]).increment()
        Counter(label: "addon_manager_applied_objects_total", dimensions: [("cluster", cluster)]).increment(by: objects)
    }

    func recordPrune(objects: Int) {
        guard objects > 0 else { return }
        Counter(label: "addon_manager_pruned_objects_total", dimensions: [("cluster", cluster)]).increment(by: objects)
    }

    func recordError(reason: String) {
        Counter(label: "addon_manager_errors_total", dimensions: [("cluster", cluster), ("reason", reason)]).increment()
    }
}
