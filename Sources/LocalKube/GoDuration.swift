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
}
