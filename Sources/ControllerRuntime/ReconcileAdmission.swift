import DequeModule
import Metrics
import Synchronization

/// A bound on reconciles in flight across many controllers (a fleet: one controller per
/// cluster). A reconcile holds what it renders, sends and reads back until it ends; a thousand
/// clusters converging at once, each with its own workers, held all of that at the same time —
/// most of the manager's peak memory — while two cores could only work on a few of them.
///
/// - Reconciles beyond the limit wait, first come first served — except that a controller
///   already running a reconcile gets a further turn only while fewer than half of the turns
///   are taken, and a freed turn goes first to the first waiting controller that runs none.
///   So clusters whose reconciles hang (an API that takes connections and never answers, until
///   the request times out) hold at most half the bound between them plus one turn each, the
///   other clusters go on in the rest, and a lone cluster still runs several reconciles at once.
/// - A controller that stops withdraws its waiting reconciles (they never started, their items
///   go with its queue), and is refused from then on.
public final class ReconcileAdmission: Sendable {
    public let limit: Int

    /// Who waits for or holds turns: a controller, refused once it withdrew.
    public final class Owner: Sendable {
        private let withdrawn = Atomic<Bool>(false)
        public init() {}
        var hasWithdrawn: Bool { withdrawn.load(ordering: .acquiring) }
        fileprivate func markWithdrawn() { withdrawn.store(true, ordering: .releasing) }
    }

    private struct Waiter {
        let id: UInt64
        let owner: ObjectIdentifier
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var inFlight = 0
        /// Turns held, per owner holding any.
        var held: [ObjectIdentifier: Int] = [:]
        var nextID: UInt64 = 0
        var waiting: Deque<Waiter> = []
        /// Waits begun and not yet admitted or refused.
        var open: Set<UInt64> = []
        /// Open waits cancelled before their waiter was queued.
        var cancelled: Set<UInt64> = []

        var counts: (inFlight: Int, waiting: Int) { (inFlight, waiting.count) }

        mutating func take(_ owner: ObjectIdentifier) { held[owner, default: 0] += 1 }

        mutating func give(_ owner: ObjectIdentifier) {
            guard let count = held[owner] else { return }
            held[owner] = count > 1 ? count - 1 : nil
        }

        /// Whether `owner` may take a turn now: a first turn while any is free, a further one
        /// while fewer than half are taken.
        func mayTake(_ owner: ObjectIdentifier, limit: Int) -> Bool {
            held[owner] == nil ? inFlight < limit : inFlight < max(1, limit / 2)
        }

        /// The waiter that may take the turn just freed (removed from the line): the first
        /// whose owner runs none, else the first that may take a further turn.
        mutating func nextWaiter(limit: Int) -> Waiter? {
            guard let index = waiting.firstIndex(where: { held[$0.owner] == nil && inFlight < limit })
                ?? waiting.firstIndex(where: { mayTake($0.owner, limit: limit) })
            else { return nil }
            return waiting.remove(at: index)
        }
    }

    private let state = Mutex(State())
    /// `addon_manager_reconciles_in_flight` and `addon_manager_reconciles_waiting`: a queue that
    /// stays long says the bound (or the cores) hold convergence back.
    private let inFlightGauge = Gauge(label: "addon_manager_reconciles_in_flight")
    private let waitingGauge = Gauge(label: "addon_manager_reconciles_waiting")

    public init(limit: Int) { self.limit = max(1, limit) }

    /// Called inside the lock, so that the gauges move in the order the counts did.
    private func record(_ state: State) {
        inFlightGauge.record(state.inFlight)
        waitingGauge.record(state.waiting.count)
    }

    /// Reconciles running now, and waiting for a turn.
    public var counts: (inFlight: Int, waiting: Int) { state.withLock { $0.counts } }

    /// Turns `owner` holds now.
    public func held(by owner: Owner) -> Int { state.withLock { $0.held[ObjectIdentifier(owner)] ?? 0 } }

    /// Waits for a turn: true when admitted (call `release(owner:)` when the reconcile ends),
    /// false when the wait was cancelled or `owner` withdrew.
    public func admit(owner: Owner) async -> Bool {
        let key = ObjectIdentifier(owner)
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            state.open.insert(state.nextID)
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let admitted = state.withLock { state -> Bool? in
                    defer { record(state) }
                    if state.cancelled.remove(id) != nil || owner.hasWithdrawn {
                        state.open.remove(id)
                        return false
                    }
                    // Whoever waits could not take a turn when it asked and none has been freed
                    // since (a freed turn goes to a waiter that may take it), so a reconcile that
                    // may take one now jumps no one who could have.
                    if state.mayTake(key, limit: limit) {
                        state.open.remove(id)
                        state.inFlight += 1
                        state.take(key)
                        return true
                    }
                    state.waiting.append(Waiter(id: id, owner: key, continuation: continuation))
                    return nil
                }
                if let admitted { continuation.resume(returning: admitted) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                defer { record(state) }
                guard let index = state.waiting.firstIndex(where: { $0.id == id }) else {
                    // Not queued yet: refused when it is. Already admitted: nothing to do.
                    if state.open.contains(id) { state.cancelled.insert(id) }
                    return nil
                }
                state.open.remove(id)
                return state.waiting.remove(at: index)
            }
            waiter?.continuation.resume(returning: false)
        }
    }

    /// A reconcile `owner` was admitted for ended: its turn passes on.
    public func release(owner: Owner) {
        let next = state.withLock { state -> Waiter? in
            defer { record(state) }
            state.give(ObjectIdentifier(owner))
            state.inFlight = max(0, state.inFlight - 1)
            guard let next = state.nextWaiter(limit: limit) else { return nil }
            state.open.remove(next.id)
            state.inFlight += 1
            state.take(next.owner)
            return next
        }
        next?.continuation.resume(returning: true)
    }

    /// The reconciles `owner` is waiting to run are not run, and it is refused from now on
    /// (the controller stops).
    public func withdraw(owner: Owner) {
        owner.markWithdrawn()
        let key = ObjectIdentifier(owner)
        let withdrawn = state.withLock { state -> [Waiter] in
            defer { record(state) }
            let withdrawn = Array(state.waiting.filter { $0.owner == key })
            state.waiting.removeAll { $0.owner == key }
            for waiter in withdrawn { state.open.remove(waiter.id) }
            return withdrawn
        }
        for waiter in withdrawn { waiter.continuation.resume(returning: false) }
    }
}
