import Foundation

/// The string `format`s a CRD schema may name and the server checks in custom objects: kube-openapi's
/// default `strfmt` registry (format names compared with dashes removed, so `date-time` is
/// `datetime`). Unknown formats (`int32`, `ip`, ...) are not checked, as on the server.
///
/// Each check follows the Go function the registry names: `hostname` kube-openapi's pattern and
/// label lengths, `uri` `url.ParseRequestURI`, `ipv4`/`ipv6` `net.ParseIP` with a dot or a colon,
/// `cidr` `net.ParseCIDR`, `date` `time.Parse("2006-01-02")`, `date-time` `IsDateTime`, `duration`
/// `time.ParseDuration` or the Scala-style units (with the whole-value check of kube-openapi's
/// copy as read), `byte` govalidator's base64 pattern. Approximate: `uri` (the scheme, an
/// authority's spaces and port; not Go's host character and `%`-escape rules) and `email` (a
/// local part and a domain, not `net/mail`'s full address grammar). Not checked (accepted):
/// `creditcard`, `isbn*`, `ssn`, `rgbcolor`.
enum SchemaStringFormat {
    /// Whether `value` has the format; nil when the registry does not know the format.
    static func accepts(_ format: String, _ value: String) -> Bool? {
        switch format.replacingOccurrences(of: "-", with: "") {
        case "hostname": return isHostname(value)
        case "uri": return isRequestURI(value)
        case "email": return isEmail(value)
        case "ipv4": return value.contains(".") && IPAddress.strictBytes(value) != nil
        case "ipv6": return value.contains(":") && IPAddress.strictBytes(value) != nil
        case "cidr": return CIDR(value) != nil
        case "mac": return isMAC(value)
        case "uuid": return matches(value, uuid(version: nil))
        case "uuid3": return matches(value, uuid(version: "3"))
        case "uuid4": return matches(value, uuid(version: "4"))
        case "uuid5": return matches(value, uuid(version: "5"))
        case "hexcolor": return matches(value, #"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"#)
        case "byte": return matches(value, #"^(?:[A-Za-z0-9+\/]{4})*(?:[A-Za-z0-9+\/]{2}==|[A-Za-z0-9+\/]{3}=|[A-Za-z0-9+\/]{4})$"#)
        case "bsonobjectid": return value.utf8.count == 24 && value.utf8.allSatisfy { isHex($0) }
        case "date": return isDate(value)
        case "datetime": return isDateTime(value)
        case "duration": return isDuration(value)
        case "password", "creditcard", "isbn", "isbn10", "isbn13", "ssn", "rgbcolor": return true
        default: return nil
        }
    }

    // MARK: The checks

    private static let hostnamePattern = #"^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z0-9\p{S}\p{L}])(-?[a-zA-Z0-9\p{S}\p{L}]){1,62})$"#

    static func isHostname(_ value: String) -> Bool {
        guard matches(value, hostnamePattern), value.utf8.count <= 255 else { return false }
        return value.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { $0.utf8.count <= 63 }
    }

    /// `url.ParseRequestURI`: an absolute path, or a scheme (a letter, then letters, digits, `+`,
    /// `-`, `.`) and either an opaque part or `//` and an authority whose host has no spaces and
    /// whose port, if any, is digits. Control characters are refused; the fragment is not split off.
    static func isRequestURI(_ value: String) -> Bool {
        guard !value.isEmpty, !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else { return false }
        if value.hasPrefix("/") { return true }
        guard let colon = value.firstIndex(of: ":") else { return false }
        let scheme = value[..<colon].unicodeScalars
        guard let first = scheme.first, first.isASCII, CharacterSet.letters.contains(first),
              scheme.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "+-.".unicodeScalars.contains($0)) })
        else { return false }
        let rest = value[value.index(after: colon)...]
        guard rest.hasPrefix("//") else { return true }
        let authority = rest.dropFirst(2).prefix { $0 != "/" && $0 != "?" }
        let hostPort = authority.split(separator: "@").last ?? ""
        if hostPort.contains(" ") { return false }
        if !hostPort.hasPrefix("["), let portColon = hostPort.lastIndex(of: ":") {
            return hostPort[hostPort.index(after: portColon)...].allSatisfy { $0.isASCII && $0.isNumber }
        }
        return true
    }

    private static func isEmail(_ value: String) -> Bool {
        // net/mail.ParseAddress accepts a display name; what matters here is a local part and a domain.
        let address: Substring
        if let open = value.lastIndex(of: "<"), value.hasSuffix(">") {
            address = value[value.index(after: open)..<value.index(before: value.endIndex)]
        } else {
            address = Substring(value)
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && !address.contains(" ")
    }

    private static func isMAC(_ value: String) -> Bool {
        // net.ParseMAC: 6, 8 or 20 octets, separated by ':' or '-', or dotted groups of four hex digits.
        let octetGroups = value.split(separator: value.contains("-") ? "-" : ":", omittingEmptySubsequences: false)
        if octetGroups.count > 1, [6, 8, 20].contains(octetGroups.count),
           octetGroups.allSatisfy({ $0.utf8.count == 2 && $0.utf8.allSatisfy(isHex) }) { return true }
        let dotted = value.split(separator: ".", omittingEmptySubsequences: false)
        return [3, 4, 10].contains(dotted.count) && dotted.allSatisfy { $0.utf8.count == 4 && $0.utf8.allSatisfy(isHex) }
    }

    private static func uuid(version: String?) -> String {
        let third = version.map { "\($0)[0-9a-f]{3}" } ?? "[0-9a-f]{4}"
        let fourth = version == nil || version == "3" ? "[0-9a-f]{4}" : "[89ab][0-9a-f]{3}"
        return "(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?\(third)-?\(fourth)-?[0-9a-f]{12}$"
    }

    /// `time.Parse("2006-01-02", value)`: four-digit year, two-digit month 01–12, a day that exists in that month.
    static func isDate(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.utf8.allSatisfy { (48...57).contains($0) } }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month) else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    /// strfmt's `IsDateTime`: at least 4 characters; lower-cased and split at every `t`, a date,
    /// then `hh:mm:ss[.fraction](z|±hh:mm)` with hours ≤ 23, minutes and seconds ≤ 59.
    static func isDateTime(_ value: String) -> Bool {
        guard value.count >= 4 else { return false }
        let parts = value.lowercased().split(separator: "t", omittingEmptySubsequences: false)
        guard parts.count >= 2, isDate(String(parts[0])) else { return false }
        return isTimeOfDay(Array(parts[1].unicodeScalars))
    }

    /// strfmt's `^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$` on the
    /// lower-cased part after the `t` (the fraction's first character is any but a newline, as
    /// Go's `.`), with hours ≤ 23, minutes and seconds ≤ 59. Scanned by hand: every write of a
    /// custom object with a timestamp (a Machine's conditions) checks it, and a regex here was
    /// built anew on every call.
    static func isTimeOfDay(_ s: [Unicode.Scalar]) -> Bool {
        func twoDigits(_ i: Int) -> Int? {
            guard i + 1 < s.count, let a = digit(s[i]), let b = digit(s[i + 1]) else { return nil }
            return a * 10 + b
        }
        func digit(_ c: Unicode.Scalar) -> Int? { ("0"..."9").contains(c) ? Int(c.value - 48) : nil }
        func isZone(at i: Int) -> Bool {
            if i == s.count - 1 { return s[i] == "z" }
            return s.count - i == 6 && (s[i] == "+" || s[i] == "-") && twoDigits(i + 1) != nil && s[i + 3] == ":" && twoDigits(i + 4) != nil
        }
        guard s.count >= 9, let hours = twoDigits(0), s[2] == ":", let minutes = twoDigits(3), s[5] == ":", let seconds = twoDigits(6),
              hours <= 23, minutes <= 59, seconds <= 59 else { return false }
        if isZone(at: 8) { return true }
        guard s[8] != "\n" else { return false }
        var end = 9
        while end < s.count, digit(s[end]) != nil { end += 1 }
        return end > 9 && end < s.count && isZone(at: end)
    }

    /// strfmt's `ParseDuration`: Go's `time.ParseDuration`, else one or more `<digits><unit>`
    /// groups whose units are known (`ns`/`nano…`, `us`/`µs`/`micro…`, `ms`/`milli…`, `s`/`sec…`,
    /// `m`/`min…`, `h`/`hr`/`hour…`, `d`/`day…`, `w`/`wk`/`week…`).
    static func isDuration(_ value: String) -> Bool {
        if GoDuration.parseError(value) == nil { return true }
        guard value.wholeMatch(of: /\s*(?:\d+\s*[A-Za-zµ]+\s*)+/) != nil else { return false }
        let units: [[String]] = [["ns", "nano"], ["us", "µs", "micro"], ["ms", "milli"], ["s", "sec"], ["m", "min"],
                                 ["h", "hr", "hour"], ["d", "day"], ["w", "wk", "week"]]
        for match in value.matches(of: /(\d+)\s*([A-Za-zµ]+)/) {
            let unit = match.2.lowercased().trimmingCharacters(in: .whitespaces)
            for variants in units {
                for (i, variant) in variants.enumerated()
                where (i == variants.count - 1 && unit.hasPrefix(variant)) || variant.caseInsensitiveCompare(unit) == .orderedSame {
                    return true
                }
            }
        }
        return false
    }

    private static func isHex(_ byte: UInt8) -> Bool { (48...57).contains(byte) || (65...70).contains(byte) || (97...102).contains(byte) }

    /// Compiled per check (Swift's `Regex` is not `Sendable`, so no shared compiled copy; formats
    /// are checked on writes of custom objects only), with Go's semantics: code points.
    private static func matches(_ value: String, _ pattern: String) -> Bool {
        guard let regex = try? Regex(pattern).matchingSemantics(RegexSemanticLevel.unicodeScalar) else { return false }
        return (try? regex.firstMatch(in: value)) != nil
    }
}
