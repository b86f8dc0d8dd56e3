import Logging
import TestSupport
import Testing
@testable import ControllerRuntime

/// A reconciler whose reconciles wait for a gate to open; it records how each one ended.
private actor GatedReconciler: Reconciler {
    let gate: AsyncStream<Void>
    var started: [String] = []
    var finished: [String] = []
    var cancelled: [String] = []

    init(gate: AsyncStream<Void>) { self.gate = gate }

    func reconcile(_ request: ReconcileRequest) async throws -> ReconcileResult {
        started.append(request.name)
        var iterator = gate.makeAsyncIterator()
        if await iterator.next() == nil || Task.isCancelled {
            cancelled.append(request.name)
            throw CancellationError()
        }
        finished.append(request.name)
        return .done
    }
}

/// Stopping a controller: no new work, the reconcile in flight finishes (within the grace).
@Suite struct ControllerDrainTests {
    let logger = Logger(label: "test")

    /// Regression: cancelling a controller cancelled the reconcile in flight (in the middle of
    /// an apply) and the workers went on taking queued items until the queue was empty.
    @Test func cancellationLetsTheReconcileInFlightFinishAndTakesNoMoreWork() async throws {
        let (gate, open) = AsyncStream<Void>.makeStream()
        let reconciler = GatedReconciler(gate: gate)
        let controller = Controller(name: "drain", reconciler: reconciler, logger: logger, drainGrace: .seconds(30))
        await controller.enqueue(ReconcileRequest(namespace: nil, name: "in-flight"))
        await controller.enqueue(ReconcileRequest(namespace: nil, name: "queued"))
        let runner = Task { await controller.run() }
        try await eventually("the first reconcile started") { await reconciler.started == ["in-flight"] }
        runner.cancel()
        // The queue stops handing out work at once; the reconcile goes on.
        try await eventually("the queue shut down") { await controller.queue.shuttingDown }
        open.yield()
        await runner.value
        #expect(await reconciler.finished == ["in-flight"])
        #expect(await reconciler.cancelled.isEmpty)
        #expect(await reconciler.started == ["in-flight"], "queued work was taken after the stop")
        open.finish()
    }

    @Test func aReconcileThatOutlastsTheGraceIsCancelled() async throws {
        let (gate, open) = AsyncStream<Void>.makeStream()
        let reconciler = GatedReconciler(gate: gate)
        let controller = Controller(name: "drain", reconciler: reconciler, logger: logger, drainGrace: .milliseconds(100))
        await controller.enqueue(ReconcileRequest(namespace: nil, name: "stuck"))
        let runner = Task { await controller.run() }
        try await eventually("the reconcile started") { await reconciler.started == ["stuck"] }
        runner.cancel()
        // The gate never opens: the run ends only because the reconcile is cut off after the grace.
        await runner.value
        #expect(await reconciler.cancelled == ["stuck"])
        open.finish()
    }
}

@Suite struct BoundedWaitTests {
    /// Regression: the bounded waits raced `task.value` with a timer in a task group, which
    /// waits for its children: a task that did not end kept the "bounded" wait forever.
    @Test func aWaitReturnsAtItsLimitWhenTheTaskDoesNotEnd() async {
        let (gate, open) = AsyncStream<Void>.makeStream()
        let task = Task {
            for await _ in gate { return }
        }
        // It returns (false) although the task cannot end before the gate opens below.
        #expect(await waitForEnd(of: [task], atMost: .milliseconds(50)) == false)
        open.yield()
        #expect(await waitForEnd(of: [task], atMost: .seconds(30)) == true)
    }
}
