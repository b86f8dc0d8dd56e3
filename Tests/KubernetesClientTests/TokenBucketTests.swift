import Testing
@testable import KubernetesClient

@Suite struct TokenBucketTests {
    @Test func burstIsFreeThenRequestsWaitOneIntervalEach() {
        var bucket = TokenBucket(RateLimit(qps: 10, burst: 3))
        let start = ContinuousClock.now
        #expect(bucket.reserve(at: start) == .zero)
        #expect(bucket.reserve(at: start) == .zero)
        #expect(bucket.reserve(at: start) == .zero)
        // The fourth and fifth requests in the same instant wait 100 ms and 200 ms: served in order.
        #expect(abs((bucket.reserve(at: start) - .milliseconds(100)).seconds) < 1e-9)
        #expect(abs((bucket.reserve(at: start) - .milliseconds(200)).seconds) < 1e-9)
    }

    @Test func tokensRefillAtQPSUpToBurst() {
        var bucket = TokenBucket(RateLimit(qps: 10, burst: 2))
        let start = ContinuousClock.now
        _ = bucket.reserve(at: start)
        _ = bucket.reserve(at: start)
        // One second later the bucket is full again (2, not 10).
        let later = start + .seconds(1)
        #expect(bucket.reserve(at: later) == .zero)
        #expect(bucket.reserve(at: later) == .zero)
        #expect(bucket.reserve(at: later) > .zero)
    }

    @Test func halfAnIntervalRefillsHalfAToken() {
        var bucket = TokenBucket(RateLimit(qps: 4, burst: 1))
        let start = ContinuousClock.now
        #expect(bucket.reserve(at: start) == .zero)
        let wait = bucket.reserve(at: start + .milliseconds(125))
        #expect(abs((wait - .milliseconds(125)).seconds) < 1e-9)
    }

    @Test func unlimitedNeverWaits() {
        var bucket = TokenBucket(.unlimited)
        let now = ContinuousClock.now
        for _ in 0..<1000 { #expect(bucket.reserve(at: now) == .zero) }
    }
}
