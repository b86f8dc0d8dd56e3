import Logging
import Synchronization
import TestSupport
import Testing
@testable import ControllerRuntime

private final class Owner: Sendable {}

private final class Order: Sendable {
    private let indices = Mutex<[Int]>([])
    func note(_ index: Int) { indices.withLock { $0.append(index) } }
    var all: [Int] { indices.withLock { $0 } }
}

/// Holds every reconcile until released; notes how many ran at once at most.
private actor HeldReconciler: Reconciler {
    var running = 0, mostAtOnce = 0, calls: [String] = []
    var released = false
    func reconcile(_ request: ReconcileRequest) async throws -> ReconcileResult {
        calls.append(request.name)
        running += 1
        mostAtOnce = max(mostAtOnce, running)
        while !released { try await Task.sleep(for: .milliseconds(5)) }
        running -= 1
        return .done
    }
    func release() { released = true }
}

/// The fleet-wide bound on reconciles in flight.
@Suite struct ReconcileAdmissionTests {

    @Test func reconcilesBeyondTheLimitWaitTheirTurnInOrder() async throws {
        let admission = ReconcileAdmission(limit: 2)
        let owner = Owner()
        #expect(await admission.admit(owner: owner))
        #expect(await admission.admit(owner: owner))
        let order = Order()
        var waiting: [Task<Bool, Never>] = []
        for index in 0..<3 {
            waiting.append(Task {
                let admitted = await admission.admit(owner: owner)
                order.note(index)
                return admitted
            })
            // Queued one after another, so that their order is known.
            try await eventually("waiter \(index) queued") { admission.counts.waiting == index + 1 }
        }
        #expect(admission.counts.inFlight == 2)
        admission.release()
        #expect(await waiting[0].value)
        #expect(admission.counts == (2, 2))
        admission.release()
        admission.release()
        #expect(await waiting[1].value)
        #expect(await waiting[2].value)
        #expect(order.all == [0, 1, 2])
        for _ in 0..<2 { admission.release() }
        #expect(admission.counts == (0, 0))
    }

    @Test func aStoppingControllerWithdrawsOnlyItsOwnWaitingReconciles() async throws {
        let admission = ReconcileAdmission(limit: 1)
        let (stopping, other) = (Owner(), Owner())
        #expect(await admission.admit(owner: other))
        let withdrawn = Task { await admission.admit(owner: stopping) }
        try await eventually("queued") { admission.counts.waiting == 1 }
        let next = Task { await admission.admit(owner: other) }
        try await eventually("both queued") { admission.counts.waiting == 2 }
        admission.withdraw(owner: stopping)
        #expect(await withdrawn.value == false)
        admission.release()
        #expect(await next.value)
        admission.release()
        #expect(admission.counts == (0, 0))
    }

    @Test func aCancelledWaitIsRefusedAndTakesNoTurn() async throws {
        let admission = ReconcileAdmission(limit: 1)
        let owner = Owner()
        #expect(await admission.admit(owner: owner))
        let cancelled = Task { await admission.admit(owner: owner) }
        try await eventually("queued") { admission.counts.waiting == 1 }
        cancelled.cancel()
        #expect(await cancelled.value == false)
        #expect(admission.counts == (1, 0))
        // Cancelled before it began waiting: refused at once.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await admission.admit(owner: owner)
        }
        #expect(await early.value == false)
        admission.release()
        #expect(admission.counts == (0, 0))
        #expect(await admission.admit(owner: owner))
    }

    /// Controllers sharing a bound run no more reconciles at once than it allows; a controller
    /// stopped while its reconcile waits for a turn ends without running it.
    @Test func controllersSharingTheBoundRunNoMoreThanItAllows() async throws {
        let admission = ReconcileAdmission(limit: 1)
        let logger = Logger(label: "admission-test")
        let (first, second) = (HeldReconciler(), HeldReconciler())
        let controllers = [Controller(name: "a", reconciler: first, workers: 2, logger: logger, admission: admission),
                           Controller(name: "b", reconciler: second, workers: 2, logger: logger, admission: admission)]
        let runs = controllers.map { controller in Task { await controller.run() } }
        for controller in controllers {
            for name in ["x", "y"] { await controller.enqueue(ReconcileRequest(namespace: nil, name: name)) }
        }
        try await eventually("one runs, three wait") { admission.counts == (1, 3) }
        let (startedFirst, startedSecond) = (await first.calls.count, await second.calls.count)
        #expect(startedFirst + startedSecond == 1)
        // Stop the controller whose reconciles all wait: they are withdrawn, never run.
        let waitingIndex = startedFirst == 0 ? 0 : 1
        runs[waitingIndex].cancel()
        await runs[waitingIndex].value
        #expect(admission.counts.waiting == 1)
        let (running, other) = waitingIndex == 0 ? (second, first) : (first, second)
        await running.release()
        try await eventually("both of the running controller's reconciles done") { await running.calls.count == 2 && admission.counts == (0, 0) }
        #expect(await running.mostAtOnce == 1)
        #expect(await other.calls.isEmpty, "a stopped controller's waiting reconcile ran")
        runs[1 - waitingIndex].cancel()
        await runs[1 - waitingIndex].value
    }
}
