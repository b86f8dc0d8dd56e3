import KubernetesModel

/// Kubernetes resource quantities (`resource.Quantity`): parsing and the canonical text the API
/// server stores (`0.5` → `500m`, `1536Mi` stays, `1.5Gi` → `1536Mi`, `1000` → `1k`, `0.1n` → `1n`).
/// Exact: the value is kept as decimal digits, never as a floating-point number.
public struct Quantity: Sendable, Hashable, CustomStringConvertible {
    enum Format: Sendable, Hashable { case decimalSI, binarySI, decimalExponent }

    /// |value| = digits × 10^exponent; digits has no leading zeros ("" is zero).
    var digits: [UInt8]
    var exponent: Int
    var negative: Bool
    var format: Format

    public static let syntax = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String { "quantities must match the regular expression '\(Quantity.syntax)'" }
    }

    public init(parsing text: String) throws(ParseError) {
        var chars = Array(text.utf8)[...]
        negative = false
        if let first = chars.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            chars = chars.dropFirst()
        }
        var intDigits: [UInt8] = [], fracDigits: [UInt8] = []
        var seenDot = false
        while let c = chars.first, (c >= 48 && c <= 57) || c == UInt8(ascii: ".") {
            if c == UInt8(ascii: ".") {
                guard !seenDot else { throw ParseError() }
                seenDot = true
            } else if seenDot {
                fracDigits.append(c - 48)
            } else {
                intDigits.append(c - 48)
            }
            chars = chars.dropFirst()
        }
        guard !intDigits.isEmpty || !fracDigits.isEmpty else { throw ParseError() }
        let suffix = String(decoding: chars, as: UTF8.self)
        var decimalShift = 0
        var binaryPower = 0
        switch suffix {
        case "": format = .decimalSI
        case "n": format = .decimalSI; decimalShift = -9
        case "u": format = .decimalSI; decimalShift = -6
        case "m": format = .decimalSI; decimalShift = -3
        case "k": format = .decimalSI; decimalShift = 3
        case "M": format = .decimalSI; decimalShift = 6
        case "G": format = .decimalSI; decimalShift = 9
        case "T": format = .decimalSI; decimalShift = 12
        case "P": format = .decimalSI; decimalShift = 15
        case "E": format = .decimalSI; decimalShift = 18
        case "Ki": format = .binarySI; binaryPower = 1
        case "Mi": format = .binarySI; binaryPower = 2
        case "Gi": format = .binarySI; binaryPower = 3
        case "Ti": format = .binarySI; binaryPower = 4
        case "Pi": format = .binarySI; binaryPower = 5
        case "Ei": format = .binarySI; binaryPower = 6
        default:
            let s = Array(suffix.utf8)
            guard s.count >= 2, s[0] == UInt8(ascii: "e") || s[0] == UInt8(ascii: "E"), let e = Int(String(decoding: s[1...], as: UTF8.self)),
                  !(s.count > 2 && s[1] == UInt8(ascii: "+"))
            else { throw ParseError() }
            format = .decimalExponent
            decimalShift = e
        }
        digits = intDigits + fracDigits
        exponent = decimalShift - fracDigits.count
        for _ in 0..<binaryPower { Self.multiply(&digits, by: 1024) }
        Self.trimLeadingZeros(&digits)
        if digits.isEmpty { negative = false }
    }

    /// A quantity written as a JSON number (the server accepts `cpu: 0.5`).
    public init(number: JSONValue) throws(ParseError) {
        switch number {
        case .int(let i): try self.init(parsing: String(i))
        case .double(let d):
            guard d.isFinite else { throw ParseError() }
            try self.init(parsing: GoJSON.formatFloat(d).replacingExponentMarker())
        default: throw ParseError()
        }
    }

    public var isZero: Bool { digits.isEmpty }

    public var isNegative: Bool { negative && !digits.isEmpty }

    /// -1, 0 or 1 as this quantity's value is below, equal to or above `other`'s, whatever
    /// suffixes they were written with (`1Gi` equals `1073741824`).
    public func compareValue(_ other: Quantity) -> Int {
        var a = digits, ae = exponent, b = other.digits, be = other.exponent
        Self.normalise(&a, &ae)
        Self.normalise(&b, &be)
        if isNegative != other.isNegative { return isNegative ? -1 : 1 }
        let order = Self.compare(a, ae, b, be)
        return isNegative ? -order : order
    }

    /// The canonical text, as the server writes the quantity back.
    public var description: String {
        if isZero { return "0" }
        var format = self.format
        var d = digits, e = exponent
        Self.normalise(&d, &e)
        if format == .binarySI {
            // Small or fractional binary values are shown in decimal.
            let isInteger = e >= 0
            let magnitudeBelow1024 = Self.compare(d, e, [1, 0, 2, 4], 0) < 0
            if !isInteger || magnitudeBelow1024 { format = .decimalSI }
        }
        let sign = negative ? "-" : ""
        switch format {
        case .binarySI:
            var value = d + [UInt8](repeating: 0, count: e)
            var power = 0
            while power < 6, Self.remainder(value, 1024) == 0 {
                value = Self.divide(value, by: 1024)
                power += 1
            }
            let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][power]
            return sign + Self.text(value) + suffix
        case .decimalSI, .decimalExponent:
            // Round up to nano precision, then use an exponent that is a multiple of 3.
            if e < -9 {
                let drop = -9 - e
                if drop >= d.count {
                    d = [1]
                } else {
                    let kept = Array(d[..<(d.count - drop)])
                    let roundUp = d[(d.count - drop)...].contains { $0 != 0 }
                    d = kept
                    if roundUp { Self.add(&d, 1) }
                }
                e = -9
                Self.normalise(&d, &e)
            }
            while ((e % 3) + 3) % 3 != 0 {
                d.append(0)
                e -= 1
            }
            if format == .decimalSI {
                while e > 18 {
                    d.append(0)
                    e -= 1
                }
                let suffixes = [-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"]
                return sign + Self.text(d) + (suffixes[e] ?? "")
            }
            return sign + Self.text(d) + (e == 0 ? "" : "e\(e)")
        }
    }

    /// The canonical text of a quantity given as text or number.
    public static func canonical(_ value: JSONValue) throws(ParseError) -> String {
        switch value {
        case .string(let s): return try Quantity(parsing: s).description
        case .int, .double: return try Quantity(number: value).description
        default: throw ParseError()
        }
    }

    // MARK: Digit arithmetic

    private static func normalise(_ d: inout [UInt8], _ e: inout Int) {
        trimLeadingZeros(&d)
        while let last = d.last, last == 0 {
            d.removeLast()
            e += 1
        }
    }

    private static func trimLeadingZeros(_ d: inout [UInt8]) {
        if let firstNonZero = d.firstIndex(where: { $0 != 0 }) {
            if firstNonZero > 0 { d.removeFirst(firstNonZero) }
        } else {
            d.removeAll()
        }
    }

    private static func multiply(_ d: inout [UInt8], by factor: Int) {
        var carry = 0
        for i in stride(from: d.count - 1, through: 0, by: -1) {
            let v = Int(d[i]) * factor + carry
            d[i] = UInt8(v % 10)
            carry = v / 10
        }
        while carry > 0 {
            d.insert(UInt8(carry % 10), at: 0)
            carry /= 10
        }
    }

    private static func add(_ d: inout [UInt8], _ value: Int) {
        var carry = value
        var i = d.count - 1
        while carry > 0 {
            if i < 0 {
                d.insert(UInt8(carry % 10), at: 0)
                carry /= 10
                continue
            }
            let v = Int(d[i]) + carry
            d[i] = UInt8(v % 10)
            carry = v / 10
            i -= 1
        }
    }

    private static func remainder(_ d: [UInt8], _ divisor: Int) -> Int {
        var r = 0
        for digit in d { r = (r * 10 + Int(digit)) % divisor }
        return r
    }

    private static func divide(_ d: [UInt8], by divisor: Int) -> [UInt8] {
        var out: [UInt8] = []
        var r = 0
        for digit in d {
            r = r * 10 + Int(digit)
            out.append(UInt8(r / divisor))
            r %= divisor
        }
        trimLeadingZeros(&out)
        return out
    }

    /// Compares a×10^ae with b×10^be (both normalised, non-negative).
    private static func compare(_ a: [UInt8], _ ae: Int, _ b: [UInt8], _ be: Int) -> Int {
        let lenA = a.count + ae, lenB = b.count + be
        if a.isEmpty || b.isEmpty { return a.isEmpty ? (b.isEmpty ? 0 : -1) : 1 }
        if lenA != lenB { return lenA < lenB ? -1 : 1 }
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0, y = i < b.count ? b[i] : 0
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }

    private static func text(_ d: [UInt8]) -> String {
        d.isEmpty ? "0" : String(decoding: d.map { $0 + 48 }, as: UTF8.self)
    }
}

extension String {
    /// Go writes `1e+21`; the quantity grammar takes `1e21`.
    fileprivate func replacingExponentMarker() -> String {
        var out = ""
        var previous: Character = " "
        for c in self {
            if c == "+", previous == "e" { continue }
            out.append(c)
            previous = c
        }
        return out
    }
}
