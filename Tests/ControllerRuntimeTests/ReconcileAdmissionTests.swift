import Logging
import Synchronization
import TestSupport
import Testing
@testable import ControllerRuntime

private typealias Owner = ReconcileAdmission.Owner

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

private actor CountingReconciler: Reconciler {
    var count = 0
    func reconcile(_ request: ReconcileRequest) async throws -> ReconcileResult {
        count += 1
        return .done
    }
}

/// The fleet-wide bound on reconciles in flight.
@Suite struct ReconcileAdmissionTests {

    @Test func reconcilesBeyondTheLimitWaitTheirTurnInOrder() async throws {
        let admission = ReconcileAdmission(limit: 2)
        let holders = [Owner(), Owner()]
        for holder in holders { #expect(await admission.admit(owner: holder)) }
        let order = Order()
        let owners = (0..<3).map { _ in Owner() }
        var waiting: [Task<Bool, Never>] = []
        for (index, owner) in owners.enumerated() {
            waiting.append(Task {
                let admitted = await admission.admit(owner: owner)
                order.note(index)
                return admitted
            })
            // Queued one after another, so that their order is known.
            try await eventually("waiter \(index) queued") { admission.counts.waiting == index + 1 }
        }
        #expect(admission.counts.inFlight == 2)
        // One release at a time: each admitted waiter notes itself before the next is let in.
        for (index, releasing) in [holders[0], holders[1], owners[0]].enumerated() {
            admission.release(owner: releasing)
            #expect(await waiting[index].value)
        }
        #expect(admission.counts == (2, 0))
        #expect(order.all == [0, 1, 2])
        for owner in owners[1...] { admission.release(owner: owner) }
        #expect(admission.counts == (0, 0))
        for owner in holders + owners { #expect(admission.held(by: owner) == 0) }
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
        admission.release(owner: other)
        #expect(await next.value)
        admission.release(owner: other)
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
        admission.release(owner: owner)
        #expect(admission.counts == (0, 0))
        #expect(await admission.admit(owner: owner))
    }

    /// A controller running a reconcile gets a further turn only while fewer than half are
    /// taken; a freed turn goes first to a waiting controller that runs none.
    @Test func aControllerRunningOneGetsAnotherOnlyWhileHalfTheTurnsAreFree() async throws {
        let admission = ReconcileAdmission(limit: 4)
        let (busy, idle, third, fourth) = (Owner(), Owner(), Owner(), Owner())
        #expect(await admission.admit(owner: busy))
        #expect(await admission.admit(owner: busy))  // 1 of 4 taken: a second turn
        let busyThird = Task { await admission.admit(owner: busy) }
        try await eventually("busy's third waits: half the turns are taken") { admission.counts == (2, 1) }
        #expect(await admission.admit(owner: idle), "a controller running none waits behind one running two")
        let idleSecond = Task { await admission.admit(owner: idle) }
        try await eventually("idle's second waits") { admission.counts == (3, 2) }
        #expect(await admission.admit(owner: third))
        let fourthFirst = Task { await admission.admit(owner: fourth) }
        try await eventually("all taken: fourth waits") { admission.counts == (4, 3) }
        admission.release(owner: busy)
        #expect(await fourthFirst.value, "the freed turn went to a controller already running one")
        #expect(admission.counts == (4, 2))
        admission.release(owner: busy)
        #expect(await busyThird.value, "busy runs none now: it is first in line")
        for owner in [busy, third, fourth] { admission.release(owner: owner) }
        #expect(await idleSecond.value)
        for _ in 0..<2 { admission.release(owner: idle) }
        #expect(admission.counts == (0, 0))
    }

    /// A controller that withdrew is refused, also for a wait begun after the withdrawal (a
    /// worker that took an item just before its queue shut down).
    @Test func aWithdrawnOwnerIsRefusedFromThenOn() async throws {
        let admission = ReconcileAdmission(limit: 4)
        let owner = Owner()
        admission.withdraw(owner: owner)
        #expect(await admission.admit(owner: owner) == false)
        #expect(admission.counts == (0, 0))
        #expect(await admission.admit(owner: Owner()))
    }

    /// Clusters whose reconciles hang (an API that takes connections and never answers) do not
    /// take every turn: the other clusters' reconciles go on in the turns left.
    @Test func clustersWhoseReconcilesHangLeaveTurnsToTheOthers() async throws {
        let admission = ReconcileAdmission(limit: 4)
        let logger = Logger(label: "admission-test")
        let hanging = [HeldReconciler(), HeldReconciler()]
        let healthy = CountingReconciler()
        let controllers = hanging.enumerated().map { index, reconciler in
            Controller(name: "dark-\(index)", reconciler: reconciler, workers: 2, logger: logger, admission: admission)
        }
        let bright = Controller(name: "bright", reconciler: healthy, workers: 2, logger: logger, admission: admission)
        var runs = controllers.map { controller in Task { await controller.run() } }
        runs.append(Task { await bright.run() })
        for controller in controllers {
            for name in ["a", "b", "c"] { await controller.enqueue(ReconcileRequest(namespace: nil, name: name)) }
        }
        try await eventually("each dark worker holds a turn or waits for one") {
            admission.counts.inFlight + admission.counts.waiting == 4
        }
        #expect(admission.counts.inFlight < 4, "the dark clusters took every turn")
        for name in (0..<20).map({ "addon-\($0)" }) { await bright.enqueue(ReconcileRequest(namespace: nil, name: name)) }
        try await eventually("the bright cluster's twenty reconciles ran while the dark ones hang") { await healthy.count == 20 }
        for reconciler in hanging { #expect(await reconciler.calls.count <= 2) }
        for reconciler in hanging { await reconciler.release() }
        for run in runs { run.cancel() }
        for run in runs { await run.value }
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
        // (The turn is granted before the reconcile that took it records its call: wait for both.)
        try await eventually("one runs, three wait") {
            let started = await first.calls.count + second.calls.count
            return admission.counts == (1, 3) && started == 1
        }
        let startedFirst = await first.calls.count
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
