import Metrics

/// The addon controller's event counters (through swift-metrics; the executable bootstraps the
/// Prometheus backend): applies, prunes and errors by reason. Queue depth and reconcile latency
/// come from ControllerRuntime; addon health is a state, not an event, and is written at scrape
/// time from the controllers' state (`AddonHealthExposition`).
public struct AddonMetrics: Sendable {
    let cluster: String

    public init(cluster: String) { self.cluster = cluster }

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
