import KubernetesClient
import KubernetesModel
import Logging
import Testing
@testable import ControllerRuntime

/// What an informer does after a watch ends or fails, as a pure decision (the loop only lists,
/// watches and pauses as told).
@Suite struct ListWatchCycleTests {
    static let kind = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")

    static func cycle(resourceVersion: String? = "10", justListed: Bool = false, progress: WatchProgress? = nil, pollPeriod: Duration? = nil) -> ListWatchCycle {
        var logger = Logger(label: "test")
        logger.logLevel = .critical  // the cycle logs its warnings; not wanted in the test output
        var cycle = ListWatchCycle(kind: kind, pollPeriod: pollPeriod, logger: logger)
        cycle.resourceVersion = resourceVersion
        cycle.justListed = justListed
        cycle.progress = progress
        return cycle
    }

    /// A watch that opened a minute ago and delivered `events`, having got to `rv`.
    static func worked(to rv: String, events: Int = 3) -> WatchProgress {
        WatchProgress(resourceVersion: rv, delivered: events, opened: .now - .seconds(60))
    }

    /// Polling: a poll that ended waits for the next period and resumes where it got to; a
    /// poll's watch that failed after its few seconds (long enough to pass for a healthy watch)
    /// also waits for the next period, never the 100 ms of a reset backoff; a list that fails
    /// backs off as any; 410 Gone relists at once.
    @Test func aPollWaitsForTheNextPeriodWhetherItEndedOrFailed() {
        var cycle = Self.cycle(progress: WatchProgress(resourceVersion: "12", delivered: 1, opened: .now - .seconds(5)), pollPeriod: .seconds(300))
        #expect(cycle.polled(nextIn: .seconds(290)) == .after(.seconds(290)))
        #expect(cycle.resourceVersion == "12")
        for _ in 0..<3 {
            cycle.progress = WatchProgress(resourceVersion: "13", delivered: 0, opened: .now - .seconds(5))
            #expect(cycle.failed(KubernetesError(kind: .unreachable)) == .after(.seconds(300)))
            #expect(cycle.resourceVersion == "13")
        }
        cycle.progress = nil
        #expect(cycle.failed(KubernetesError(kind: .unreachable)) == .after(.milliseconds(100)))
        cycle.progress = WatchProgress(resourceVersion: "13", opened: .now)
        #expect(cycle.failed(KubernetesError(kind: .gone)) == .now)
        #expect(cycle.resourceVersion == nil)
    }

    @Test func aHealthyWatchThatEndedResumesAtOnceFromWhereItGot() {
        var cycle = Self.cycle(progress: Self.worked(to: "42"))
        #expect(cycle.watchEnded() == .now)
        #expect(cycle.resourceVersion == "42")
        #expect(cycle.backoff.failures == 0)
    }

    @Test func aWatchThatEndedAtOnceWithoutAnEventBacksOffMoreEachTime() {
        var cycle = Self.cycle(progress: WatchProgress(resourceVersion: "10", opened: .now))
        #expect(cycle.watchEnded() == .after(.milliseconds(100)))
        cycle.progress = WatchProgress(resourceVersion: "10", opened: .now)
        #expect(cycle.watchEnded() == .after(.milliseconds(200)))
        // A healthy one starts the count over.
        cycle.progress = Self.worked(to: "11")
        #expect(cycle.watchEnded() == .now)
        #expect(cycle.backoff.failures == 0)
    }

    @Test func goneRelistsAtOnceUnlessItCameRightAfterAList() {
        var watching = Self.cycle(progress: Self.worked(to: "42"))
        #expect(watching.failed(KubernetesError(kind: .gone)) == .now)
        #expect(watching.resourceVersion == nil)
        var listed = Self.cycle(justListed: true, progress: WatchProgress(resourceVersion: "10"))
        #expect(listed.failed(KubernetesError(kind: .gone)) == .after(.milliseconds(100)))
        #expect(listed.resourceVersion == nil)
    }

    @Test func aFailedWatchResumesWhereItGotAndItsFailureStartsANewSeries() {
        var cycle = Self.cycle(progress: Self.worked(to: "42"))
        _ = cycle.failed(KubernetesError(kind: .serverError))
        _ = cycle.failed(KubernetesError(kind: .serverError))
        cycle.progress = Self.worked(to: "43")
        #expect(cycle.failed(KubernetesError(kind: .unreachable)) == .after(.milliseconds(100)))
        #expect(cycle.resourceVersion == "43")
    }

    @Test func aFailedListBacksOffAndKeepsNoResourceVersion() {
        var cycle = Self.cycle(resourceVersion: nil)
        #expect(cycle.failed(KubernetesError(kind: .unreachable)) == .after(.milliseconds(100)))
        #expect(cycle.failed(KubernetesError(kind: .unreachable)) == .after(.milliseconds(200)))
        #expect(cycle.resourceVersion == nil)
    }

    @Test func cancellationStops() {
        var cycle = Self.cycle(progress: Self.worked(to: "42"))
        #expect(cycle.failed(CancellationError()) == .stop)
    }
}
