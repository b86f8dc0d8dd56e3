import Testing
@testable import ControllerRuntime

@Suite struct WorkQueueTests {
    @Test func deduplicatesItemsAddedBeforeProcessing() async {
        let queue = WorkQueue<String>()
        await queue.add("a")
        await queue.add("a")
        await queue.add("b")
        #expect(await queue.depth == 2)
        #expect(await queue.next() == "a")
        #expect(await queue.next() == "b")
        #expect(await queue.depth == 0)
    }

    @Test func itemAddedWhileProcessingIsRequeuedAfterDoneNotHandedOutTwice() async {
        let queue = WorkQueue<String>()
        await queue.add("a")
        let first = await queue.next()
        #expect(first == "a")
        await queue.add("a")
        // Still processing: not available to a second worker.
        #expect(await queue.depth == 0)
        await queue.done("a")
        #expect(await queue.depth == 1)
        #expect(await queue.next() == "a")
    }

    @Test func waitingWorkerGetsTheNextAddedItem() async {
        let queue = WorkQueue<Int>()
        async let taken = queue.next()
        // Give the worker a chance to wait first; either order must deliver the item.
        await Task.yield()
        await queue.add(7)
        #expect(await taken == 7)
    }

    @Test func addAfterHoldsTheItemBack() async throws {
        let queue = WorkQueue<String>()
        await queue.addAfter("later", delay: .milliseconds(50))
        #expect(await queue.depth == 0)
        #expect(await queue.delayedCount == 1)
        #expect(await queue.next() == "later")
        #expect(await queue.delayedCount == 0)
    }

    @Test func earlierDelayWinsForTheSameItem() async {
        let queue = WorkQueue<String>()
        await queue.addAfter("x", delay: .seconds(3600))
        await queue.addAfter("x", delay: .milliseconds(10))
        #expect(await queue.delayedCount == 1)
        #expect(await queue.next() == "x")
    }

    @Test func shutdownReleasesWaitingWorkers() async {
        let queue = WorkQueue<String>()
        async let taken = queue.next()
        await Task.yield()
        await queue.shutdown()
        #expect(await taken == nil)
        await queue.add("ignored")
        #expect(await queue.next() == nil)
    }

    /// Regression: items queued before the shutdown were still handed out, so a stopping
    /// controller went on taking work until its queue was empty.
    @Test func shutdownStopsHandingOutQueuedItems() async {
        let queue = WorkQueue<String>()
        await queue.add("a")
        await queue.add("b")
        await queue.shutdown()
        #expect(await queue.next() == nil)
    }

    @Test func failuresGrowBackoffAndForgetResetsIt() async {
        let queue = WorkQueue<String>(rateLimiter: RetryRateLimiter(baseDelay: .milliseconds(1), maxDelay: .milliseconds(4)))
        await queue.addRateLimited("x")
        await queue.addRateLimited("x")
        #expect(await queue.failureCount("x") == 2)
        await queue.forget("x")
        #expect(await queue.failureCount("x") == 0)
    }
}

@Suite struct RetryRateLimiterTests {
    @Test(arguments: [(0, 5), (1, 10), (2, 20), (10, 5120)] as [(Int, Int64)])
    func exponentialBackoff(failures: Int, milliseconds: Int64) {
        #expect(RetryRateLimiter<String>.backoff(failures: failures, base: .milliseconds(5), max: .seconds(1000)) == .milliseconds(milliseconds))
    }

    @Test func backoffIsCappedAtMax() {
        #expect(RetryRateLimiter<String>.backoff(failures: 30, base: .milliseconds(5), max: .seconds(1000)) == .seconds(1000))
        #expect(RetryRateLimiter<String>.backoff(failures: 100, base: .milliseconds(5), max: .seconds(1000)) == .seconds(1000))
    }

    @Test func overallBucketDelaysOnceTheBurstIsSpent() {
        var limiter = RetryRateLimiter<Int>(baseDelay: .nanoseconds(1), maxDelay: .nanoseconds(1), overallRate: 1, overallBurst: 2)
        let now = ContinuousClock.now
        #expect(limiter.when(1, now: now) == .nanoseconds(1))
        #expect(limiter.when(2, now: now) == .nanoseconds(1))
        // Third distinct item at the same instant: the bucket is empty, one token takes 1 s.
        #expect(limiter.when(3, now: now) == .seconds(1))
    }
}
