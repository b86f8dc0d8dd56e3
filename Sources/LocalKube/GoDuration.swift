/// Go's `time.ParseDuration`, for the values the server parses with it (a CronJob's `@every`, a
/// CRD schema's `duration` format).
enum GoDuration {
    /// Go's `time.ParseDuration` errors: `[-+]` then one or more decimal numbers, each with a unit.
    static func parseError(_ text: String) -> String? {
        let invalid = "time: invalid duration \(GoSyntax.quote(text))"
        var rest = Substring(text)
        if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
        if rest == "0" { return nil }
        if rest.isEmpty { return invalid }
        let units: Set<Substring> = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
        while !rest.isEmpty {
            guard let first = rest.first, first == "." || (first.isASCII && first.isNumber) else { return invalid }
            let whole = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(whole.count)
            var fraction: Substring = ""
            if rest.first == "." {
                rest = rest.dropFirst()
                fraction = rest.prefix { $0.isASCII && $0.isNumber }
                rest = rest.dropFirst(fraction.count)
            }
            if whole.isEmpty && fraction.isEmpty { return invalid }
            let unit = rest.prefix { !($0 == "." || ($0.isASCII && $0.isNumber)) }
            if unit.isEmpty { return "time: missing unit in duration \(GoSyntax.quote(text))" }
            if !units.contains(unit) { return "time: unknown unit \(GoSyntax.quote(String(unit))) in duration \(GoSyntax.quote(text))" }
            rest = rest.dropFirst(unit.count)
        }
        return nil
    }

    /// The duration in seconds, for text `parseError` accepts (nil otherwise).
    static func seconds(_ text: String) -> Double? {
        guard parseError(text) == nil else { return nil }
        var rest = Substring(text)
        let negative = rest.first == "-"
        if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
        let scale: [Substring: Double] = ["ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600]
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0 == "." || ($0.isASCII && $0.isNumber) }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0 == "." || ($0.isASCII && $0.isNumber)) }
            rest = rest.dropFirst(unit.count)
            total += (Double(number) ?? 0) * (scale[unit] ?? 0)
        }
        return negative ? -total : total
    }
}
