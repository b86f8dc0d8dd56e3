import Foundation

/// A standard five-field cron schedule (minute hour day-of-month month day-of-week, with `*`,
/// `a-b`, `a,b`, `*/n`, `a-b/n`, and the macros `@hourly`, `@daily`, `@weekly`, `@monthly`,
/// `@yearly`), as CronJobs use. Used to turn "succeeded within N schedule intervals" into a
/// duration.
public struct CronSchedule: Sendable, Hashable {
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let domRestricted: Bool
    let dowRestricted: Bool

    public init?(_ text: String) {
        var spec = text.trimmingCharacters(in: .whitespaces)
        if spec.hasPrefix("CRON_TZ=") || spec.hasPrefix("TZ=") {
            guard let space = spec.firstIndex(of: " ") else { return nil }
            spec = String(spec[space...]).trimmingCharacters(in: .whitespaces)
        }
        switch spec {
        case "@hourly": spec = "0 * * * *"
        case "@daily", "@midnight": spec = "0 0 * * *"
        case "@weekly": spec = "0 0 * * 0"
        case "@monthly": spec = "0 0 1 * *"
        case "@yearly", "@annually": spec = "0 0 1 1 *"
        default: break
        }
        let fields = spec.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5,
              let m = Self.field(fields[0], 0...59), let h = Self.field(fields[1], 0...23),
              let dom = Self.field(fields[2], 1...31), let mon = Self.field(fields[3], 1...12),
              var dow = Self.field(fields[4], 0...7)
        else { return nil }
        if dow.contains(7) { dow.remove(7); dow.insert(0) }
        minutes = m; hours = h; daysOfMonth = dom; months = mon; daysOfWeek = dow
        domRestricted = fields[2] != "*" && fields[2] != "?"
        dowRestricted = fields[4] != "*" && fields[4] != "?"
    }

    private static func field(_ text: String, _ range: ClosedRange<Int>) -> Set<Int>? {
        var result: Set<Int> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            var base = Substring(part)
            var step = 1
            if let slash = part.firstIndex(of: "/") {
                guard let s = Int(part[part.index(after: slash)...]), s > 0 else { return nil }
                step = s
                base = part[..<slash]
            }
            var low = range.lowerBound, high = range.upperBound
            if base == "*" || base == "?" {
            } else if let dash = base.firstIndex(of: "-") {
                guard let a = Int(base[..<dash]), let b = Int(base[base.index(after: dash)...]), a <= b else { return nil }
                low = a; high = b
            } else {
                guard let a = Int(base) else { return nil }
                low = a
                high = part.contains("/") ? range.upperBound : a
            }
            guard range.contains(low), range.contains(high) else { return nil }
            result.formUnion(stride(from: low, through: high, by: step))
        }
        return result.isEmpty ? nil : result
    }

    private func dayMatches(dayOfMonth: Int, dayOfWeek: Int) -> Bool {
        switch (domRestricted, dowRestricted) {
        case (true, true): return daysOfMonth.contains(dayOfMonth) || daysOfWeek.contains(dayOfWeek)
        case (true, false): return daysOfMonth.contains(dayOfMonth)
        case (false, true): return daysOfWeek.contains(dayOfWeek)
        case (false, false): return true
        }
    }

    /// The longest time between two consecutive runs, in seconds (over a simulated non-leap
    /// year starting on a Monday, wrapping around to its start).
    public var longestIntervalSeconds: Double {
        let timesOfDay = hours.sorted().flatMap { h in minutes.sorted().map { h * 60 + $0 } }
        let monthLengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        let minutesPerYear = 365 * 1440
        var first: Int?
        var last: Int?
        var longest = 0
        var day = 0
        for (index, length) in monthLengths.enumerated() {
            for dayOfMonth in 1...length {
                defer { day += 1 }
                guard months.contains(index + 1), dayMatches(dayOfMonth: dayOfMonth, dayOfWeek: (day + 1) % 7) else { continue }
                for time in timesOfDay {
                    let t = day * 1440 + time
                    if let last { longest = max(longest, t - last) }
                    if first == nil { first = t }
                    last = t
                }
            }
        }
        if let first, let last { longest = max(longest, first + minutesPerYear - last) }
        return Double(longest * 60)
    }
}
