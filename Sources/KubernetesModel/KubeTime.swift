import Foundation

/// Kubernetes timestamps: `Time` (RFC 3339, whole seconds, UTC) and `MicroTime` (six
/// fractional digits), as the API server writes them.
public enum KubeTime {
    public static func format(_ date: Date) -> String {
        let t = Int64(date.timeIntervalSince1970.rounded(.down))
        return formatComponents(seconds: t, micros: nil)
    }

    public static func formatMicro(_ date: Date) -> String {
        let total = (date.timeIntervalSince1970 * 1_000_000).rounded(.down)
        let seconds = Int64((total / 1_000_000).rounded(.down))
        let micros = Int64(total) - seconds * 1_000_000
        return formatComponents(seconds: seconds, micros: micros)
    }

    public static func now() -> String { format(Date()) }

    /// Parses RFC 3339 with optional fractional seconds and `Z` or a numeric offset.
    public static func parse(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        guard chars.count >= 20 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= chars.count else { return nil }
            var v = 0
            for c in chars[from..<from + len] {
                guard (48...57).contains(c) else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let year = num(0, 4), let month = num(5, 2), let day = num(8, 2),
            let hour = num(11, 2), let minute = num(14, 2), let second = num(17, 2)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < chars.count, chars[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < chars.count, (48...57).contains(chars[index]) {
                fraction += Double(chars[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offset = 0
        if index < chars.count {
            switch chars[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"): break
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard let oh = num(index + 1, 2), let om = num(index + 4, 2) else { return nil }
                offset = (oh * 3600 + om * 60) * (chars[index] == UInt8(ascii: "-") ? -1 : 1)
            default: return nil
            }
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Double(days * 86400 + hour * 3600 + minute * 60 + second - offset) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    private static func formatComponents(seconds: Int64, micros: Int64?) -> String {
        let days = Int(seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400)
        let secOfDay = Int(seconds - Int64(days) * 86400)
        let (y, m, d) = civilFromDays(days)
        guard (0...9999).contains(y), micros.map({ (0..<1_000_000).contains($0) }) ?? true else {
            var s = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, secOfDay / 3600, (secOfDay % 3600) / 60, secOfDay % 60)
            if let micros { s += String(format: ".%06lld", micros) }
            return s + "Z"
        }
        // Digits written directly: Foundation's `String(format:)` was about 1 % of a converging
        // fleet's CPU (every write stamps managedFields and conditions).
        var text = [UInt8]()
        text.reserveCapacity(27)
        func digits(_ value: Int, _ width: Int, then separator: UInt8?) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
            if let separator { text.append(separator) }
        }
        digits(y, 4, then: UInt8(ascii: "-"))
        digits(m, 2, then: UInt8(ascii: "-"))
        digits(d, 2, then: UInt8(ascii: "T"))
        digits(secOfDay / 3600, 2, then: UInt8(ascii: ":"))
        digits((secOfDay % 3600) / 60, 2, then: UInt8(ascii: ":"))
        digits(secOfDay % 60, 2, then: nil)
        if let micros {
            text.append(UInt8(ascii: "."))
            digits(Int(micros), 6, then: nil)
        }
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    // Howard Hinnant's civil-date algorithms.
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    private static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
