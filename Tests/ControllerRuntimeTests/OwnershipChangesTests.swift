import Synchronization
import TestSupport
import Testing
@testable import ControllerRuntime

/// How a replica's work is told that its shards changed: one call at a time, changes during a
/// call coalesced, a dropped shard cutting short a call in progress.
@Suite struct OwnershipChangesTests {
    /// What the handler saw: calls begun and ended, and whether each ended cancelled.
    final class Calls: Sendable {
        private let state = Mutex<(begun: Int, ended: [Bool])>((0, []))
        func begin() -> Int { state.withLock { $0.begun += 1; return $0.begun } }
        func end(cancelled: Bool) { state.withLock { $0.ended.append(cancelled) } }
        var begun: Int { state.withLock { $0.begun } }
        var ended: [Bool] { state.withLock { $0.ended } }
    }

    /// A gate a call waits at until opened or cancelled (at most 20 s, so that a test whose
    /// call is never cancelled fails instead of hanging).
    final class Gate: Sendable {
        private let open = Atomic<Bool>(false)
        func release() { open.store(true, ordering: .sequentiallyConsistent) }
        func wait() async {
            let start = ContinuousClock.now
            while !open.load(ordering: .sequentiallyConsistent), !Task.isCancelled, start.duration(to: .now) < .seconds(20) {
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    /// Changes whose handler's calls numbered `gated` wait at the gate.
    static func changes(gated: Set<Int>) -> (OwnershipChanges, Calls, Gate) {
        let changes = OwnershipChanges()
        let calls = Calls(), gate = Gate()
        changes.setHandler {
            if gated.contains(calls.begin()) { await gate.wait() }
            calls.end(cancelled: Task.isCancelled)
        }
        return (changes, calls, gate)
    }

    @Test func changesDuringACallAreCoalescedIntoOneMoreCall() async throws {
        let (changes, calls, gate) = Self.changes(gated: [1])
        changes.request(preempting: false)
        try await eventually("the first call runs") { calls.begun == 1 }
        var last = 0
        for _ in 0..<5 { last = changes.request(preempting: false) }
        gate.release()
        await changes.waitUntilHandled(last)
        #expect(calls.begun == 2, "five changes during a call made \(calls.begun - 1) more calls, not one")
        #expect(calls.ended == [false, false])
    }

    /// Regression: a shard dropped while the work of shards taken was starting was stopped only
    /// after that start ended, which could be past the time another replica may take it over.
    @Test func aDroppedShardCancelsTheCallInProgress() async throws {
        let (changes, calls, gate) = Self.changes(gated: [1])
        changes.request(preempting: false)
        try await eventually("the slow call runs") { calls.begun == 1 }
        let drop = changes.request(preempting: true)
        // The gate never opens: only the cancellation ends the first call.
        await changes.waitUntilHandled(drop)
        #expect(calls.ended == [true, false])
        gate.release()
    }

    @Test func waitingReturnsOnlyAfterACallThatStartedAfterTheChange() async throws {
        let (changes, calls, gate) = Self.changes(gated: [2])
        await changes.waitUntilHandled(changes.request(preempting: false))
        #expect(calls.ended.count == 1)
        let second = changes.request(preempting: false)
        let waiting = Task { await changes.waitUntilHandled(second); return calls.ended.count }
        try await eventually("the second call runs") { calls.begun == 2 }
        try await Task.sleep(for: .milliseconds(50))
        #expect(calls.ended.count == 1, "the second call ended while its gate was closed")
        gate.release()
        #expect(await waiting.value == 2, "the wait returned before the call that followed the change ended")
        // A change already handled: no wait.
        await changes.waitUntilHandled(1)
    }

    /// A call cut short handles nothing: a wait for a change it began after (a shard given back,
    /// whose Lease is released only once its work stopped) returns only after the next call.
    @Test func aCallCutShortHandlesNoChange() async throws {
        // The second call is cut short at the gate; the third waits there until released, so
        // a wait that returns after the second sees only two calls ended.
        let (changes, calls, gate) = Self.changes(gated: [2, 3])
        await changes.waitUntilHandled(changes.request(preempting: false))
        let second = changes.request(preempting: false)
        try await eventually("the second call waits at its gate") { calls.begun == 2 }
        let waitForSecond = Task { await changes.waitUntilHandled(second); return calls.ended }
        changes.request(preempting: true)
        try await eventually("the call after the one cut short runs") { calls.begun == 3 }
        try await Task.sleep(for: .milliseconds(50))
        #expect(calls.ended == [false, true])
        gate.release()
        #expect(await waitForSecond.value == [false, true, false], "the wait returned after the call cut short, before the one that followed")
    }
}
