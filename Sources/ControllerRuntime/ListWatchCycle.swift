import KubernetesClient
import KubernetesModel
import Logging

/// Where an informer's list-and-watch loop stands between two watches, and what it does next:
/// after a watch that ended, resume (backing off when it ended at once without an event); after
/// 410 Gone, relist (after a pause when it came right after a list); after any other failure,
/// resume from where the watch got to, backing off. Synchronous: `DrivenInformer` calls it from
/// the task that drives a group of informers (see `InformerGroup`).
struct ListWatchCycle {
    enum Next: Equatable {
        case now
        case after(Duration)
        case stop
    }

    let kind: GroupVersionKind
    let logger: Logger
    var backoff = ListWatchBackoff()
    /// Where the next watch starts; nil: list first.
    var resourceVersion: String?
    /// Whether this cycle began with a list.
    var justListed = false
    /// How far this cycle's watch got (nil: it never started).
    var progress: WatchProgress?
    /// Polling: the period between two polls, and the number of this cycle's poll.
    let pollPeriod: Duration?
    var poll: UInt64 = 0

    init(kind: GroupVersionKind, pollPeriod: Duration? = nil, logger: Logger) {
        self.kind = kind
        self.pollPeriod = pollPeriod
        self.logger = logger
    }

    mutating func watchEnded() -> Next {
        guard let progress else { return .now }
        resourceVersion = progress.resourceVersion
        guard let delay = backoff.watchEnded(lasted: progress.open, events: progress.delivered) else { return .now }
        logger.warning("watch ended at once without an event, backing off", metadata: [
            "kind": "\(kind)", "attempt": "\(backoff.failures)", "retryIn": "\(delay)",
        ])
        return .after(delay)
    }

    /// A polling informer's list or watch ended normally: the next watch starts from where this
    /// one got to, `period` later. (Its watch ends by the server's timeout, a few seconds,
    /// usually with a bookmark only: that is the poll working, not a watch failing at once.)
    mutating func polled(nextIn period: Duration) -> Next {
        if let progress { resourceVersion = progress.resourceVersion }
        backoff.pollSucceeded()
        return .after(period)
    }

    mutating func failed(_ error: any Error) -> Next {
        if error is CancellationError { return .stop }
        if let error = error as? KubernetesError, error.isGone {
            logger.debug("watch resourceVersion too old, relisting", metadata: ["kind": "\(kind)"])
            resourceVersion = nil
            // Gone right after a list: relisting at once would only repeat it.
            return justListed ? .after(backoff.failed()) : .now
        }
        // A watch that failed after working resumes where it got to, and its failure counts as
        // the first of a new series.
        let delay: Duration
        if let progress, let pollPeriod {
            // A poll's watch lasts seconds by design, which would pass for a healthy watch and
            // reset the backoff: a failed poll waits for the next period instead.
            resourceVersion = progress.resourceVersion
            delay = pollPeriod
        } else if let progress {
            resourceVersion = progress.resourceVersion
            delay = backoff.watchFailed(lasted: progress.open, events: progress.delivered)
        } else {
            delay = backoff.failed()
        }
        logger.warning("list/watch failed, retrying", metadata: ["kind": "\(kind)", "attempt": "\(backoff.failures)", "retryIn": "\(delay)", "error": "\(error)"])
        return .after(delay)
    }
}

/// How far one watch got: the resourceVersion to resume from, how many events (bookmarks
/// included) it delivered, and when the server answered it (nil: it never opened).
struct WatchProgress {
    var resourceVersion: String
    var delivered = 0
    var opened: ContinuousClock.Instant?

    /// How long the stream has been open: zero for a watch that never opened. (Timed from the
    /// request, a watch whose opening the client retried for seconds passed for a healthy one,
    /// and an informer of a silent cluster never backed off past 100 ms.)
    var open: Duration { opened.map { $0.duration(to: .now) } ?? .zero }
}
