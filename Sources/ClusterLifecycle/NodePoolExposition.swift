import AddonController
import Foundation
import KubernetesModel

/// The provisioning loop's series for operators, in the Prometheus text format, written at
/// scrape time from the loop's caches (as `AddonHealthExposition` is: a deleted cluster leaves
/// no stale series):
/// - `addon_manager_cluster_condition{cluster,condition,status}`: for every condition on every
///   Cluster (`AddonsHealthy`, `NodePoolsReady`, `NodesHealthy`, ...), 1 for its current status
///   and 0 for the other two — "a cluster whose condition is not True" is
///   `addon_manager_cluster_condition{status="True"} == 0`;
/// - `addon_manager_machines{cluster,pool,phase}`: Machines per phase;
/// - `addon_manager_machine_provisioning_oldest_seconds{cluster}`: how long the oldest Machine
///   not yet Running (and not going) has been on its way; 0 when none is.
public enum NodePoolExposition {
    public static let statuses = ["True", "False", "Unknown"]
    public static let phases = ["Pending", "Provisioning", "Provisioned", "Running", "Deleting", "Failed"]

    public static func render(clusters: [KubeObject], machines: [KubeObject], now: Date) -> String {
        var text = """
            # HELP addon_manager_cluster_condition Cluster conditions: 1 for the current status, 0 for the others.
            # TYPE addon_manager_cluster_condition gauge

            """
        let sortedClusters = clusters.sorted { key($0) < key($1) }
        for cluster in sortedClusters {
            let conditions = (cluster.status["conditions"].arrayValue ?? []).compactMap { c -> (String, String)? in
                c["type"].stringValue.map { ($0, c["status"].stringValue ?? "Unknown") }
            }.sorted { $0.0 < $1.0 }
            for (type, status) in conditions {
                for candidate in statuses {
                    text += "addon_manager_cluster_condition{cluster=\"\(escape(key(cluster)))\",condition=\"\(escape(type))\",status=\"\(candidate)\"} \(candidate == status ? 1 : 0)\n"
                }
            }
        }

        text += "# HELP addon_manager_machines Machines per cluster, pool and phase.\n# TYPE addon_manager_machines gauge\n"
        var byPool: [String: [String: [String: Int]]] = [:]
        var oldest: [String: TimeInterval] = [:]
        for machine in machines {
            let cluster = "\(machine.namespace ?? "")/\(machine["spec"]["cluster"].stringValue ?? "")"
            let pool = machine["spec"]["pool"].stringValue ?? ""
            let deleting = !machine.metadata["deletionTimestamp"].isNull
            let phase = deleting ? "Deleting" : machine.status["phase"].stringValue ?? "Pending"
            byPool[cluster, default: [:]][pool, default: [:]][phase, default: 0] += 1
            if !deleting, phase != "Running", let created = machine.metadata["creationTimestamp"].stringValue.flatMap(KubeTime.parse) {
                oldest[cluster] = max(oldest[cluster] ?? 0, now.timeIntervalSince(created))
            }
        }
        for (cluster, pools) in byPool.sorted(by: { $0.key < $1.key }) {
            for (pool, counts) in pools.sorted(by: { $0.key < $1.key }) {
                for phase in phases {
                    text += "addon_manager_machines{cluster=\"\(escape(cluster))\",pool=\"\(escape(pool))\",phase=\"\(phase)\"} \(counts[phase] ?? 0)\n"
                }
            }
        }

        text += "# HELP addon_manager_machine_provisioning_oldest_seconds How long the oldest Machine not yet Running has been on its way (0: none).\n"
        text += "# TYPE addon_manager_machine_provisioning_oldest_seconds gauge\n"
        for cluster in byPool.keys.sorted() {
            text += "addon_manager_machine_provisioning_oldest_seconds{cluster=\"\(escape(cluster))\"} \(Int((oldest[cluster] ?? 0).rounded(.down)))\n"
        }
        return text
    }

    static func key(_ cluster: KubeObject) -> String { "\(cluster.namespace ?? "")/\(cluster.name)" }

    static func escape(_ value: String) -> String { AddonHealthExposition.escape(value) }
}
