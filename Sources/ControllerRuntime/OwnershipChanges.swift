import Synchronization

/// Tells a replica's work that the shards it owns changed, by calling a handler that re-reads
/// ownership: stop the work no longer owned, start the work newly owned.
///
/// - One call at a time. Changes that arrive while a call runs are coalesced into one more call
///   after it (the handler re-reads ownership, so one call covers them all): at a thousand
///   clusters, one call per change queued starts and stops behind each other.
/// - A change that drops shards (`preempting`) cancels the call in progress, so that stopping
///   the work of a dropped shard never waits behind starting the work of a shard taken (which
///   can take longer than the time left before another replica may take the dropped shard),
///   nor behind waiting for the work of an earlier drop to end. A cancelled call handles no
///   change (the next one does), so the handler may stop waiting when cancelled, and must stop
///   work whether cancelled or not; it may cut starting short.
/// - Calls run with the rest of the process (Swift's shared pool), never on the caller's
///   executor: the Lease thread stays free for renewals.
final class OwnershipChanges: Sendable {
    private struct State {
        var handler: (@Sendable () async -> Void)?
        /// Changes requested and handled so far: a change is handled once a call that started
        /// after it ended.
        var requested = 0
        var handled = 0
        var call: Task<Void, Never>?
        var running = false
        var waiters: [(change: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    init() {}

    func setHandler(_ handler: @escaping @Sendable () async -> Void) {
        state.withLock { $0.handler = handler }
    }

    /// Notes a change, and starts a call unless one is running (a call follows the running one).
    /// Returns the change's number, to wait for with `waitUntilHandled(_:)`.
    @discardableResult
    func request(preempting: Bool) -> Int {
        let (change, cancel, start) = state.withLock { state -> (Int, Task<Void, Never>?, Bool) in
            state.requested += 1
            let start = !state.running
            state.running = true
            return (state.requested, preempting ? state.call : nil, start)
        }
        cancel?.cancel()
        if start { Task.detached(executorPreference: globalConcurrentExecutor) { await self.callUntilHandled() } }
        return change
    }

    /// Returns once a call that started after change `change` was requested ended. Not
    /// cancellable: it is how a shard given back waits for its work to stop.
    func waitUntilHandled(_ change: Int) async {
        await withCheckedContinuation { continuation in
            let handled = state.withLock { state -> Bool in
                guard state.handled < change else { return true }
                state.waiters.append((change, continuation))
                return false
            }
            if handled { continuation.resume() }
        }
    }

    /// Calls the handler until no change is left unhandled.
    private func callUntilHandled() async {
        while true {
            let next = state.withLock { state -> (change: Int, call: Task<Void, Never>)? in
                guard state.handled < state.requested else {
                    state.running = false
                    return nil
                }
                let handler = state.handler
                let call = Task.detached(executorPreference: globalConcurrentExecutor) { if let handler { await handler() } }
                state.call = call
                return (state.requested, call)
            }
            guard let next else { return }
            await next.call.value
            let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.call = nil
                // A call cut short (a drop pre-empted it) may have left stops unwaited-for: the
                // next call, which begins at once, handles its changes.
                guard !next.call.isCancelled else { return [] }
                state.handled = next.change
                let ready = state.waiters.filter { $0.change <= next.change }.map(\.continuation)
                state.waiters.removeAll { $0.change <= next.change }
                return ready
            }
            for continuation in ready { continuation.resume() }
        }
    }
}
