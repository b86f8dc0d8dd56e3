import Synchronization

/// How many of a controller's workers may run at once: its dispatcher takes a slot before it
/// takes an item from the queue, and the worker that reconciles the item gives the slot back.
/// Workers are tasks only while they have an item (see `Controller.run`).
///
/// One taker at a time (the dispatcher); a taker that is cancelled while it waits gets false.
final class WorkerSlots: Sendable {
    private struct State {
        var free: Int
        var waiting: CheckedContinuation<Bool, Never>?
        var cancelled = false
    }

    private let state: Mutex<State>

    init(_ count: Int) {
        state = Mutex(State(free: max(1, count)))
    }

    /// Waits for a free slot and takes it; false when the waiting task was cancelled.
    func take() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let answer: Bool? = state.withLock { state in
                    if state.cancelled { return false }
                    if state.free > 0 {
                        state.free -= 1
                        return true
                    }
                    precondition(state.waiting == nil, "WorkerSlots has one taker at a time")
                    state.waiting = continuation
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiting = state.withLock { state in
                state.cancelled = true
                defer { state.waiting = nil }
                return state.waiting
            }
            waiting?.resume(returning: false)
        }
    }

    /// Gives a slot back: to the waiting taker, if there is one.
    func give() {
        let waiting = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            if let waiting = state.waiting {
                state.waiting = nil
                return waiting
            }
            state.free += 1
            return nil
        }
        waiting?.resume(returning: true)
    }
}
