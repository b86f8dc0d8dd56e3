import Logging
import Metrics

/// Runs a reconciler over a work queue with a number of workers, and owns the queue policy:
/// success forgets the item's backoff, `.requeue(after:)` forgets it and adds it back later,
/// an error requeues it with backoff, a `TerminalError` is not retried.
public final class Controller<R: Reconciler>: Sendable {
    public let name: String
    public let queue: WorkQueue<ReconcileRequest>
    private let reconciler: R
    private let workers: Int
    private let logger: Logger
    private let reconcileTimer: Timer
    private let errorCounter: Counter
    private let terminalCounter: Counter
    /// How long reconciles in flight may go on after the controller is cancelled.
    public let drainGrace: Duration
    /// The bound on reconciles in flight this controller shares with others (nil: none).
    private let admission: ReconcileAdmission?
    /// This controller's place in `admission`: withdrawn when it stops, so that a worker that
    /// took an item just before the queue shut down is refused its turn.
    private let admissionOwner = ReconcileAdmission.Owner()

    /// - Parameter drainGrace: how long reconciles in flight may finish after cancellation; by
    ///   default 5 s, which fits inside what a shard's lease leaves between the renew deadline
    ///   and expiry (15 s − 10 s), so a cluster handed over is never reconciled by two replicas.
    /// - Parameter admission: a bound on reconciles in flight shared with other controllers (a
    ///   fleet's); each reconcile waits for a turn.
    public init(name: String, reconciler: R, workers: Int = 1, queue: WorkQueue<ReconcileRequest>? = nil, logger: Logger, metricDimensions: [(String, String)] = [],
                drainGrace: Duration = .seconds(5), admission: ReconcileAdmission? = nil) {
        self.name = name
        self.admission = admission
        self.drainGrace = drainGrace
        self.reconciler = reconciler
        self.workers = max(1, workers)
        let dimensions = [("controller", name)] + metricDimensions
        let depthGauge = Gauge(label: "addon_manager_workqueue_depth", dimensions: dimensions)
        self.queue = queue ?? WorkQueue(onDepthChange: { depthGauge.record($0) })
        self.logger = logger
        reconcileTimer = Timer(label: "addon_manager_reconcile_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        errorCounter = Counter(label: "addon_manager_reconcile_errors_total", dimensions: dimensions)
        terminalCounter = Counter(label: "addon_manager_reconcile_terminal_errors_total", dimensions: dimensions)
    }

    public func enqueue(_ request: ReconcileRequest) async { await queue.add(request) }

    /// Processes items until the queue shuts down or the task is cancelled. Cancellation stops
    /// taking work at once; the reconciles in flight are let finish for up to `drainGrace` and
    /// cancelled after it. Returns when every worker has stopped.
    public func run() async {
        // The workers run outside this task, so that cancelling it does not cut a reconcile
        // short in the middle of an apply. A worker is a task only while it has an item: an
        // idle controller (a fleet runs one per cluster) keeps one task, waiting on the queue,
        // not one per worker.
        let workers = Task {
            await withDiscardingTaskGroup { group in
                let slots = WorkerSlots(self.workers)
                while await slots.take() {
                    guard let request = await self.queue.next() else { break }
                    group.addTask {
                        await self.process(request)
                        await self.queue.done(request)
                        slots.give()
                    }
                }
            }
        }
        await withTaskCancellationHandler {
            await workers.value
        } onCancel: {
            // Reconciles waiting for a turn never started: they go with the queue, and none
            // admitted from now on starts.
            admission?.withdraw(owner: admissionOwner)
            let (queue, grace) = (self.queue, self.drainGrace)
            Task {
                await queue.shutdown()
                if await !waitForEnd(of: [workers], atMost: grace) { workers.cancel() }
            }
        }
    }

    /// One reconcile with the queue policy applied.
    func process(_ request: ReconcileRequest) async {
        if let admission {
            // Refused only when this controller stops (withdrawn, or its workers cancelled).
            guard await admission.admit(owner: admissionOwner) else { return }
        }
        defer { admission?.release(owner: admissionOwner) }
        let start = ContinuousClock.now
        do {
            // In a child task: its async frames (deep, for an apply) are freed when it ends
            // (see `inChildTask`); at fleet scale they were a large share of the memory.
            let reconciler = self.reconciler
            let result = try await inChildTask { try await reconciler.reconcile(request) }
            reconcileTimer.recordNanoseconds(Self.nanoseconds(start.duration(to: .now)))
            await queue.forget(request)
            if case .requeue(let after) = result {
                await queue.addAfter(request, delay: after)
            }
        } catch let error as TerminalError {
            reconcileTimer.recordNanoseconds(Self.nanoseconds(start.duration(to: .now)))
            terminalCounter.increment()
            await queue.forget(request)
            logger.error("reconcile failed permanently", metadata: ["controller": "\(name)", "object": "\(request)", "error": "\(error)"])
        } catch is CancellationError where Task.isCancelled {
            return  // shutting down: the item goes with the queue
        } catch {
            // Includes a CancellationError the reconcile met while this worker is not cancelled
            // (a request's own deadline, a child task): retried like any error, never dropped.
            reconcileTimer.recordNanoseconds(Self.nanoseconds(start.duration(to: .now)))
            errorCounter.increment()
            let failures = await queue.failureCount(request)
            logger.warning("reconcile failed, will retry", metadata: ["controller": "\(name)", "object": "\(request)", "attempt": "\(failures + 1)", "error": "\(error)"])
            await queue.addRateLimited(request)
        }
    }

    private static func nanoseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }
}
