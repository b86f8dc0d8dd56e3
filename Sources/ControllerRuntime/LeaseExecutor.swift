import KubernetesClient
import NIOCore
import NIOPosix

/// A thread of its own for the Lease renewals: their tasks run on it (a Swift task executor)
/// and so does their client's connection (its event loop), so that a renewal never waits
/// behind the fleet's work.
///
/// Everything else shares Swift's cooperative pool (one thread per core) and the process-wide
/// event loops. A manager starting a thousand clusters fills that pool with tens of thousands
/// of jobs; a renewal queued behind them missed its 10 s deadline, the replica dropped its
/// shards, stopped every cluster and took them again, over and over (found at 1000 clusters
/// on 2 cores). Lease work is a few small requests every two seconds: one thread keeps it on
/// time whatever the rest of the process does.
///
/// Code run with this executor as its preference (`withTaskExecutorPreference`,
/// `Task(executorPreference:)`) runs here, default actors included; work that the lease
/// holder starts (a leader's work, the clusters of a shard) must be started with
/// `globalConcurrentExecutor` as its preference, or it would run here too.
public final class LeaseExecutor: TaskExecutor, @unchecked Sendable {
    /// The event loop group (one thread) for the Lease client's connection.
    public let eventLoopGroup: MultiThreadedEventLoopGroup
    private let eventLoop: any EventLoop

    public init() {
        eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        eventLoop = eventLoopGroup.next()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }

    /// Waits `duration` on this thread's timer; throws `CancellationError` when cancelled.
    /// `Task.sleep` would not do: its wake-up goes through the shared pool, where a busy
    /// process leaves it waiting (measured: 10 ms sleeps woke 5 s late).
    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        let scheduled = eventLoop.scheduleTask(in: duration.timeAmount) {}
        do {
            try await withTaskCancellationHandler {
                try await scheduled.futureResult.get()
            } onCancel: {
                scheduled.cancel()
            }
        } catch {
            throw CancellationError()
        }
    }

    /// `executor.sleep(for:)`, or `Task.sleep` without an executor.
    static func sleep(for duration: Duration, on executor: LeaseExecutor?) async throws {
        if let executor {
            try await executor.sleep(for: duration)
        } else {
            try await Task.sleep(for: duration)
        }
    }

    /// Whether the calling code runs on this executor's thread.
    public var isCurrent: Bool { eventLoop.inEventLoop }

    /// Stops the thread; for tests (a manager keeps it for the life of the process).
    public func shutdown() async throws {
        try await eventLoopGroup.shutdownGracefully()
    }
}
