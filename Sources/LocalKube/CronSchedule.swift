import Foundation

/// When a CronJob runs, as kube-controller-manager's CronJob controller decides it (robfig/cron
/// v3's `SpecSchedule.Next`, minute by minute; `ConstantDelaySchedule` for `@every`): the first
/// time after a given one that its minute, hour, month and day match, in its time zone (`TZ=` /
/// `CRON_TZ=`, else UTC). The day matches by day of month AND day of week when either field is
/// `*` (or `?`), by either of them otherwise.
struct CronSchedule: Sendable, Equatable {
    /// minute, hour, day of month, month, day of week: one bit per value, and `star`.
    let fields: [UInt64]
    let zone: TimeZone
    /// `@every`: this many seconds after the previous run.
    let every: Double?

    static let star: UInt64 = 1 << 63

    init(zone: TimeZone, fields: [UInt64]) {
        self.zone = zone
        self.fields = fields
        every = nil
    }

    init(zone: TimeZone, every: Double) {
        self.zone = zone
        fields = []
        self.every = every
    }

    /// The values `start`...`end` by `step`, as bits.
    static func bits(_ start: Int, _ end: Int, _ step: Int) -> UInt64 {
        var bits: UInt64 = 0
        for value in stride(from: start, through: end, by: step) { bits |= 1 << UInt64(value) }
        return bits
    }

    /// The next run after `date` (nil when none comes within five years, as robfig gives up).
    func next(after date: Date) -> Date? {
        if let every {
            // robfig rounds the delay to whole seconds (at least one) and counts from the second.
            let delay = max(1, every.rounded(.down))
            return Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down) + delay)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        // From the next whole minute (every time zone's offset is whole minutes).
        var t = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
        let limit = calendar.date(byAdding: .year, value: 5, to: date) ?? date
        func matches(_ field: Int, _ value: Int) -> Bool { fields[field] & (UInt64(1) << UInt64(value)) != 0 }
        func dayMatches(_ c: DateComponents) -> Bool {
            let dom = matches(2, c.day ?? 1), dow = matches(4, (c.weekday ?? 1) - 1)
            return fields[2] & Self.star != 0 || fields[4] & Self.star != 0 ? dom && dow : dom || dow
        }
        while t <= limit {
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: t)
            if !matches(3, c.month ?? 1) {
                // The first minute of the next month.
                guard let month = calendar.date(from: DateComponents(year: c.year, month: c.month, day: 1)),
                      let next = calendar.date(byAdding: .month, value: 1, to: month) else { return nil }
                t = next
            } else if !dayMatches(c) {
                guard let day = calendar.date(from: DateComponents(year: c.year, month: c.month, day: c.day)),
                      let next = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
                t = next
            } else if !matches(1, c.hour ?? 0) {
                guard let hour = calendar.date(from: DateComponents(year: c.year, month: c.month, day: c.day, hour: c.hour)),
                      let next = calendar.date(byAdding: .hour, value: 1, to: hour) else { return nil }
                t = next
            } else if !matches(0, c.minute ?? 0) {
                t = t.addingTimeInterval(60)
            } else {
                return t
            }
        }
        return nil
    }
}
