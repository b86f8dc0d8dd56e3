import AddonCatalog
import Crypto
import Foundation
import KubernetesClient
import KubernetesModel

/// Reads and writes inventories as ApplySet parents in the workload cluster: a ConfigMap
/// `addon-manager.<addon>` in `kube-system`, labelled with the ApplySet id and annotated with the
/// group-kinds and namespaces it contains (so `kubectl apply --prune --applyset` understands it
/// too); its data holds the member list with uids (a few kilobytes even for large addons).
public struct InventoryStore: Sendable {
    public static let namespace = "kube-system"
    public static let tooling = "addon-manager/v0.1.0"

    let client: any KubeClient

    public init(client: any KubeClient) { self.client = client }

    public static func parentName(addon: String) -> String { "addon-manager.\(addon)" }

    /// The ApplySet id of an addon's parent: `applyset-<base64url(sha256(name.namespace.Kind.group))>-v1`.
    public static func applySetID(addon: String) -> String {
        let key = "\(parentName(addon: addon)).\(namespace).ConfigMap."
        let digest = SHA256.hash(data: Array(key.utf8))
        let encoded = Data(digest).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "applyset-\(encoded)-v1"
    }

    /// The addon's inventory, nil when it has none (never applied, or removed).
    public func load(addon: String) async throws -> Inventory? {
        let parent: KubeObject
        do {
            parent = try await client.get(ManagementKinds.configMap, name: Self.parentName(addon: addon), namespace: Self.namespace)
        } catch let error as KubernetesError where error.isNotFound {
            return nil
        }
        let data = parent["data"]
        let members = try Inventory.members(fromJSON: data["members"].stringValue ?? "[]")
        return Inventory(addon: addon, version: data["version"].stringValue ?? "", hash: data["hash"].stringValue ?? "", members: members)
    }

    /// Writes the inventory (server-side apply: the parent is ours alone).
    public func save(_ inventory: Inventory) async throws {
        var parent = KubeObject(apiVersion: "v1", kind: "ConfigMap", name: Self.parentName(addon: inventory.addon), namespace: Self.namespace)
        var labels = [OwnershipLabels.managedByKey: OwnershipLabels.managedByValue, OwnershipLabels.addonNameKey: inventory.addon]
        labels["applyset.kubernetes.io/id"] = Self.applySetID(addon: inventory.addon)
        parent.labels = labels
        let groupKinds = Set(inventory.members.map { $0.reference.groupKind.description }).sorted()
        let namespaces = Set(inventory.members.compactMap(\.namespace)).subtracting([Self.namespace]).sorted()
        parent.annotations = [
            "applyset.kubernetes.io/tooling": Self.tooling,
            "applyset.kubernetes.io/contains-group-kinds": groupKinds.joined(separator: ","),
            "applyset.kubernetes.io/additional-namespaces": namespaces.joined(separator: ","),
        ]
        parent["data"] = ["addon": .string(inventory.addon), "version": .string(inventory.version), "hash": .string(inventory.hash), "members": .string(inventory.membersJSON)]
        _ = try await client.apply(parent, options: ApplyOptions(fieldManager: OwnershipLabels.fieldManager, force: true))
    }

    public func delete(addon: String) async throws {
        do {
            _ = try await client.delete(ManagementKinds.configMap, name: Self.parentName(addon: addon), namespace: Self.namespace, options: DeleteOptions())
        } catch let error as KubernetesError where error.isNotFound {}
    }
}
