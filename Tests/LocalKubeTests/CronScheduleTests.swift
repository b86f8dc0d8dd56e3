import Foundation
import Testing
@testable import LocalKube

/// When a CronJob's schedule next fires, as robfig/cron v3 (kube-controller-manager) computes it.
@Suite struct CronScheduleTests {
    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test(arguments: [
        ("0 */6 * * *", "2026-12-06T21:58:30Z", "2026-12-07T00:00:00Z"),
        ("0 */6 * * *", "2026-12-07T00:00:00Z", "2026-12-07T06:00:00Z"),
        ("*/15 * * * *", "2026-12-06T21:58:30Z", "2026-12-06T22:00:00Z"),
        ("* * * * *", "2026-12-06T21:58:30Z", "2026-12-06T21:59:00Z"),
        ("30 2 * * mon", "2026-12-06T21:58:30Z", "2026-12-07T02:30:00Z"),  // 2026-12-06 is a Sunday
        ("0 0 1 * *", "2026-12-06T21:58:30Z", "2027-01-01T00:00:00Z"),
        ("0 0 29 2 *", "2026-12-06T21:58:30Z", "2028-02-29T00:00:00Z"),
        // Day of month OR day of week when both are restricted; AND when one is *.
        ("0 0 13 * fri", "2026-12-06T21:58:30Z", "2026-12-11T00:00:00Z"),
        ("0 0 */2 * fri", "2026-12-06T21:58:30Z", "2026-12-07T00:00:00Z"),
        ("0 0 * * fri", "2026-12-06T21:58:30Z", "2026-12-11T00:00:00Z"),
        ("@hourly", "2026-12-06T21:58:30Z", "2026-12-06T22:00:00Z"),
        ("@daily", "2026-12-06T21:58:30Z", "2026-12-07T00:00:00Z"),
        ("@weekly", "2026-12-06T21:58:30Z", "2026-12-13T00:00:00Z"),
        ("@yearly", "2026-12-06T21:58:30Z", "2027-01-01T00:00:00Z"),
        ("@every 90s", "2026-12-06T21:58:30Z", "2026-12-06T22:00:00Z"),
        ("TZ=Europe/Amsterdam 0 9 * * *", "2026-12-06T21:58:30Z", "2026-12-07T08:00:00Z"),
    ])
    func nextRun(_ schedule: String, _ after: String, _ expected: String) throws {
        guard case .success(let cron) = CronScheduleSyntax.parse(schedule) else {
            Issue.record("\(schedule) did not parse")
            return
        }
        #expect(cron.next(after: Self.date(after)) == Self.date(expected), "\(schedule)")
    }

    @Test func aScheduleThatNeverComesHasNoNextRun() {
        guard case .success(let cron) = CronScheduleSyntax.parse("0 0 31 2 *") else {
            Issue.record("did not parse")
            return
        }
        #expect(cron.next(after: Self.date("2026-12-06T21:58:30Z")) == nil)
    }

    @Test func theParsersErrorsAreUnchanged() {
        #expect(CronScheduleSyntax.error("0 */6 * * *") == nil)
        #expect(CronScheduleSyntax.error("61 * * * *") == "end of range (61) above maximum (59): 61")
        #expect(CronScheduleSyntax.error("* * *") == "expected exactly 5 fields, found 3: [* * *]")
        #expect(CronScheduleSyntax.error("@sometimes") == "unrecognized descriptor: @sometimes")
    }
}
