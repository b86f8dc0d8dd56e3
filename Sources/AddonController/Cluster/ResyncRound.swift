/// What one tick of a cluster's resync queues though nothing changed: every addon when the full
/// round is due (or while the cluster's spec or catalog cannot be read, which every addon
/// reports), otherwise only the addons that are not Healthy — a failure some change no event
/// tells of may have fixed (see `ClusterAddonController.Options.unsettledResyncPeriod`).
enum ResyncRound: Equatable {
    case everyAddon
    case unsettled([String])

    static func next(sinceFullRound: Duration, fullRound: Duration, specError: Bool, phases: [String: HealthState]) -> ResyncRound {
        if sinceFullRound >= fullRound || specError { return .everyAddon }
        return .unsettled(phases.filter { $0.value != .healthy }.keys.sorted())
    }
}
