import AddonCatalog
import ControllerRuntime
import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// The rollouts as every replica reads them: a watch on AddonRollouts, the gate each cluster's
/// controller asks (`gate(channel:installed:)`), and the changes that move clusters: a new
/// target, phase or wave reaches every cluster on the channel; an admission only the cluster
/// admitted. Until the first list has been read no gate is given, so nothing moves on a guess.
public final class RolloutBook: Sendable {
    /// Which clusters a rollout change concerns (nil: all on the channel; empty: none, a request
    /// for the driver — pause, resume, rollback — that moves no cluster until it acts on it).
    public struct Change: Sendable {
        public var channel: String
        public var addon: String
        public var clusters: Set<String>?
    }

    private let client: any KubeClient
    private let logger: Logger
    private let state = State()

    public init(client: any KubeClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Watches AddonRollouts until cancelled.
    public func run() async {
        let informer = Informer(kind: ManagementKinds.addonRollout, client: client, logger: logger) { event in
            await self.handle(event)
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await informer.run() }
            group.addTask {
                guard await informer.waitForSync() else { return }
                await self.state.markSynced()
            }
            await group.waitForAll()
        }
    }

    /// Whether the rollouts have been read (a cluster's controller waits for it).
    public var synced: Bool { get async { await state.synced } }

    /// Thrown by `gate` until the rollouts have been read (the reconcile is retried).
    public struct NotSynced: Error, CustomStringConvertible {
        public var description: String { "the rollouts (AddonRollouts) have not been read yet" }
    }

    /// The gate for a cluster on `channel`.
    public func gate(channel: String, installed: [String: SemanticVersion]) async throws -> RolloutGate {
        guard let rollouts = await state.rollouts(channel: channel) else { throw NotSynced() }
        return RolloutGate(rollouts: rollouts, installed: installed)
    }

    public func rollout(channel: String, addon: String) async -> AddonRollout? { await state.rollout(AddonRollout.objectName(channel: channel, addon: addon)) }

    /// Whether any rollout is Progressing or Paused (only then do fleet changes matter to the driver).
    public var hasActiveRollout: Bool { get async { await state.hasActive } }

    public func changes() async -> AsyncStream<Change> { await state.subscribe() }

    private func handle(_ event: InformerEvent) async {
        let object = event.object
        if case .deleted = event {
            if let old = await state.remove(object.name) { await state.publish(Change(channel: old.channel, addon: old.addon, clusters: nil)) }
            return
        }
        let rollout: AddonRollout
        do {
            rollout = try AddonRollout(object: object)
        } catch {
            logger.warning("AddonRollout not readable, ignored", metadata: ["addonRollout": "\(object.name)", "error": "\(error)"])
            return
        }
        let old = await state.set(object.name, rollout)
        if let change = Self.change(from: old, to: rollout) { await state.publish(change) }
    }

    /// What a rollout's update moves: nothing when only counts or messages changed; no cluster,
    /// but a pass of the driver, when someone asked it to pause, resume or roll back (without
    /// it the request waited for the driver's periodic pass).
    static func change(from old: AddonRollout?, to new: AddonRollout) -> Change? {
        guard let old, old.to == new.to, old.from == new.from, old.phase == new.phase, old.waveIndex == new.waveIndex else {
            return Change(channel: new.channel, addon: new.addon, clusters: nil)
        }
        let before = Set(old.admissions.map(\.cluster)), after = Set(new.admissions.map(\.cluster))
        let moved = before.symmetricDifference(after)
        if !moved.isEmpty { return Change(channel: new.channel, addon: new.addon, clusters: moved) }
        let requested = old.paused != new.paused || old.rollback != new.rollback || old.attempt != new.attempt
        return requested ? Change(channel: new.channel, addon: new.addon, clusters: []) : nil
    }

    private actor State {
        private var byName: [String: AddonRollout] = [:]
        private(set) var synced = false
        private var subscribers: [UUID: AsyncStream<Change>.Continuation] = [:]

        func markSynced() {
            synced = true
            for rollout in byName.values { publish(Change(channel: rollout.channel, addon: rollout.addon, clusters: nil)) }
        }

        func rollouts(channel: String) -> [String: AddonRollout]? {
            guard synced else { return nil }
            var result: [String: AddonRollout] = [:]
            for rollout in byName.values where rollout.channel == channel { result[rollout.addon] = rollout }
            return result
        }

        func rollout(_ name: String) -> AddonRollout? { byName[name] }
        var hasActive: Bool { byName.values.contains { $0.phase == .progressing || $0.phase == .paused } }

        func set(_ name: String, _ rollout: AddonRollout) -> AddonRollout? {
            defer { byName[name] = rollout }
            return byName[name]
        }

        func remove(_ name: String) -> AddonRollout? { byName.removeValue(forKey: name) }

        func subscribe() -> AsyncStream<Change> {
            let id = UUID()
            let (stream, continuation) = AsyncStream<Change>.makeStream(bufferingPolicy: .unbounded)
            subscribers[id] = continuation
            continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
            return stream
        }

        private func unsubscribe(_ id: UUID) { subscribers.removeValue(forKey: id) }

        func publish(_ change: Change) {
            guard synced else { return }
            for continuation in subscribers.values { continuation.yield(change) }
        }
    }
}
