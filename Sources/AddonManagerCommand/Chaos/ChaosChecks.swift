import LocalKube

/// What the request logs of the workload clusters say about one phase of the fault matrix:
/// objects deleted (none should be: nothing the phase does removes an addon's object) and
/// clusters written by two replicas at once.
struct ChaosChecks {
    var deletes = 0
    var deletedExamples: [String] = []
    var duplicateWriterClusters: [String] = []
    /// Two replicas' writes to one cluster closer than this are two writers at once. A correct
    /// handover leaves more: the successor waits a whole lease duration (15 s) unchanged, the
    /// predecessor stops writing within its renew deadline (10 s) of its last renewal.
    static let handoverGap: Duration = .seconds(5)

    static func from(_ logs: [(cluster: String, records: [RequestRecord])]) -> ChaosChecks {
        var checks = ChaosChecks()
        for (cluster, records) in logs {
            for record in records where record.succeeded && (record.verb == "delete" || record.verb == "deletecollection") {
                checks.deletes += 1
                if checks.deletedExamples.count < 5 {
                    checks.deletedExamples.append("\(cluster): \(record.resource) \(record.namespace ?? "")/\(record.name ?? "") by \(record.userAgent)")
                }
            }
            var last: (writer: String, at: ContinuousClock.Instant)?
            for record in records where record.succeeded && record.isWrite {
                guard let writer = replica(of: record.userAgent) else { continue }
                if let previous = last, previous.writer != writer, previous.at.duration(to: record.at) < handoverGap {
                    checks.duplicateWriterClusters.append(cluster)
                    break
                }
                last = (writer, record.at)
            }
        }
        return checks
    }

    /// The replica a User-Agent names (`addon-manager/0.1 (replica-a; workload)`).
    static func replica(of userAgent: String) -> String? {
        guard let open = userAgent.firstIndex(of: "("), let semicolon = userAgent[open...].firstIndex(of: ";") else { return nil }
        return String(userAgent[userAgent.index(after: open)..<semicolon])
    }
}
