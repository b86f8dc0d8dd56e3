import DequeModule
import Metrics
import Synchronization

/// A bound on reconciles in flight across many controllers (a fleet: one controller per
/// cluster). A reconcile holds what it renders, sends and reads back until it ends; a thousand
/// clusters converging at once, each with its own workers, held all of that at the same time —
/// most of the manager's peak memory — while two cores could only work on a few of them.
/// Reconciles beyond the limit wait, first come first served; a controller that stops
/// withdraws its waiting reconciles (they never started, their items go with its queue).
public final class ReconcileAdmission: Sendable {
    public let limit: Int

    private struct Waiter {
        let id: UInt64
        let owner: ObjectIdentifier
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var inFlight = 0
        var nextID: UInt64 = 0
        var waiting: Deque<Waiter> = []
        /// Waits begun and not yet admitted or refused.
        var open: Set<UInt64> = []
        /// Open waits cancelled before their waiter was queued.
        var cancelled: Set<UInt64> = []
    }

    private let state = Mutex(State())
    /// `addon_manager_reconciles_in_flight` and `addon_manager_reconciles_waiting`: a queue that
    /// stays long says the bound (or the cores) hold convergence back.
    private let inFlightGauge = Gauge(label: "addon_manager_reconciles_in_flight")
    private let waitingGauge = Gauge(label: "addon_manager_reconciles_waiting")

    public init(limit: Int) { self.limit = max(1, limit) }

    private func record(_ counts: (inFlight: Int, waiting: Int)) {
        inFlightGauge.record(counts.inFlight)
        waitingGauge.record(counts.waiting)
    }

    /// Reconciles running now, and waiting for a turn.
    public var counts: (inFlight: Int, waiting: Int) { state.withLock { ($0.inFlight, $0.waiting.count) } }

    /// Waits for a turn: true when admitted (call `release()` when the reconcile ends), false
    /// when the wait was cancelled or `owner` withdrew it.
    public func admit(owner: AnyObject) async -> Bool {
        let owner = ObjectIdentifier(owner)
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            state.open.insert(state.nextID)
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let admitted = state.withLock { state -> Bool? in
                    if state.cancelled.remove(id) != nil {
                        state.open.remove(id)
                        return false
                    }
                    if state.inFlight < limit, state.waiting.isEmpty {
                        state.open.remove(id)
                        state.inFlight += 1
                        return true
                    }
                    state.waiting.append(Waiter(id: id, owner: owner, continuation: continuation))
                    return nil
                }
                record(counts)
                if let admitted { continuation.resume(returning: admitted) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiting.firstIndex(where: { $0.id == id }) else {
                    // Not queued yet: refused when it is. Already admitted: nothing to do.
                    if state.open.contains(id) { state.cancelled.insert(id) }
                    return nil
                }
                state.open.remove(id)
                return state.waiting.remove(at: index)
            }
            record(counts)
            waiter?.continuation.resume(returning: false)
        }
    }

    /// A reconcile admitted ended: the next waiting one runs.
    public func release() {
        let next = state.withLock { state -> Waiter? in
            // The turn passes to the first waiting reconcile.
            if let next = state.waiting.popFirst() {
                state.open.remove(next.id)
                return next
            }
            state.inFlight = max(0, state.inFlight - 1)
            return nil
        }
        record(counts)
        next?.continuation.resume(returning: true)
    }

    /// The reconciles `owner` is waiting to run are not run (the controller stops).
    public func withdraw(owner: AnyObject) {
        let owner = ObjectIdentifier(owner)
        let withdrawn = state.withLock { state -> [Waiter] in
            let withdrawn = Array(state.waiting.filter { $0.owner == owner })
            state.waiting.removeAll { $0.owner == owner }
            for waiter in withdrawn { state.open.remove(waiter.id) }
            return withdrawn
        }
        record(counts)
        for waiter in withdrawn { waiter.continuation.resume(returning: false) }
    }
}
