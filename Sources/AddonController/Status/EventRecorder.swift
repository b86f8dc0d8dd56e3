import AddonCatalog
import ControllerRuntime
import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// Records Kubernetes Events on ClusterAddons (applies, prunes, conflicts, failures) and on the
/// published catalog's objects, so that `kubectl describe` tells the story. An event that
/// repeats one recorded before (same object, type, reason and message: a drift fight reapplying
/// on every pass) updates that Event's `count` and `lastTimestamp` instead of adding one, as
/// client-go's EventRecorder correlator does. Events are best effort: a failure to record one
/// is logged and counted, never fails the reconcile.
public struct EventRecorder: Sendable {
    public enum EventType: String, Sendable { case normal = "Normal", warning = "Warning" }

    let client: (any ObjectWriter)?
    let logger: Logger
    let metrics: AddonMetrics?
    private let recorded = RecordedEvents()

    public init(client: (any ObjectWriter)?, metrics: AddonMetrics? = nil, logger: Logger) {
        self.client = client
        self.metrics = metrics
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
    public func record(on involvedObject: JSONValue, type: EventType, reason: String, message: String) async {
        guard let client, let name = involvedObject["name"].stringValue else { return }
        let namespace = involvedObject["namespace"].stringValue ?? "default"
        let kind = involvedObject["kind"].stringValue ?? ""
        let message = String(message.prefix(1024))
        let key = RecordedEvents.Key(namespace: namespace, kind: kind, name: name, type: type.rawValue, reason: reason, message: message)
        let now = KubeTime.now()
        let options = WriteOptions(fieldManager: OwnershipLabels.fieldManager)
        do {
            if var existing = await recorded.event(for: key) {
                existing["count"] = .int((existing["count"].intValue ?? 1) + 1)
                existing["lastTimestamp"] = .string(now)
                do {
                    await recorded.remember(try await client.update(existing, options: options), for: key)
                    return
                } catch let error as KubernetesError where error.isNotFound || error.isConflict {
                    // Expired (Events live an hour) or changed by someone else: start a new one.
                }
            }
            var event = KubeObject(apiVersion: "v1", kind: "Event", name: "", namespace: namespace)
            event.body.removeValue(at: ["metadata", "name"])
            event.body.setValue(.string("\(name)."), at: ["metadata", "generateName"])
            event["involvedObject"] = involvedObject
            event["reason"] = .string(reason)
            event["message"] = .string(message)
            event["type"] = .string(type.rawValue)
            event["source"] = ["component": "addon-manager"]
            event["reportingComponent"] = "addon-manager"
            event["firstTimestamp"] = .string(now)
            event["lastTimestamp"] = .string(now)
            event["count"] = 1
            await recorded.remember(try await client.create(event, options: options), for: key)
        } catch is CancellationError {
            return
        } catch {
            metrics?.recordError(reason: "EventNotRecorded")
            logger.warning("could not record an event", metadata: ["object": "\(kind) \(namespace)/\(name)", "reason": "\(reason)", "error": "\(error)"])
        }
    }
}

/// The Events a recorder wrote, by what makes two of them the same, so that a repeat updates
/// the one written before. Bounded: the least recently used are forgotten first. Each is kept as
/// compact JSON, deflated (`KeptJSON`), without its managedFields (an update that leaves them out
/// keeps the server's): every cluster's controller has a recorder, and a parsed Event with its
/// managedFields is several KB, most of it never read again.
actor RecordedEvents {
    struct Key: Hashable {
        var namespace: String
        var kind: String
        var name: String
        var type: String
        var reason: String
        var message: String
    }

    static let capacity = 256
    private var events: [Key: (text: KeptJSON, used: UInt64)] = [:]
    private var clock: UInt64 = 0

    func event(for key: Key) -> KubeObject? {
        guard let entry = events[key], let body = try? entry.text.parsed() else { return nil }
        clock += 1
        events[key] = (entry.text, clock)
        return KubeObject(body)
    }

    func remember(_ event: KubeObject, for key: Key) {
        clock += 1
        events[key] = (KeptJSON(ObjectCache.withoutManagedFields(event).body), clock)
        if events.count > Self.capacity, let oldest = events.min(by: { $0.value.used < $1.value.used })?.key {
            events.removeValue(forKey: oldest)
        }
    }
}
