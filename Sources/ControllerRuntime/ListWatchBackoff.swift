/// How long an informer waits before its next list or watch: exponential (100 ms doubling to
/// 30 s), counting failed requests and watches that end at once with nothing delivered
/// (client-go's "very short watch"); only a healthy watch resets it. Without the second rule a
/// server that closes every watch as soon as it opens makes the informer spin on it.
struct ListWatchBackoff: Sendable {
    var base: Duration = .milliseconds(100)
    var max: Duration = .seconds(30)
    /// A watch that ends sooner than this without one event is taken for a failure.
    var shortWatch: Duration = .seconds(1)
    private(set) var failures = 0

    /// A request failed: the delay before the next one.
    mutating func failed() -> Duration {
        failures += 1
        return RetryRateLimiter<Int>.backoff(failures: failures - 1, base: base, max: max)
    }

    /// A watch failed after `lasted`, having delivered `events`: one that worked until then
    /// starts the count over; the delay before the next watch.
    mutating func watchFailed(lasted: Duration, events: Int) -> Duration {
        if events > 0 || lasted >= shortWatch { failures = 0 }
        return failed()
    }

    /// A watch ended normally after `lasted`, having delivered `events` (bookmarks included):
    /// nil when it was healthy (the backoff starts over), else the delay before the next watch.
    mutating func watchEnded(lasted: Duration, events: Int) -> Duration? {
        if events == 0 && lasted < shortWatch { return failed() }
        failures = 0
        return nil
    }

    /// A polling informer's list or short watch succeeded: the backoff starts over.
    mutating func pollSucceeded() { failures = 0 }
}
