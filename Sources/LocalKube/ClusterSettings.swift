/// How a LocalKube cluster behaves: sizes, timings and the simulated workload.
public struct ClusterSettings: Sendable {
    /// Ready nodes the cluster starts with (`node-1`, `node-2`, ...).
    public var initialNodes: Int
    /// How long a workload takes to become ready after a change of its spec.
    public var readinessDelay: Duration
    /// How many changes the cluster keeps for watches that resume from a resourceVersion.
    public var eventHistoryLimit: Int
    /// How often an open watch with `allowWatchBookmarks` receives a BOOKMARK.
    public var bookmarkInterval: Duration
    /// Changes one watch may have waiting to be sent; a watcher that falls further behind is
    /// closed (the client resumes or relists), as kube-apiserver's watch cache does.
    public var watchBufferLimit: Int
    /// The longest a watch stays open when the client names no `timeoutSeconds`.
    public var maximumWatchDuration: Duration
    /// Whether the simulated workload controllers run (workload status, PVC binding, load balancer
    /// addresses, CronJob runs). Off, the cluster behaves like a bare API server, as the recording did.
    public var simulatesWorkloads: Bool
    /// How long a deleted namespace stays Terminating before its content is removed.
    public var namespaceFinalizationDelay: Duration
    /// When a CronJob "runs" (lastScheduleTime, lastSuccessfulTime): nil, at the times its
    /// schedule names, as kube-controller-manager runs it (a CronJob created at 10:58 with
    /// `0 * * * *` runs first at 11:00); set, at once and then every period (tests that need a
    /// run without waiting for the clock). Until 2026-12-06 every CronJob ran every minute,
    /// whatever its schedule: at 1000 simulated clusters, 17 status changes a second an idle
    /// fleet of real clusters does not have.
    public var cronJobPeriod: Duration?

    public init(initialNodes: Int = 3, readinessDelay: Duration = .milliseconds(300), eventHistoryLimit: Int = 500,
                bookmarkInterval: Duration = .seconds(10), maximumWatchDuration: Duration = .seconds(1800), watchBufferLimit: Int = 1000,
                cronJobPeriod: Duration? = nil, namespaceFinalizationDelay: Duration = .seconds(2),
                simulatesWorkloads: Bool = true) {
        self.initialNodes = initialNodes
        self.readinessDelay = readinessDelay
        self.eventHistoryLimit = eventHistoryLimit
        self.bookmarkInterval = bookmarkInterval
        self.maximumWatchDuration = maximumWatchDuration
        self.watchBufferLimit = watchBufferLimit
        self.cronJobPeriod = cronJobPeriod
        self.namespaceFinalizationDelay = namespaceFinalizationDelay
        self.simulatesWorkloads = simulatesWorkloads
    }
}

/// Faults a test or the dev mode injects into one cluster's API.
public struct FaultSettings: Sendable, Equatable {
    /// Added to every request before it is answered.
    public var latency: Duration
    /// Fraction (0...1) of requests answered with `errorCode` instead of being served.
    public var errorRate: Double
    /// 500 (InternalError) or 429 (TooManyRequests, with Retry-After).
    public var errorCode: Int
    /// Retry-After seconds on injected 429 answers.
    public var retryAfterSeconds: Int
    /// When true, connections are closed without an answer.
    public var unreachable: Bool
    /// When set, the faults hit only requests whose User-Agent contains this text (one client,
    /// e.g. one replica's lease client); nil: every request.
    public var userAgentContaining: String?
    /// When set, the faults hit only lists and watches of this collection (a GET of this path,
    /// e.g. `/api/v1/namespaces/dev/secrets`): not reads of one object, not writes; nil: every request.
    public var collectionReads: String?

    public init(latency: Duration = .zero, errorRate: Double = 0, errorCode: Int = 500, retryAfterSeconds: Int = 1, unreachable: Bool = false,
                userAgentContaining: String? = nil, collectionReads: String? = nil) {
        self.latency = latency
        self.errorRate = errorRate
        self.errorCode = errorCode
        self.retryAfterSeconds = retryAfterSeconds
        self.unreachable = unreachable
        self.userAgentContaining = userAgentContaining
        self.collectionReads = collectionReads
    }

    /// Whether the faults hit this request.
    func apply(to request: APIRequest) -> Bool {
        if let collectionReads, request.method != "GET" || request.path != collectionReads { return false }
        guard let userAgentContaining else { return true }
        return request.userAgent?.contains(userAgentContaining) == true
    }

    public static let none = FaultSettings()
}
