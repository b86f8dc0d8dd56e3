import Logging
import TestSupport
import Testing
@testable import ControllerRuntime

/// Records calls and answers from a script, per request.
private actor ScriptedReconciler: Reconciler {
    enum Step: Sendable { case done, requeue(Duration), fail, terminal, cancelled }
    var script: [String: [Step]]
    var calls: [String] = []

    init(script: [String: [Step]]) { self.script = script }

    func reconcile(_ request: ReconcileRequest) async throws -> ReconcileResult {
        calls.append(request.name)
        let step = script[request.name]?.first ?? .done
        if script[request.name]?.isEmpty == false { script[request.name]!.removeFirst() }
        switch step {
        case .done: return .done
        case .requeue(let d): return .requeue(after: d)
        case .fail: throw ReconcileFailure()
        case .terminal: throw TerminalError(ReconcileFailure())
        case .cancelled: throw CancellationError()
        }
    }

    func callCount(_ name: String) -> Int { calls.filter { $0 == name }.count }
}

private struct ReconcileFailure: Error {}

@Suite struct ControllerTests {
    let logger = Logger(label: "test")

    fileprivate func makeController(_ reconciler: ScriptedReconciler) -> Controller<ScriptedReconciler> {
        let queue = WorkQueue<ReconcileRequest>(rateLimiter: RetryRateLimiter(baseDelay: .milliseconds(1), maxDelay: .milliseconds(5)))
        return Controller(name: "test", reconciler: reconciler, queue: queue, logger: logger)
    }

    @Test func errorIsRetriedWithBackoffThenForgottenOnSuccess() async {
        let reconciler = ScriptedReconciler(script: ["a": [.fail, .fail, .done]])
        let controller = makeController(reconciler)
        let request = ReconcileRequest(namespace: "ns", name: "a")
        await controller.process(request)
        #expect(await controller.queue.failureCount(request) == 1)
        #expect(await controller.queue.next() == request)
        await controller.process(request)
        await controller.queue.done(request)
        #expect(await controller.queue.failureCount(request) == 2)
        #expect(await controller.queue.next() == request)
        await controller.process(request)
        #expect(await controller.queue.failureCount(request) == 0)
        #expect(await reconciler.callCount("a") == 3)
    }

    /// Before: a CancellationError from inside the reconcile (a child task, a request's own
    /// deadline) dropped the item although the controller was running.
    @Test func aCancellationWhileRunningIsRetriedNotDropped() async {
        let reconciler = ScriptedReconciler(script: ["c": [.cancelled, .done]])
        let controller = makeController(reconciler)
        let request = ReconcileRequest(namespace: "ns", name: "c")
        await controller.process(request)
        #expect(await controller.queue.failureCount(request) == 1)
        #expect(await controller.queue.next() == request)
        await controller.process(request)
        #expect(await reconciler.callCount("c") == 2)
    }

    @Test func terminalErrorIsNotRetried() async {
        let reconciler = ScriptedReconciler(script: ["t": [.terminal]])
        let controller = makeController(reconciler)
        let request = ReconcileRequest(namespace: nil, name: "t")
        await controller.process(request)
        #expect(await controller.queue.delayedCount == 0)
        #expect(await controller.queue.depth == 0)
        #expect(await controller.queue.failureCount(request) == 0)
    }

    @Test func requeueAfterAddsTheItemBackLater() async {
        let reconciler = ScriptedReconciler(script: ["r": [.requeue(.milliseconds(20)), .done]])
        let controller = makeController(reconciler)
        let request = ReconcileRequest(namespace: nil, name: "r")
        await controller.process(request)
        #expect(await controller.queue.delayedCount == 1)
        #expect(await controller.queue.next() == request)
    }

    @Test func runProcessesEnqueuedItemsUntilCancelled() async throws {
        let reconciler = ScriptedReconciler(script: [:])
        let controller = makeController(reconciler)
        let runner = Task { await controller.run() }
        for name in ["x", "y", "x"] { await controller.enqueue(ReconcileRequest(namespace: nil, name: name)) }
        try await eventually("two reconciles") { await reconciler.calls.count >= 2 }
        runner.cancel()
        await runner.value
        #expect(await reconciler.callCount("y") == 1)
        #expect(await reconciler.callCount("x") >= 1)
    }

    /// Workers are tasks only while they have an item: at most `workers` reconciles run at
    /// once, every item is reconciled, and a freed worker takes the next.
    @Test func atMostTheWorkersReconcileAtOnceAndEveryItemIsReconciled() async throws {
        let reconciler = GatedReconciler()
        let controller = Controller(name: "test", reconciler: reconciler, workers: 3, logger: logger)
        let runner = Task { await controller.run() }
        for i in 0..<10 { await controller.enqueue(ReconcileRequest(namespace: nil, name: "item-\(i)")) }
        try await eventually("three reconciles under way") { await reconciler.running == 3 }
        try await Task.sleep(for: .milliseconds(100))
        #expect(await reconciler.running == 3, "a fourth worker started")
        await reconciler.open()
        try await eventually("every item reconciled") { await reconciler.finished.count == 10 }
        #expect(await reconciler.mostAtOnce == 3)
        #expect(Set(await reconciler.finished) == Set((0..<10).map { "item-\($0)" }))
        runner.cancel()
        await runner.value
    }

    /// The slots a dispatcher takes before each item: at most as many as there are, a given one
    /// goes to the waiting taker, and a cancelled taker gets false.
    @Test func workerSlotsAreTakenAtMostAsManyAsThereAre() async throws {
        let slots = WorkerSlots(2)
        #expect(await slots.take())
        #expect(await slots.take())
        let third = Task { await slots.take() }
        try await Task.sleep(for: .milliseconds(50))
        slots.give()
        #expect(await third.value, "the slot given back went to the waiting taker")
        let cancelled = Task { await slots.take() }
        try await Task.sleep(for: .milliseconds(50))
        cancelled.cancel()
        #expect(await cancelled.value == false)
    }
}

/// Holds every reconcile at a gate until `open`, counting how many run at once.
private actor GatedReconciler: Reconciler {
    var running = 0
    var mostAtOnce = 0
    var finished: [String] = []
    private var isOpen = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func reconcile(_ request: ReconcileRequest) async throws -> ReconcileResult {
        running += 1
        mostAtOnce = max(mostAtOnce, running)
        if !isOpen { await withCheckedContinuation { waiting.append($0) } }
        running -= 1
        finished.append(request.name)
        return .done
    }

    func open() {
        isOpen = true
        for continuation in waiting { continuation.resume() }
        waiting.removeAll()
    }
}
