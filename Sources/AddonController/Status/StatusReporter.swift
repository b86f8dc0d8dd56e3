import AddonCatalog
import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// Writes what the per-cluster controller learned to the management plane: each ClusterAddon's
/// status, the Cluster's `AddonsHealthy` condition, and Events on ClusterAddons. Every write
/// happens only when something a person sees changed: an idle cluster causes no writes.
public struct StatusReporter: Sendable {
    let client: any KubeClient
    let state: ClusterState
    let logger: Logger

    public init(client: any KubeClient, state: ClusterState, logger: Logger) {
        self.client = client
        self.state = state
        self.logger = logger
    }

    /// The ClusterAddon's current status, read once from the management plane and then
    /// remembered; nil when there is no ClusterAddon yet.
    func currentStatus(addon: String, cluster: KubeObject) async throws -> ClusterAddonStatus? {
        if let known = await state.status(addon) { return known }
        if await state.statusesLoaded { return nil }
        do {
            let object = try await client.get(ManagementKinds.clusterAddon, name: ManagementKinds.clusterAddonName(cluster: cluster.name, addon: addon), namespace: cluster.namespace)
            let status = ClusterAddonStatus(json: object.status)
            await state.setStatus(status, for: addon)
            return status
        } catch let error as KubernetesError where error.isNotFound {
            return nil
        }
    }

    /// Creates the ClusterAddon when missing, then writes its status if it changed.
    func report(_ status: ClusterAddonStatus, addon: String, cluster: KubeObject) async throws {
        let current = try await currentStatus(addon: addon, cluster: cluster)
        var status = status
        status.keepTransitionTimes(from: current)
        guard status.differs(from: current) else { return }
        let name = ManagementKinds.clusterAddonName(cluster: cluster.name, addon: addon)
        if current == nil {
            var object = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "ClusterAddon", name: name, namespace: cluster.namespace)
            object.labels = [ManagementKinds.clusterLabel: cluster.name, ManagementKinds.addonLabel: addon]
            if let uid = cluster.uid {
                object.body.setValue([OwnerReference(apiVersion: ManagementKinds.apiVersion, kind: "Cluster", name: cluster.name, uid: uid, controller: true, blockOwnerDeletion: true).json],
                                     at: ["metadata", "ownerReferences"])
            }
            object["spec"] = ["cluster": .string(cluster.name), "addon": .string(addon)]
            _ = try await client.apply(object, options: ApplyOptions(fieldManager: OwnershipLabels.fieldManager, force: true))
        }
        var statusObject = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "ClusterAddon", name: name, namespace: cluster.namespace)
        statusObject["status"] = status.json
        _ = try await client.applyStatus(statusObject, options: ApplyOptions(fieldManager: OwnershipLabels.fieldManager, force: true))
        await state.setStatus(status, for: addon)
        if current?.phase != status.phase {
            logger.info("addon phase changed", metadata: ["cluster": "\(cluster.namespace ?? "")/\(cluster.name)", "addon": "\(addon)",
                                                          "phase": "\(status.phase.rawValue)", "from": "\(current?.phase.rawValue ?? "none")"])
        }
    }

    /// Deletes the ClusterAddon of a removed addon.
    func remove(addon: String, cluster: KubeObject) async throws {
        do {
            _ = try await client.delete(ManagementKinds.clusterAddon, name: ManagementKinds.clusterAddonName(cluster: cluster.name, addon: addon),
                                        namespace: cluster.namespace, options: DeleteOptions())
        } catch let error as KubernetesError where error.isNotFound {}
        await state.setStatus(nil, for: addon)
        await state.forgetObserved(addon)
    }

    /// The Cluster conditions this controller writes.
    static let ownConditions = ["AddonsHealthy", "ControlPlaneReachable"]

    /// The Cluster's `AddonsHealthy` condition from all its addons' phases, and
    /// `ControlPlaneReachable` from whether its API answers; written when they change.
    func reportClusterHealth(cluster: KubeObject) async throws {
        let statuses = await state.allStatuses
        let notHealthy = statuses.filter { $0.value.phase != .healthy }.sorted { $0.key < $1.key }
        var condition: Condition
        let specError = await state.specError
        if let specError {
            condition = Condition(type: "AddonsHealthy", status: .unknown, reason: "InvalidSpec",
                                  message: "addons are left as they are until the spec is fixed: \(specError)")
        } else if let rejected = await state.credentialsRejected {
            condition = Condition(type: "AddonsHealthy", status: .unknown, reason: "Unauthorized",
                                  message: "the cluster's API refuses the manager's credentials (check the kubeconfig Secret and its RBAC): \(rejected)")
        } else if statuses.isEmpty {
            condition = Condition(type: "AddonsHealthy", status: .unknown, reason: "NoAddons", message: "no addons reported yet")
        } else if notHealthy.isEmpty {
            condition = Condition(type: "AddonsHealthy", status: .true, reason: "AllHealthy", message: "\(statuses.count) addons healthy")
        } else {
            let worst = notHealthy.map(\.value.phase).max() ?? .progressing
            let list = notHealthy.prefix(5).map { "\($0.key) \($0.value.phase.rawValue)" }.joined(separator: ", ")
            condition = Condition(type: "AddonsHealthy", status: worst == .unknown ? .unknown : .false, reason: "Addons\(worst.rawValue)",
                                  message: "\(notHealthy.count) of \(statuses.count) addons not healthy: \(list)")
        }
        var reachable: Condition
        if let report = await state.unreachableReport {
            reachable = Condition(type: "ControlPlaneReachable", status: .false, reason: "Unreachable",
                                  message: "the cluster's API has not answered since \(KubeTime.format(report.since)): \(report.error)")
        } else if await state.hasBeenContacted {
            reachable = Condition(type: "ControlPlaneReachable", status: .true, reason: "Answering", message: "the cluster's API answers")
        } else {
            reachable = Condition(type: "ControlPlaneReachable", status: .unknown, reason: "NotContacted", message: "the cluster's API has not answered yet")
        }
        // The conditions this controller owns, as last written (or as the Cluster shows them),
        // in the order it writes them: an unchanged report writes nothing.
        let previous = (await state.clusterStatus)?["conditions"].arrayValue
            ?? Self.ownConditions.compactMap { type in (cluster.status["conditions"].arrayValue ?? []).first { $0["type"].stringValue == type } }
        // A condition whose status did not change keeps its transition time.
        func keepingTransition(_ condition: inout Condition) {
            guard let old = previous.first(where: { $0["type"].stringValue == condition.type }).flatMap(Condition.init(json:)),
                  old.status == condition.status else { return }
            condition.lastTransitionTime = old.lastTransitionTime
        }
        keepingTransition(&condition)
        keepingTransition(&reachable)
        // Which spec each condition reflects: the oldest that every addon the cluster has or
        // wants was last reconciled against (as written before while one has not been reconciled
        // since this controller started, so that a restart writes nothing), or, when the spec
        // cannot be used, the one refused. Never less than written before.
        let generation = cluster.generation
        let counted = Set(statuses.keys).union(await state.wantedAddons)
        let written = previous.first(where: { $0["type"].stringValue == condition.type })?["observedGeneration"].intValue
        let observed = specError != nil || counted.isEmpty ? generation : await state.reconciledGeneration(of: counted)
        condition.observedGeneration = [observed, written].compactMap { $0 }.max()
        reachable.observedGeneration = generation
        let summary = statuses.keys.sorted().map { name -> JSONValue in
            ["name": .string(name), "version": .string(statuses[name]?.appliedVersion ?? statuses[name]?.desiredVersion ?? ""), "phase": .string(statuses[name]!.phase.rawValue)]
        }
        let desired: JSONValue = ["conditions": [condition.json, reachable.json], "addons": .array(summary)]
        let current = await state.clusterStatus
            ?? ["conditions": .array(previous), "addons": cluster.status["addons"].isNull ? [] : cluster.status["addons"]]
        guard desired != current else { return }
        var object = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "Cluster", name: cluster.name, namespace: cluster.namespace)
        object["status"] = desired
        _ = try await client.applyStatus(object, options: ApplyOptions(fieldManager: OwnershipLabels.fieldManager, force: true))
        await state.setClusterStatus(desired)
    }
}
