import KubernetesClient
import KubernetesModel
import Logging
import Synchronization

/// Keeps an `ObjectCache` in step with the API server for one kind (list, then watch from the
/// list's resourceVersion) and tells a handler what changed.
/// - a watch that ends is resumed from the last resourceVersion seen (bookmarks keep it fresh);
///   its end is never taken as a deletion;
/// - 410 Gone (resourceVersion too old) relists, and the difference with the cache becomes events;
/// - errors, and watches that end at once without an event, back off (100 ms doubling to 30 s,
///   reset by a healthy watch: see `ListWatchBackoff`) and retry until the task is cancelled;
/// - a resync period re-announces every cached object, the backstop for missed work;
/// - `following` chooses between one watch kept open (changes within moments) and a short watch
///   every period (changes within the period, no stream open in between: see `Following`).
public final class Informer: Sendable {
    /// How the informer follows changes once it has listed.
    public enum Following: Sendable, Equatable {
        /// One watch kept open, resumed when it ends: a change arrives within moments.
        case watching
        /// Every `period` (±10 %), a watch from the last resourceVersion that the server ends
        /// after a few seconds: it delivers every change since the previous one (the server keeps
        /// that history; when it no longer has it, 410 Gone, the informer relists and announces
        /// the difference). Between two, no request and no stream is open: a fraction of an open
        /// watch's memory (AsyncHTTPClient's request, an HTTP/2 stream and its buffers, about
        /// 9 KB each), for kinds whose changes need not be seen at once.
        case polling(every: Duration)

        /// The period between two polls; nil when watching.
        var period: Duration? {
            if case .polling(let period) = self { return period }
            return nil
        }
    }

    public let kind: GroupVersionKind
    public let namespace: String?
    public let cache: ObjectCache
    private let transform: (@Sendable (KubeObject) -> KubeObject)?
    private let fingerprint: (@Sendable (KubeObject) -> String?)?
    private let include: (@Sendable (KubeObject) -> Bool)?
    private let labelSelector: String?
    private let client: any ObjectReader & ObjectWatcher
    private let resyncPeriod: Duration?
    private let handler: @Sendable (InformerEvent) async -> Void
    private let logger: Logger
    private let synced = SyncSignal()
    private let announceInitialList: Bool
    private let onAlive: (@Sendable () async -> Void)?
    public let following: Following
    /// Polling: how many polls (a list counts as one) have begun, and the number of the last
    /// one that completed (see `lastCompletedPoll`).
    private let pollsBegun = Atomic<UInt64>(0)
    private let completedPoll = Atomic<UInt64>(0)

    /// - announceInitialList: whether the objects of the first list reach the handler as
    ///   `.added` (true), or only fill the cache (false: for handlers that react to changes
    ///   only). Later relists always announce their differences.
    /// - storage, transform: how the cache keeps objects (see `ObjectCache`); the transform
    ///   applies to what the handler sees too.
    /// - keep: what the cache keeps of each (transformed) object, when less than the handler
    ///   sees (see `ObjectCache`): the deletions the cache finds (a relist's, an object that
    ///   stops matching `include`) and `.updated`'s old object are then what was kept (a watch's
    ///   deletion is the object the server sent). Not with a resync
    ///   period, whose events would carry only what was kept.
    /// - fingerprint: computed from each object as the server sent it (before the transform) and
    ///   kept beside it in the cache (`ObjectCache.fingerprint(namespace:name:)`).
    /// - onAlive: called whenever the server answered a list or delivered a watch event. Not for
    ///   each bookmark: the watch holds them (see `WatchOptions.holdBookmarks`), so that an idle
    ///   watch wakes no task; the client's `lastAnswered` tells when the server last sent anything.
    /// - include: which objects the cache keeps (nil: all). Others are neither kept nor
    ///   announced; one that stops matching is announced as deleted. For objects a selector
    ///   cannot pick, e.g. Secrets by a set of names that changes: a reader that misses asks the API.
    /// - following: a watch kept open (the default) or one every period (see `Following`).
    public init(
        kind: GroupVersionKind, namespace: String? = nil, labelSelector: String? = nil,
        client: any ObjectReader & ObjectWatcher, resyncPeriod: Duration? = nil, following: Following = .watching, announceInitialList: Bool = true,
        storage: ObjectCache.Storage = .objects, indexes: [ObjectCache.Index] = [], transform: (@Sendable (KubeObject) -> KubeObject)? = nil,
        keep: (@Sendable (KubeObject) -> KubeObject)? = nil, fingerprint: (@Sendable (KubeObject) -> String?)? = nil,
        include: (@Sendable (KubeObject) -> Bool)? = nil,
        onAlive: (@Sendable () async -> Void)? = nil, logger: Logger,
        handler: @escaping @Sendable (InformerEvent) async -> Void
    ) {
        self.onAlive = onAlive
        precondition(keep == nil || resyncPeriod == nil, "an informer that keeps less than its handler sees cannot resync from its cache")
        self.cache = ObjectCache(storage: storage, indexes: indexes, keep: keep)
        self.transform = transform
        self.fingerprint = fingerprint
        self.include = include
        self.announceInitialList = announceInitialList
        self.kind = kind.shared
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.client = client
        self.resyncPeriod = resyncPeriod
        self.following = following
        self.logger = logger
        self.handler = handler
    }

    /// Waits until the first list has filled the cache; returns false when the waiting task was
    /// cancelled first (the cache may then be empty or partial: nothing may be concluded from it).
    @discardableResult
    public func waitForSync() async -> Bool { await synced.wait() }

    public var hasSynced: Bool { get async { await synced.isSet } }

    /// Polling: the number of the poll under way or last begun (a relist counts as one).
    public var latestPoll: UInt64 { pollsBegun.load(ordering: .acquiring) }

    /// Polling: the number of the last poll that completed (a list, or a watch the server kept
    /// open to its deadline). Whatever changed before a poll began is in the cache once it has
    /// completed: a write answered while poll `n` was the latest (`latestPoll`) is in the cache,
    /// or superseded there, once `lastCompletedPoll > n`.
    public var lastCompletedPoll: UInt64 { completedPoll.load(ordering: .acquiring) }

    /// Waits until the first list has filled the cache, at most `timeout`; returns whether it has.
    public func waitForSync(timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.synced.wait() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            if first { return true }
            return await self.synced.isSet
        }
    }

    /// Lists and watches until cancelled, driven by this task as a group of one (see
    /// `InformerGroup`, which runs many informers in one task), and resyncs every
    /// `resyncPeriod` beside it.
    public func run() async {
        let group = InformerGroup(endsWhenEmpty: true)
        group.add(self)
        guard let resyncPeriod else { return await group.run() }
        await run(group, resyncingEvery: resyncPeriod)
    }

    @inline(never)
    private func run(_ informers: InformerGroup, resyncingEvery resyncPeriod: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await informers.run() }
            group.addTask { await self.resyncLoop(every: resyncPeriod) }
            await group.next()
            group.cancelAll()
        }
    }

    // MARK: The steps an `InformerGroup` drives
    //
    // A cycle is one list (when there is no resourceVersion to resume from) and one watch; what
    // follows it is decided by `ListWatchCycle`, synchronously. Lists, watch requests and what
    // the handler does with each change run in tasks that end with the step (see
    // `DrivenInformer`): a task keeps the memory of its deepest chain of async frames for as long
    // as it lives, and a fleet runs thousands of informers.

    func makeCycle() -> ListWatchCycle {
        ListWatchCycle(kind: kind, pollPeriod: following.period, logger: logger)
    }

    func beginCycle(_ cycle: inout ListWatchCycle) {
        cycle.justListed = false
        cycle.progress = nil
        if case .polling = following { cycle.poll = pollsBegun.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue }
    }

    /// The cycle's list or watch ended normally: what comes next.
    func cycleCompleted(_ cycle: inout ListWatchCycle) -> ListWatchCycle.Next {
        switch following {
        case .watching:
            return cycle.watchEnded()
        case .polling(let period):
            // A list, or a watch the server kept to its deadline (past its pre-timeout
            // bookmark): not one it closed early (a slow watcher dropped, a shutdown), which may
            // not have reached the latest changes.
            if cycle.progress.map({ $0.open >= .seconds(Self.pollingWatchTimeout - 2) }) ?? true {
                completedPoll.store(cycle.poll, ordering: .releasing)
            }
            return cycle.polled(nextIn: period * Double.random(in: 0.9...1.1))
        }
    }

    /// Lists, replaces the cache with what the list found and announces the difference (the
    /// first list only when `announceInitialList`); returns the list's resourceVersion.
    func listAndAnnounce() async throws -> String {
        let list = try await client.list(kind, namespace: namespace, options: ListOptions(labelSelector: labelSelector))
        await onAlive?()
        let kept = include.map { list.items.filter($0) } ?? list.items
        let events = await cache.replace(with: kept.map(observed))
        let first = await !synced.isSet
        await synced.set()
        if !first || announceInitialList {
            for event in events { await handler(event) }
        }
        return list.resourceVersion
    }

    /// An event of the watch: into the cache and to the handler. Bookmarks (held by the watch,
    /// and seen at its end) only tell that the server is there.
    func receive(_ event: WatchEvent) async {
        if case .bookmark = event {
            await onAlive?()
        } else {
            await deliver(event)
        }
    }

    /// Opens a watch from `resourceVersion`.
    func watchRequest(from resourceVersion: String) async throws -> WatchEvents {
        try await client.watch(kind, namespace: namespace, options: WatchOptions(
            resourceVersion: resourceVersion, labelSelector: labelSelector, allowBookmarks: true,
            timeoutSeconds: following == .watching ? Self.watchTimeout() : Self.pollingWatchTimeout, holdBookmarks: true))
    }

    /// How long the server keeps a watch open (seconds): 30 to 60 minutes, at random, as
    /// kube-apiserver does for a watch that names none (its `--min-request-timeout`, 1800 s,
    /// times 1 to 2). client-go's reflectors ask for 5 to 10 minutes, which spreads reconnections
    /// over a set of API servers; a fleet's watches share one HTTP/2 connection per cluster, so
    /// that buys nothing here, and re-opening some twenty watches per cluster every few minutes
    /// cost an idle fleet's manager a fifth of its CPU (6.6 % of a core against 5.3 % at 1000
    /// clusters). Bookmarks (one a minute per watch) keep the resourceVersion fresh and tell that
    /// the server is there.
    static func watchTimeout() -> Int { Int.random(in: 1800...3600) }

    /// How long the server keeps a polling informer's watch open (seconds): it sends the changes
    /// it has since the resourceVersion at once, and a bookmark 2 s before the deadline (as
    /// kube-apiserver's watch cache does; none with a deadline closer than that), which moves the
    /// resourceVersion of a kind that did not change forward, so that the next poll does not ask
    /// for history the server has compacted (410 Gone, a relist).
    static let pollingWatchTimeout = 5

    /// A watch event into the cache, and the change it made to the handler.
    private func deliver(_ event: WatchEvent) async {
        await onAlive?()
        switch event {
        case .added(let received), .modified(let received):
            if let include, !include(received) {
                // Only the name counts to remove it.
                if let removed = await cache.remove(received) { await handler(.deleted(removed)) }
                return
            }
            let (object, fingerprint) = observed(received)
            if let old = await cache.store(object, fingerprint: fingerprint) {
                await handler(.updated(old: old, new: object))
            } else {
                await handler(.added(object))
            }
        case .deleted(let received):
            // The object as the server last had it, not the cache's copy (which may be only
            // what `keep` kept).
            let object = transform?(received) ?? received
            await cache.remove(object)
            await handler(.deleted(object))
        case .bookmark:
            break
        }
    }

    /// An object as the cache keeps it and the handler sees it, and its fingerprint.
    private func observed(_ received: KubeObject) -> (object: KubeObject, fingerprint: String?) {
        (transform?(received) ?? received, fingerprint?(received))
    }

    private func resyncLoop(every period: Duration) async {
        await synced.wait()
        while !Task.isCancelled {
            // Jitter (±10%) so that many informers do not resync in the same instant.
            let jittered = period * Double.random(in: 0.9...1.1)
            do { try await Task.sleep(for: jittered) } catch { return }
            for object in await cache.list() { await handler(.resync(object)) }
        }
    }
}

/// A one-shot signal that many tasks can wait for; a waiting task that is cancelled stops waiting.
actor SyncSignal {
    private var done = false
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextID = 0

    var isSet: Bool { done }

    func set() {
        guard !done else { return }
        done = true
        for (_, waiter) in waiters { waiter.resume() }
        waiters.removeAll()
    }

    /// Returns whether the signal is set: false when the waiting task was cancelled before.
    @discardableResult
    func wait() async -> Bool {
        if done { return true }
        let id = nextID
        nextID += 1
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if done || Task.isCancelled {
                    continuation.resume()
                } else {
                    waiters[id] = continuation
                }
            }
            return done
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: Int) {
        waiters.removeValue(forKey: id)?.resume()
    }
}
