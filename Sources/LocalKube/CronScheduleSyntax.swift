import Foundation

/// A CronJob schedule checked as the v1.24 server checks it (robfig/cron v3's `ParseStandard`):
/// five fields or a descriptor, optionally after `TZ=`/`CRON_TZ=`; the error is the parser's own
/// text, which the server prints as the detail of `spec.schedule: Invalid value`.
enum CronScheduleSyntax {
    struct Bounds {
        let min: Int
        let max: Int
        let names: [String: Int]
    }

    static let minutes = Bounds(min: 0, max: 59, names: [:])
    static let hours = Bounds(min: 0, max: 23, names: [:])
    static let daysOfMonth = Bounds(min: 1, max: 31, names: [:])
    static let months = Bounds(min: 1, max: 12, names: ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                                                         "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12])
    static let daysOfWeek = Bounds(min: 0, max: 6, names: ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6])
    static let descriptors: Set<String> = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]

    /// nil when the schedule parses; otherwise the parser's error text.
    static func error(_ schedule: String) -> String? {
        if case .failure(let message) = parse(schedule) { return message.text }
        return nil
    }

    /// The schedule as robfig/cron's `ParseStandard` reads it, or its error text.
    static func parse(_ schedule: String) -> Result<CronSchedule, Message> {
        if schedule.isEmpty { return .failure("empty spec string") }
        var spec = schedule
        var zone = TimeZone(identifier: "UTC")!
        if spec.hasPrefix("TZ=") || spec.hasPrefix("CRON_TZ="), let space = spec.firstIndex(of: " "), let equals = spec.firstIndex(of: "=") {
            let name = String(spec[spec.index(after: equals)..<space])
            guard let named = TimeZone(identifier: name) else { return .failure("provided bad location \(name): unknown time zone \(name)") }
            zone = named
            spec = String(spec[space...]).trimmingCharacters(in: .whitespaces)
        }
        if spec.hasPrefix("@") {
            let all = { (b: Bounds) in CronSchedule.bits(b.min, b.max, 1) | CronSchedule.star }
            let one = { (v: Int) in UInt64(1) << UInt64(v) }
            switch spec {
            case "@yearly", "@annually": return .success(CronSchedule(zone: zone, fields: [one(0), one(0), one(1), one(1), all(daysOfWeek)]))
            case "@monthly": return .success(CronSchedule(zone: zone, fields: [one(0), one(0), one(1), all(months), all(daysOfWeek)]))
            case "@weekly": return .success(CronSchedule(zone: zone, fields: [one(0), one(0), all(daysOfMonth), all(months), one(0)]))
            case "@daily", "@midnight": return .success(CronSchedule(zone: zone, fields: [one(0), one(0), all(daysOfMonth), all(months), all(daysOfWeek)]))
            case "@hourly": return .success(CronSchedule(zone: zone, fields: [one(0), all(hours), all(daysOfMonth), all(months), all(daysOfWeek)]))
            default: break
            }
            if spec.hasPrefix("@every ") {
                let text = String(spec.dropFirst("@every ".count))
                if let error = GoDuration.parseError(text) { return .failure("failed to parse duration \(spec): \(error)") }
                return .success(CronSchedule(zone: zone, every: GoDuration.seconds(text) ?? 0))
            }
            return .failure("unrecognized descriptor: \(spec)")
        }
        let fields = spec.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}" }).map(String.init)
        if fields.count != 5 {
            return .failure("expected exactly 5 fields, found \(fields.count): [\(fields.joined(separator: " "))]")
        }
        var bits: [UInt64] = []
        for (field, bounds) in zip(fields, [minutes, hours, daysOfMonth, months, daysOfWeek]) {
            var set: UInt64 = 0
            for expression in field.split(separator: ",").map(String.init) {
                switch range(expression, bounds) {
                case .failure(let message): return .failure(message)
                case .success(let value): set |= value
                }
            }
            bits.append(set)
        }
        return .success(CronSchedule(zone: zone, fields: bits))
    }

    /// An error text as the parser writes it.
    struct Message: Error, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
        let text: String
        init(_ text: String) { self.text = text }
        init(stringLiteral text: String) { self.text = text }
        var description: String { text }
    }

    /// `getRange`: `*`, `?`, `N`, `N-M`, each with an optional `/step`; the values as bits, with
    /// the star bit for `*` or `?` without a step above 1 (what the day-of-month or
    /// day-of-week rule reads).
    private static func range(_ expression: String, _ bounds: Bounds) -> Result<UInt64, Message> {
        let rangeAndStep = expression.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let lowAndHigh = rangeAndStep[0].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        var start: Int, end: Int
        var star = false
        if lowAndHigh[0] == "*" || lowAndHigh[0] == "?" {
            start = bounds.min
            end = bounds.max
            star = true
        } else {
            switch parse(lowAndHigh[0], bounds.names) {
            case .failure(let message): return .failure(Message(message))
            case .success(let value): start = value
            }
            switch lowAndHigh.count {
            case 1:
                end = start
            case 2:
                switch parse(lowAndHigh[1], bounds.names) {
                case .failure(let message): return .failure(Message(message))
                case .success(let value): end = value
                }
            default:
                return .failure(Message("too many hyphens: \(expression)"))
            }
        }
        var step = 1
        switch rangeAndStep.count {
        case 1:
            break
        case 2:
            switch parse(rangeAndStep[1], [:]) {
            case .failure(let message): return .failure(Message(message))
            case .success(let value): step = value
            }
            if lowAndHigh.count == 1 { end = bounds.max }
            if step > 1 { star = false }
        default:
            return .failure(Message("too many slashes: \(expression)"))
        }
        if start < bounds.min { return .failure(Message("beginning of range (\(start)) below minimum (\(bounds.min)): \(expression)")) }
        if end > bounds.max { return .failure(Message("end of range (\(end)) above maximum (\(bounds.max)): \(expression)")) }
        if start > end { return .failure(Message("beginning of range (\(start)) beyond end of range (\(end)): \(expression)")) }
        if step == 0 { return .failure(Message("step of range should be a positive number: \(expression)")) }
        return .success(CronSchedule.bits(start, end, step) | (star ? CronSchedule.star : 0))
    }

    private enum Parsed {
        case success(Int)
        case failure(String)
    }

    /// `parseIntOrName` / `mustParseInt` (strconv.Atoi's errors).
    private static func parse(_ text: String, _ names: [String: Int]) -> Parsed {
        if let named = names[text.lowercased()] { return .success(named) }
        let digits = text.hasPrefix("+") || text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .failure("failed to parse int from \(text): strconv.Atoi: parsing \(GoSyntax.quote(text)): invalid syntax")
        }
        guard let number = Int64(text) else {
            return .failure("failed to parse int from \(text): strconv.Atoi: parsing \(GoSyntax.quote(text)): value out of range")
        }
        if number < 0 { return .failure("negative number (\(number)) not allowed: \(text)") }
        return .success(Int(number))
    }
}
