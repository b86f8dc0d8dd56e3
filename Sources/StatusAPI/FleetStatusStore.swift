import Foundation
import KubernetesModel
import Synchronization

/// What the status API serves, kept from the management plane's watches (never a LIST per
/// request): per project (namespace), its Clusters, their ClusterAddons and their recent Events,
/// reduced to the fields users see. Readers take a snapshot (copy-on-write values, a short lock)
/// and render outside the lock, so many concurrent readers do not wait on each other.
public final class FleetStatusStore: Sendable {
    /// How many Events are kept per cluster (newest first).
    public static let eventsPerCluster = 20

    private let state = Mutex(Snapshot())
    public let changes = ChangeFeed()

    public init() {}

    /// The current state of every project.
    public var snapshot: Snapshot { state.withLock { $0 } }

    public struct Snapshot: Sendable {
        public var projects: [String: ProjectState] = [:]
        /// AddonRollouts by name (cluster-scoped: their admissions name clusters of every project).
        public var rollouts: [String: RolloutRecord] = [:]
        /// Raised on every change of a project (an answer rendered at one version stays true until the next).
        public var projectVersions: [String: UInt64] = [:]
        /// Raised on every change of a rollout.
        public var rolloutVersion: UInt64 = 0

        /// Changes one project's state in place: taken out of the dictionary while it changes,
        /// so that its tables are not copied (at a thousand clusters in one project, copying them
        /// on every ClusterAddon event was quadratic: 4 % of a converging fleet's CPU). An empty
        /// one is dropped.
        mutating func changeProject<T>(_ project: String, _ body: (inout ProjectState) -> T) -> T {
            var projectState = projects.removeValue(forKey: project) ?? ProjectState()
            defer { if !projectState.isEmpty { projects[project] = projectState } }
            return body(&projectState)
        }

        /// What an answer about `project` was rendered from: same version, same answer.
        public func version(of project: String) -> String { "\(projectVersions[project] ?? 0).\(rolloutVersion)" }
    }

    public struct ProjectState: Sendable {
        public var clusters: [String: ClusterRecord] = [:]
        /// ClusterAddons by cluster, then addon.
        public var addons: [String: [String: AddonRecord]] = [:]
        /// Recent Events by cluster, newest first.
        public var events: [String: [EventRecord]] = [:]
        /// The cluster and addon of each ClusterAddon, by object name (Events name the object).
        var addonOwners: [String: AddonOwner] = [:]

        var isEmpty: Bool { clusters.isEmpty && addons.isEmpty && events.isEmpty }
    }

    struct AddonOwner: Sendable {
        var cluster: String
        var addon: String
    }

    // MARK: Updates (from the informers)

    public func clusterChanged(_ object: KubeObject, deleted: Bool) {
        guard let project = object.namespace else { return }
        let record = ClusterRecord(object)
        let changed = state.withLock { snapshot -> Bool in
            snapshot.projectVersions[project, default: 0] += 1
            return snapshot.changeProject(project) { projectState in
                let before = projectState.clusters[object.name]
                if deleted {
                    projectState.clusters[object.name] = nil
                    projectState.addons[object.name] = nil
                    projectState.events[object.name] = nil
                } else {
                    projectState.clusters[object.name] = record
                }
                return deleted ? before != nil : before != record
            }
        }
        if changed {
            changes.publish(Change(kind: deleted ? "clusterDeleted" : "cluster", project: project, cluster: object.name, addon: nil,
                                   phase: deleted ? nil : record.addonsHealthy?.status))
        }
    }

    public func clusterAddonChanged(_ object: KubeObject, deleted: Bool) {
        guard let project = object.namespace, let record = AddonRecord(object) else { return }
        let changed = state.withLock { snapshot -> Bool in
            snapshot.projectVersions[project, default: 0] += 1
            return snapshot.changeProject(project) { projectState in
                let before = projectState.addons[record.cluster]?[record.addon]
                if deleted {
                    projectState.addons[record.cluster]?[record.addon] = nil
                    if projectState.addons[record.cluster]?.isEmpty == true { projectState.addons[record.cluster] = nil }
                    projectState.addonOwners[record.objectName] = nil
                } else {
                    projectState.addons[record.cluster, default: [:]][record.addon] = record
                    projectState.addonOwners[record.objectName] = AddonOwner(cluster: record.cluster, addon: record.addon)
                }
                return deleted ? before != nil : before != record
            }
        }
        if changed {
            changes.publish(Change(kind: deleted ? "addonDeleted" : "addon", project: project, cluster: record.cluster, addon: record.addon,
                                   phase: deleted ? nil : record.phase))
        }
    }

    /// An Event about a Cluster or a ClusterAddon (others are ignored).
    public func eventChanged(_ object: KubeObject, deleted: Bool) {
        guard !deleted, let project = object.namespace else { return }
        let recorded = state.withLock { snapshot -> EventRecord? in
            let record = snapshot.changeProject(project) { projectState -> EventRecord? in
                guard let record = EventRecord(object, addonOf: { name in projectState.addonOwners[name].map { ($0.cluster, $0.addon) } }) else { return nil }
                var events = projectState.events.removeValue(forKey: record.cluster) ?? []
                events.removeAll { $0.uid == record.uid }
                events.append(record)
                events.sort { ($0.lastTime, $0.uid) > ($1.lastTime, $1.uid) }
                if events.count > Self.eventsPerCluster { events.removeLast(events.count - Self.eventsPerCluster) }
                projectState.events[record.cluster] = events
                return record
            }
            if record != nil { snapshot.projectVersions[project, default: 0] += 1 }
            return record
        }
        guard let record = recorded else { return }
        changes.publish(Change(kind: "event", project: project, cluster: record.cluster, addon: record.addon, phase: nil))
    }

    public func rolloutChanged(_ object: KubeObject, deleted: Bool) {
        let record = RolloutRecord(object)
        let changed = state.withLock { snapshot -> Bool in
            let before = snapshot.rollouts[object.name]
            snapshot.rollouts[object.name] = deleted ? nil : record
            snapshot.rolloutVersion += 1
            return deleted ? before != nil : before != record
        }
        // Every project may follow a rollout (its phase and wave; its own clusters in it).
        if changed { changes.publishToAll(Change(kind: "rollout", project: nil, cluster: nil, addon: record.addon, phase: record.phase)) }
    }
}
