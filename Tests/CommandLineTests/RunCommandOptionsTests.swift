import ArgumentParser
import Testing
@testable import AddonManagerCommand

/// `run`'s tuning flags: their bounds are refused with the flag named, before anything starts.
@Suite struct RunCommandOptionsTests {
    static func error(_ arguments: [String]) -> String? {
        do {
            _ = try AddonManager.parseAsRoot(["run"] + arguments)
            return nil
        } catch {
            return AddonManager.fullMessage(for: error)
        }
    }

    @Test func probeAfterSilenceHasTheProbeIntervalAsItsFloor() throws {
        #expect(Self.error(["--probe-after-silence", "120"]) == nil)
        let refused = try #require(Self.error(["--probe-after-silence", "5"]))
        #expect(refused.contains("--probe-after-silence must be at least 15 seconds"), "\(refused)")
        let command = try #require(try AddonManager.parseAsRoot(["run"]) as? RunCommand)
        #expect(command.probeAfterSilence == 75)
    }

    @Test func resyncPeriodHasAMinuteAsItsFloor() throws {
        #expect(Self.error(["--resync-period", "600"]) == nil)
        let refused = try #require(Self.error(["--resync-period", "30"]))
        #expect(refused.contains("--resync-period must be at least 60 seconds"), "\(refused)")
    }
}
