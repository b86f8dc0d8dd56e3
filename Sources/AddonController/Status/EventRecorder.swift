import AddonCatalog
import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// Records Kubernetes Events on ClusterAddons (applies, prunes, conflicts, failures) and on the
/// published catalog's objects, so that `kubectl describe` tells the story. Events are best effort: a failure to record
/// one is logged, never fails the reconcile.
public struct EventRecorder: Sendable {
    public enum EventType: String, Sendable { case normal = "Normal", warning = "Warning" }

    let client: (any ObjectWriter)?
    let logger: Logger

    public init(client: (any ObjectWriter)?, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    func record(cluster: KubeObject, addon: String, type: EventType, reason: String, message: String) async {
        guard let namespace = cluster.namespace else { return }
        let name = ManagementKinds.clusterAddonName(cluster: cluster.name, addon: addon)
        await record(on: ["apiVersion": .string(ManagementKinds.apiVersion), "kind": "ClusterAddon", "name": .string(name), "namespace": .string(namespace)],
                     type: type, reason: reason, message: message)
    }

    /// An Event on any object (`involvedObject`: apiVersion, kind, name, namespace when it has
    /// one); the Event of a cluster-scoped object lives in `default`, as the API server's own do.
    func record(on involvedObject: JSONValue, type: EventType, reason: String, message: String) async {
        guard let client, let name = involvedObject["name"].stringValue else { return }
        let namespace = involvedObject["namespace"].stringValue ?? "default"
        let now = KubeTime.now()
        var event = KubeObject(apiVersion: "v1", kind: "Event", name: "", namespace: namespace)
        event.body.removeValue(at: ["metadata", "name"])
        event.body.setValue(.string("\(name)."), at: ["metadata", "generateName"])
        event["involvedObject"] = involvedObject
        event["reason"] = .string(reason)
        event["message"] = .string(String(message.prefix(1024)))
        event["type"] = .string(type.rawValue)
        event["source"] = ["component": "addon-manager"]
        event["reportingComponent"] = "addon-manager"
        event["firstTimestamp"] = .string(now)
        event["lastTimestamp"] = .string(now)
        event["count"] = 1
        do {
            _ = try await client.create(event, options: WriteOptions(fieldManager: OwnershipLabels.fieldManager))
        } catch {
            logger.debug("could not record an event", metadata: ["object": "\(involvedObject["kind"].stringValue ?? "")/\(name)", "reason": "\(reason)", "error": "\(error)"])
        }
    }
}
