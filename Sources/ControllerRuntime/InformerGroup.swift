import KubernetesClient
import Synchronization

/// Runs many informers in one task: a workload cluster's dozen and more, which would otherwise
/// keep a task each. An informer spends nearly all its life waiting for its watch's next event;
/// a waiting task keeps its task object and the slabs of its deepest chain of frames, about
/// 3.3 KB per watch, and a fleet of a thousand clusters keeps some 18 000 watches open.
///
/// Here an informer is a state machine (`DrivenInformer`) and the group's task its driver
/// (`InformerDriver`): it starts each step and waits in one place (`InformerInbox`) for any step
/// to end. The steps that wait on the cluster (a list, opening a watch) and those that run the
/// informer's handler (delivering a batch of events) run in tasks of their own, which end with
/// the step; an open watch keeps no task at all: it calls back (`WatchEvents.whenReady`) when it
/// has events or ends; pauses (backoff, a polling informer's period) share one timer task per
/// group. What the informer does is unchanged (see `Informer`): list, watch from the list's
/// resourceVersion, resume where a watch ended, relist on 410 Gone, back off on failures, as
/// `ListWatchCycle` decides. An informer's resync period is not run here (`Informer.run` runs it
/// beside its group).
///
/// A group runs once: cancelling the task in `run` stops every informer, and `run` returns once
/// their steps in flight have ended.
public final class InformerGroup: Sendable {
    private let inbox = InformerInbox()
    private let endsWhenEmpty: Bool
    private let started = Atomic(false)

    /// - endsWhenEmpty: `run` returns once every informer added has stopped (for a group that
    ///   is given its informers before it runs); otherwise it runs until cancelled.
    public init(endsWhenEmpty: Bool = false) {
        self.endsWhenEmpty = endsWhenEmpty
    }

    /// Starts running `informer` (once `run` runs). An informer runs in one group at a time.
    public func add(_ informer: Informer) { inbox.post(.start(informer)) }

    /// Stops running `informer`: its watch is closed and its step in flight cancelled.
    public func remove(_ informer: Informer) { inbox.post(.stop(ObjectIdentifier(informer))) }

    /// Drives the informers until the task is cancelled (or, with `endsWhenEmpty`, until none
    /// is left). Called once.
    public func run() async {
        precondition(!started.exchange(true, ordering: .relaxed), "an InformerGroup runs once")
        var driver = InformerDriver(inbox: inbox)
        while let messages = await inbox.next() {
            for message in messages { driver.handle(message) }
            if endsWhenEmpty, driver.isEmpty { break }
        }
        await driver.stopAll()
        // What steps posted as they ended (a watch that opened as it was cancelled, say) is
        // dropped, and what they would post later too.
        inbox.close()
    }
}

/// What reaches a group's task: an informer to start or stop, or the end of one of its steps.
/// `serial` names the informer's run in the group, so that the end of a step of an informer
/// since stopped is recognised and dropped.
enum InformerMessage: Sendable {
    case start(Informer)
    case stop(ObjectIdentifier)
    case listed(serial: UInt64, Result<String, any Error>)
    case opened(serial: UInt64, Result<WatchEvents, any Error>)
    case ready(serial: UInt64)
    case delivered(serial: UInt64)
    /// The group's timer: pauses that are over end now.
    case alarm
}

/// Where messages wait for the group's task (the one task that runs it).
final class InformerInbox: Sendable {
    private struct State {
        var messages: [InformerMessage] = []
        var waiting: CheckedContinuation<Void, Never>?
        var cancelled = false
        var closed = false
    }

    private let state = Mutex(State())

    func post(_ message: InformerMessage) {
        let waiting = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.closed else { return nil }
            state.messages.append(message)
            defer { state.waiting = nil }
            return state.waiting
        }
        waiting?.resume()
    }

    /// Drops what is queued (released here, outside the lock) and whatever is posted from now on.
    func close() {
        let dropped = state.withLock { state -> [InformerMessage] in
            state.closed = true
            var dropped: [InformerMessage] = []
            swap(&dropped, &state.messages)
            return dropped
        }
        _ = consume dropped
    }

    /// The messages posted since the last call, waiting for one; nil once the task is cancelled.
    func next() async -> [InformerMessage]? {
        while true {
            switch take() {
            case .cancelled: return nil
            case .messages(let messages): return messages
            case .none: await waitForMessage()
            }
        }
    }

    private enum Taken {
        case messages([InformerMessage])
        case none
        case cancelled
    }

    private func take() -> Taken {
        state.withLock { state in
            if state.cancelled || Task.isCancelled { return .cancelled }
            guard !state.messages.isEmpty else { return .none }
            var messages: [InformerMessage] = []
            swap(&messages, &state.messages)
            return .messages(messages)
        }
    }

    private func waitForMessage() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if !state.messages.isEmpty || state.cancelled { return true }
                    state.waiting = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiting = state.withLock { state in
                state.cancelled = true
                defer { state.waiting = nil }
                return state.waiting
            }
            waiting?.resume()
        }
    }
}
