import KubernetesModel
import Synchronization

/// One change a live view is told of: enough to know what to fetch again, nothing more.
public struct Change: Sendable, Equatable {
    /// cluster, clusterDeleted, addon, addonDeleted, event, rollout.
    public var kind: String
    public var project: String?
    public var cluster: String?
    public var addon: String?
    public var phase: String?

    public init(kind: String, project: String? = nil, cluster: String? = nil, addon: String? = nil, phase: String? = nil) {
        self.kind = kind
        self.project = project
        self.cluster = cluster
        self.addon = addon
        self.phase = phase
    }

    public var json: JSONValue {
        var o: JSONValue = ["type": .string(kind)]
        if let project { o["project"] = .string(project) }
        if let cluster { o["cluster"] = .string(cluster) }
        if let addon { o["addon"] = .string(addon) }
        if let phase { o["phase"] = .string(phase) }
        return o
    }
}

/// The live streams (Server-Sent Events) of the status API: each subscriber follows one project
/// (or one cluster of it) and is told only of that project's changes. A subscriber that does not
/// keep up loses the oldest changes, never blocks the store (each change only says what to fetch
/// again, so the latest ones are what matter).
public final class ChangeFeed: Sendable {
    /// Changes kept per subscriber that has not read them yet.
    public static let buffered = 256

    private struct Subscriber {
        var project: String?
        var cluster: String?
        var continuation: AsyncStream<Change>.Continuation
    }

    private struct State {
        var next: UInt64 = 0
        var subscribers: [UInt64: Subscriber] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// The kind of the change a stream carries every `heartbeat` (so that an idle connection is
    /// seen to be alive, and a closed one is noticed).
    public static let heartbeatKind = "heartbeat"

    /// A stream of the changes of `project` (nil: every project — operators), or of one of its
    /// clusters; it ends when the subscriber's task is cancelled.
    public func subscribe(project: String?, cluster: String? = nil, heartbeat: Duration? = nil) -> AsyncStream<Change> {
        let (stream, continuation) = AsyncStream.makeStream(of: Change.self, bufferingPolicy: .bufferingNewest(Self.buffered))
        let beats = heartbeat.map { interval in
            Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    continuation.yield(Change(kind: Self.heartbeatKind))
                }
            }
        }
        let id = state.withLock { state -> UInt64 in
            state.next += 1
            state.subscribers[state.next] = Subscriber(project: project, cluster: cluster, continuation: continuation)
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            beats?.cancel()
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    func publish(_ change: Change) {
        let targets = state.withLock { state in
            state.subscribers.values.filter { subscriber in
                (subscriber.project == nil || subscriber.project == change.project)
                    && (subscriber.cluster == nil || subscriber.cluster == change.cluster)
            }.map(\.continuation)
        }
        for continuation in targets { continuation.yield(change) }
    }

    /// A change that concerns no single project (a rollout): every subscriber hears of it.
    func publishToAll(_ change: Change) {
        let targets = state.withLock { $0.subscribers.values.map(\.continuation) }
        for continuation in targets { continuation.yield(change) }
    }
}
