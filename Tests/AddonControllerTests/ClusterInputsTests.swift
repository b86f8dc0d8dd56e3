@testable import AddonController
import KubernetesModel
import Testing

/// Which Cluster updates make the per-cluster controller reconcile every addon again. The
/// controller's own status writes come back as updates; treating them as new input made an
/// install reconcile each addon once per status write (seen at fleet scale).
struct ClusterInputsTests {
    static func cluster() -> KubeObject {
        var object = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "Cluster", name: "c1", namespace: "dev")
        object.body.setValue("uid-1", at: ["metadata", "uid"])
        object.body.setValue("7", at: ["metadata", "resourceVersion"])
        object.labels = ["tier": "gold"]
        object["spec"] = ["channel": "stable", "kubernetesVersion": "1.30.4"]
        return object
    }

    enum Change: String, CaseIterable, Sendable {
        case statusWritten, newResourceVersionAndManagedFields, specChanged, labelChanged, recreatedUnderTheSameName, beingDeleted

        var reconciles: Bool {
            switch self {
            case .statusWritten, .newResourceVersionAndManagedFields: return false
            case .specChanged, .labelChanged, .recreatedUnderTheSameName, .beingDeleted: return true
            }
        }

        func apply(to object: inout KubeObject) {
            switch self {
            case .statusWritten: object["status"] = ["conditions": [["type": "AddonsHealthy", "status": "True"]]]
            case .newResourceVersionAndManagedFields:
                object.body.setValue("8", at: ["metadata", "resourceVersion"])
                object.body.setValue([["manager": "addon-manager", "operation": "Apply"]], at: ["metadata", "managedFields"])
            case .specChanged: object["spec"]["channel"] = "rapid"
            case .labelChanged: object.labels = ["tier": "silver"]
            case .recreatedUnderTheSameName: object.body.setValue("uid-2", at: ["metadata", "uid"])
            case .beingDeleted: object.body.setValue("2026-11-28T00:00:00Z", at: ["metadata", "deletionTimestamp"])
            }
        }
    }

    @Test(arguments: Change.allCases)
    func updateReconcilesAddonsOnlyWhenTheirInputsChange(_ change: Change) {
        let old = Self.cluster()
        var new = old
        change.apply(to: &new)
        #expect(ClusterAddonController.addonInputsDiffer(old, new) == change.reconciles, "\(change.rawValue)")
    }
}
