import AddonCatalog
import KubernetesClient
import KubernetesModel
import Logging

/// Deletes what an addon applied before and no longer applies: only members of its inventory,
/// only while they still carry the addon's ownership label, only the very object recorded (uid
/// precondition), and never what the delete policy keeps (CRDs, PVCs, namespaces by default).
public struct Pruner: Sendable {
    public struct Outcome: Sendable, Equatable {
        public var deleted: [ObjectReference] = []
        public var kept: [ObjectReference] = []
    }

    let client: any KubeClient
    let logger: Logger

    public init(client: any KubeClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func prune(_ members: [Inventory.Member], addon: String, policy: DeletePolicy) async throws -> Outcome {
        var outcome = Outcome()
        for member in members {
            let reference = member.reference
            if policy.keeps(reference) {
                outcome.kept.append(reference)
                continue
            }
            let live: KubeObject
            do {
                live = try await client.get(member.groupVersionKind, name: member.name, namespace: member.namespace)
            } catch let error as KubernetesError where error.isNotFound {
                continue  // already gone
            }
            guard live.labels[OwnershipLabels.addonNameKey] == addon, member.uid == nil || live.uid == member.uid else {
                // Re-created by someone else, or handed over: not ours to delete.
                logger.info("not pruning an object the addon no longer owns", metadata: ["object": "\(reference)", "addon": "\(addon)"])
                outcome.kept.append(reference)
                continue
            }
            do {
                _ = try await client.delete(member.groupVersionKind, name: member.name, namespace: member.namespace,
                                            options: DeleteOptions(propagationPolicy: .background, preconditionUID: live.uid))
                outcome.deleted.append(reference)
            } catch let error as KubernetesError where error.isNotFound {
                continue
            } catch let error as KubernetesError where error.isConflict {
                outcome.kept.append(reference)  // uid precondition failed: a different object now
            }
        }
        return outcome
    }
}
