/// Waits until every task in `tasks` has ended, but at most `limit`: whether they all ended
/// in time. (Awaiting a task's value cannot be cancelled, so a task group racing it with a
/// timer would wait for it anyway; this returns at the limit, leaving the tasks running.)
/// Returns false at once when the calling task is cancelled.
public func waitForEnd(of tasks: [Task<Void, Never>], atMost limit: Duration) async -> Bool {
    let (outcome, report) = AsyncStream<Bool>.makeStream()
    Task {
        for task in tasks { await task.value }
        report.yield(true)
    }
    let timer = Task {
        try? await Task.sleep(for: limit)
        report.yield(false)
    }
    var iterator = outcome.makeAsyncIterator()
    let ended = await iterator.next() ?? false
    timer.cancel()
    report.finish()
    return ended
}
