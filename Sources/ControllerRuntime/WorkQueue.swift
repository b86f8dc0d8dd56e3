import DequeModule

/// A de-duplicating work queue with delayed adds and rate-limited retries, as client-go's:
/// - an item added several times before a worker takes it is processed once;
/// - an item added while a worker processes it is processed again after `done`, never by two
///   workers at once;
/// - `addAfter` holds an item back; `addRateLimited` holds it back by its retry backoff;
///   `forget` resets that backoff.
public actor WorkQueue<Key: Hashable & Sendable> {
    private var queue: Deque<Key> = []
    private var dirty: Set<Key> = []
    private var processing: Set<Key> = []
    private var waiters: Deque<CheckedContinuation<Key?, Never>> = []
    private var delayed: [Key: ContinuousClock.Instant] = [:]
    private var timer: Task<Void, Never>?
    private var nextWake: ContinuousClock.Instant?
    private var rateLimiter: RetryRateLimiter<Key>
    private var isShuttingDown = false
    private let onDepthChange: (@Sendable (Int) -> Void)?

    public init(rateLimiter: RetryRateLimiter<Key> = RetryRateLimiter(), onDepthChange: (@Sendable (Int) -> Void)? = nil) {
        self.rateLimiter = rateLimiter
        self.onDepthChange = onDepthChange
    }

    /// Items waiting to be processed (not counting delayed ones or ones being processed).
    public var depth: Int { queue.count }
    /// Items held back by `addAfter` / `addRateLimited`.
    public var delayedCount: Int { delayed.count }
    public var shuttingDown: Bool { isShuttingDown }

    public func add(_ key: Key) {
        guard !isShuttingDown, !dirty.contains(key) else { return }
        dirty.insert(key)
        if processing.contains(key) { return }
        if let waiter = waiters.popFirst() {
            dirty.remove(key)
            processing.insert(key)
            waiter.resume(returning: key)
            return
        }
        queue.append(key)
        onDepthChange?(queue.count)
    }

    /// Adds the item once `delay` has passed; an earlier pending time for the same item wins.
    public func addAfter(_ key: Key, delay: Duration) {
        guard !isShuttingDown else { return }
        guard delay > .zero else {
            add(key)
            return
        }
        let due = ContinuousClock.now.advanced(by: delay)
        if let existing = delayed[key], existing <= due { return }
        delayed[key] = due
        scheduleTimer()
    }

    /// Adds the item after its retry backoff (grows with each failure until `forget`).
    public func addRateLimited(_ key: Key) {
        let delay = rateLimiter.when(key)
        addAfter(key, delay: delay)
    }

    public func forget(_ key: Key) { rateLimiter.forget(key) }

    public func failureCount(_ key: Key) -> Int { rateLimiter.failureCount(key) }

    /// The next item, waiting until there is one; nil once the queue shuts down.
    public func next() async -> Key? {
        // Once shut down, queued items are no longer handed out: the workers stop taking work.
        if isShuttingDown { return nil }
        if let key = queue.popFirst() {
            dirty.remove(key)
            processing.insert(key)
            onDepthChange?(queue.count)
            return key
        }
        if isShuttingDown { return nil }
        return await withCheckedContinuation { continuation in
            waiters.append(continuation)
        }
    }

    /// Marks the item processed; if it was added meanwhile it is queued again.
    public func done(_ key: Key) {
        processing.remove(key)
        if dirty.contains(key) {
            dirty.remove(key)
            add(key)
        }
    }

    /// Stops handing out items (queued ones included): waiting workers get nil; delayed items are dropped.
    public func shutdown() {
        isShuttingDown = true
        timer?.cancel()
        timer = nil
        delayed.removeAll()
        while let waiter = waiters.popFirst() { waiter.resume(returning: nil) }
    }

    // MARK: Delayed items

    private func scheduleTimer() {
        guard let earliest = delayed.values.min() else { return }
        if let nextWake, nextWake <= earliest, timer != nil { return }
        timer?.cancel()
        nextWake = earliest
        timer = Task { [weak self] in
            try? await Task.sleep(until: earliest, clock: .continuous)
            guard !Task.isCancelled else { return }
            await self?.releaseDue()
        }
    }

    private func releaseDue() {
        timer = nil
        nextWake = nil
        let now = ContinuousClock.now
        let due = delayed.filter { $0.value <= now }.sorted { $0.value < $1.value }
        for (key, _) in due {
            delayed.removeValue(forKey: key)
            add(key)
        }
        if !delayed.isEmpty { scheduleTimer() }
    }
}
