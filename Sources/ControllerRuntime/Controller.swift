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

    public init(name: String, reconciler: R, workers: Int = 1, queue: WorkQueue<ReconcileRequest>? = nil, logger: Logger, metricDimensions: [(String, String)] = []) {
        self.name = name
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

    /// Processes items until the queue shuts down or the task is cancelled.
    public func run() async {
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<workers {
                    group.addTask { await self.work() }
                }
            }
        } onCancel: {
            let queue = self.queue
            Task { await queue.shutdown() }
        }
    }

    private func work() async {
        while let request = await queue.next() {
            await process(request)
            await queue.done(request)
        }
    }

    /// One reconcile with the queue policy applied.
    func process(_ request: ReconcileRequest) async {
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
