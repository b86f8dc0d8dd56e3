import ControllerRuntime
import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// Serves Cluster API clusters: while the `cluster.x-k8s.io` Cluster kind is installed in the
/// management plane, each Cluster API Cluster whose control plane is initialized gets one of our
/// Clusters of the same name and namespace (`ClusterAPIMapping`), owned by it and labelled
/// `addon-manager.io/source=cluster-api`; the controller starter then serves it like any other.
/// It is kept as the Cluster API object changes and goes when that one goes. A Cluster of ours
/// that was not made from that Cluster API cluster (label and controller owner with its UID) is
/// never touched: the name clash is an Event on the Cluster API object. Until the kind is installed, it looks again every `probeInterval`.
public final class ClusterAPIClusters: Sendable {
    public static let fieldManager = "addon-manager-cluster-api"

    public struct Options: Sendable {
        public var namespace: String?
        public var probeInterval: Duration = .seconds(60)
        public init() {}
    }

    private let management: any KubeClient
    private let options: Options
    private let logger: Logger

    public init(management: any KubeClient, options: Options = Options(), logger: Logger) {
        self.management = management
        self.options = options
        self.logger = logger
    }

    /// Runs until cancelled.
    public func run() async {
        var announced = false
        while !Task.isCancelled {
            do {
                _ = try await management.list(ClusterAPIMapping.kind, namespace: options.namespace, options: ListOptions(pageSize: 1))
                break
            } catch let error as KubernetesError where error.isNotFound || error.kind == .unknownKind {
                // The kind not in discovery (unknownKind) or its path not served (404): not
                // installed, or not in this version (the reason says which).
                if !announced {
                    logger.info("Cluster API is not installed in the management plane: its clusters are not served (looked for again periodically)",
                                metadata: ["kind": "\(ClusterAPIMapping.kind)", "reason": "\(error)"])
                    announced = true
                }
            } catch {
                logger.warning("cannot tell whether Cluster API is installed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: options.probeInterval)
        }
        guard !Task.isCancelled else { return }
        logger.info("serving Cluster API clusters", metadata: ["kind": "\(ClusterAPIMapping.kind)"])
        let queue = WorkQueue<ReconcileRequest>()
        let enqueue: @Sendable (InformerEvent) async -> Void = { event in await queue.add(event.request) }
        let sources = Informer(kind: ClusterAPIMapping.kind, namespace: options.namespace, client: management,
                               transform: ObjectCache.withoutManagedFields, logger: logger, handler: enqueue)
        // Ours made from them: one deleted or changed by someone else is put back.
        let mirrors = Informer(kind: ManagementKinds.cluster, namespace: options.namespace,
                               labelSelector: "\(ClusterAPIMapping.sourceLabel)=\(ClusterAPIMapping.sourceValue)", client: management,
                               transform: ObjectCache.withoutManagedFields, logger: logger, handler: enqueue)
        let reconciler = MirrorReconciler(management: management, sources: sources.cache, mirrors: mirrors.cache,
                                   events: EventRecorder(client: management, logger: logger), logger: logger)
        let controller = Controller(name: "cluster-api", reconciler: reconciler, queue: queue, logger: logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await sources.run() }
            group.addTask { await mirrors.run() }
            group.addTask {
                guard await sources.waitForSync(), await mirrors.waitForSync() else { return }
                await controller.run()
            }
            await group.waitForAll()
        }
    }

    /// One Cluster API Cluster: our Cluster made, kept, or left alone.
    struct MirrorReconciler: Reconciler {
        let management: any KubeClient
        let sources: ObjectCache
        let mirrors: ObjectCache
        let events: EventRecorder
        let logger: Logger

        func reconcile(_ request: ReconcileRequest) async throws -> ReconcileResult {
            let mirror = await mirrors.get(namespace: request.namespace, name: request.name)
            guard let source = await sources.get(namespace: request.namespace, name: request.name), source.metadata["deletionTimestamp"].isNull else {
                // Gone: ours goes too (the garbage collector would as well, through the owner) —
                // only one made from a Cluster API cluster (its controller owner), never one that
                // merely carries the label.
                if let mirror, Self.madeFromClusterAPI(mirror, uid: nil) {
                    do {
                        _ = try await management.delete(ManagementKinds.cluster, name: mirror.name, namespace: mirror.namespace,
                                                        options: DeleteOptions(preconditionUID: mirror.uid))
                        logger.info("the Cluster API cluster is gone: its Cluster is deleted", metadata: ["cluster": "\(request)"])
                    } catch let error as KubernetesError where error.isNotFound || error.isConflict {}
                }
                return .done
            }
            switch ClusterAPIMapping.outcome(of: source) {
            case .waiting:
                return .done  // its status changing (the control plane initialized) queues it again
            case .invalid(let message):
                await event(on: source, .warning, "AddonsNotServed", message)
                return .done
            case .cluster(let desired):
                if let existing = try await existingCluster(request), !Self.madeFromClusterAPI(existing, uid: source.uid) {
                    await event(on: source, .warning, "ClusterNameTaken",
                                "a Cluster \(existing.namespace ?? "")/\(existing.name) not made from this Cluster API cluster exists: it is left as it is, and this cluster gets no addons from here")
                    return .done
                }
                _ = try await management.apply(desired, options: ApplyOptions(fieldManager: ClusterAPIClusters.fieldManager, force: true))
                if mirror == nil {
                    logger.info("serving a Cluster API cluster", metadata: ["cluster": "\(request)"])
                    await event(on: source, .normal, "AddonsServed", "addons are served through Cluster \(desired.namespace ?? "")/\(desired.name)")
                }
                return .done
            }
        }

        /// Ours made from a Cluster API cluster (of that UID, when given): the label and a
        /// controller owner reference to such a cluster.
        static func madeFromClusterAPI(_ cluster: KubeObject, uid: String?) -> Bool {
            guard cluster.labels[ClusterAPIMapping.sourceLabel] == ClusterAPIMapping.sourceValue else { return false }
            return (cluster.metadata["ownerReferences"].arrayValue ?? []).contains { owner in
                owner["controller"] == true && owner["kind"] == .string(ClusterAPIMapping.kind.kind)
                    && owner["apiVersion"].stringValue?.hasPrefix(ClusterAPIMapping.kind.group + "/") == true
                    && (uid == nil || owner["uid"].stringValue == uid)
            }
        }

        private func existingCluster(_ request: ReconcileRequest) async throws -> KubeObject? {
            do {
                return try await management.get(ManagementKinds.cluster, name: request.name, namespace: request.namespace)
            } catch let error as KubernetesError where error.isNotFound {
                return nil
            }
        }

        private func event(on source: KubeObject, _ type: EventRecorder.EventType, _ reason: String, _ message: String) async {
            await events.record(on: ["apiVersion": .string("\(ClusterAPIMapping.kind.group)/\(ClusterAPIMapping.kind.version)"),
                                     "kind": .string(ClusterAPIMapping.kind.kind), "name": .string(source.name),
                                     "namespace": .string(source.namespace ?? ""), "uid": source.uid.map(JSONValue.string) ?? .null],
                                 type: type, reason: reason, message: message)
        }
    }
}
