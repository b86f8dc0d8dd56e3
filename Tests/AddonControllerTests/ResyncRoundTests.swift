import Testing
@testable import AddonController

/// What a resync tick queues (table-driven): all addons at the full round or while the spec or
/// catalog cannot be read; otherwise the addons that are not Healthy, which a terminal failure
/// (a refused apply) would otherwise leave until the full round, half an hour away.
@Suite struct ResyncRoundTests {
    static let full: Duration = .seconds(1800)

    @Test(arguments: [
        ("healthy fleet between full rounds", Duration.seconds(300), false, ["a": HealthState.healthy, "b": .healthy], ResyncRound.unsettled([])),
        ("a failed and a degraded addon", .seconds(600), false, ["a": .failed, "b": .healthy, "c": .degraded], .unsettled(["a", "c"])),
        ("progressing and unknown count too", .seconds(300), false, ["p": .progressing, "u": .unknown], .unsettled(["p", "u"])),
        ("the full round is due", .seconds(1800), false, ["a": .healthy], .everyAddon),
        ("past the full round", .seconds(1900), false, ["a": .failed], .everyAddon),
        ("the spec cannot be read", .seconds(300), true, ["a": .healthy], .everyAddon),
        ("no addons yet", .seconds(300), false, [:], .unsettled([])),
    ])
    func round(_ name: String, sinceFull: Duration, specError: Bool, phases: [String: HealthState], expected: ResyncRound) {
        #expect(ResyncRound.next(sinceFullRound: sinceFull, fullRound: Self.full, specError: specError, phases: phases) == expected, "\(name)")
    }
}
