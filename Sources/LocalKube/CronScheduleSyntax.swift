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
        if schedule.isEmpty { return "empty spec string" }
        var spec = schedule
        if spec.hasPrefix("TZ=") || spec.hasPrefix("CRON_TZ="), let space = spec.firstIndex(of: " "), let equals = spec.firstIndex(of: "=") {
            let zone = String(spec[spec.index(after: equals)..<space])
            if TimeZone(identifier: zone) == nil { return "provided bad location \(zone): unknown time zone \(zone)" }
            spec = String(spec[space...]).trimmingCharacters(in: .whitespaces)
        }
        if spec.hasPrefix("@") {
            if descriptors.contains(spec) { return nil }
            if spec.hasPrefix("@every ") {
                return GoDuration.parseError(String(spec.dropFirst("@every ".count))).map { "failed to parse duration \(spec): \($0)" }
            }
            return "unrecognized descriptor: \(spec)"
        }
        let fields = spec.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}" }).map(String.init)
        if fields.count != 5 {
            return "expected exactly 5 fields, found \(fields.count): [\(fields.joined(separator: " "))]"
        }
        for (field, bounds) in zip(fields, [minutes, hours, daysOfMonth, months, daysOfWeek]) {
            for expression in field.split(separator: ",").map(String.init) {
                if let error = rangeError(expression, bounds) { return error }
            }
        }
        return nil
    }

    /// `getRange`: `*`, `?`, `N`, `N-M`, each with an optional `/step`.
    private static func rangeError(_ expression: String, _ bounds: Bounds) -> String? {
        let rangeAndStep = expression.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let lowAndHigh = rangeAndStep[0].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        var start: Int, end: Int
        if lowAndHigh[0] == "*" || lowAndHigh[0] == "?" {
            start = bounds.min
            end = bounds.max
        } else {
            switch parse(lowAndHigh[0], bounds.names) {
            case .failure(let message): return message
            case .success(let value): start = value
            }
            switch lowAndHigh.count {
            case 1:
                end = start
            case 2:
                switch parse(lowAndHigh[1], bounds.names) {
                case .failure(let message): return message
                case .success(let value): end = value
                }
            default:
                return "too many hyphens: \(expression)"
            }
        }
        var step = 1
        switch rangeAndStep.count {
        case 1:
            break
        case 2:
            switch parse(rangeAndStep[1], [:]) {
            case .failure(let message): return message
            case .success(let value): step = value
            }
            if lowAndHigh.count == 1 { end = bounds.max }
        default:
            return "too many slashes: \(expression)"
        }
        if start < bounds.min { return "beginning of range (\(start)) below minimum (\(bounds.min)): \(expression)" }
        if end > bounds.max { return "end of range (\(end)) above maximum (\(bounds.max)): \(expression)" }
        if start > end { return "beginning of range (\(start)) beyond end of range (\(end)): \(expression)" }
        if step == 0 { return "step of range should be a positive number: \(expression)" }
        return nil
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
