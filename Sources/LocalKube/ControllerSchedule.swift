/// Work the simulated controllers of one cluster owe, each at its due time. One timer task per
/// cluster sleeps until the earliest; nothing sleeps per object.
struct ControllerSchedule: Sendable {
    enum Work: Hashable, Sendable {
        /// Bring a workload (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job) to its settled status.
        case workload(ResourceKey, ObjectName)
        /// Run a CronJob once (lastScheduleTime / lastSuccessfulTime).
        case cronJob(ObjectName)
        /// Bind a PersistentVolumeClaim.
        case bindClaim(ObjectName)
        /// Give a LoadBalancer Service its ingress address.
        case loadBalancer(ObjectName)
        /// Accept and establish a CustomResourceDefinition.
        case establish(String)
        /// Empty a terminating namespace and remove it once empty.
        case finalizeNamespace(String)
    }

    private(set) var due: [Work: ContinuousClock.Instant] = [:]

    mutating func schedule(_ work: Work, at instant: ContinuousClock.Instant) { due[work] = instant }

    mutating func cancel(_ work: Work) { due[work] = nil }

    var earliest: ContinuousClock.Instant? { due.values.min() }

    /// Remove and return the work due at `now`, oldest first.
    mutating func takeDue(now: ContinuousClock.Instant) -> [Work] {
        let ready = due.filter { $0.value <= now }.sorted { $0.value < $1.value }.map(\.key)
        for w in ready { due[w] = nil }
        return ready
    }

    var isEmpty: Bool { due.isEmpty }
}
