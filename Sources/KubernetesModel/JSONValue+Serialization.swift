import Foundation

extension JSONValue {
    /// Compact JSON. Object keys are sorted, so the same value always serialises to the same
    /// bytes: this is the canonical form used for content hashes and request bodies.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out, indent: nil, level: 0)
        return out
    }

    /// The compact JSON text in an array no larger than it, for text that is kept (caches):
    /// `serialized()` grows its array by doubling, so a kept result held up to twice its size
    /// (at 100 clusters, keeping the text without that slack took the manager's live heap from
    /// 112 to 107 MB).
    public func serializedToKeep() -> [UInt8] {
        let grown = serialized()
        guard grown.capacity > grown.count + grown.count / 16 else { return grown }
        return [UInt8](unsafeUninitializedCapacity: grown.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: grown)
        }
    }

    /// The length of `serialized()`, counted without writing it (a size limit needs no text).
    public var serializedCount: Int {
        switch self {
        case .null: return 4
        case .bool(let b): return b ? 4 : 5
        case .int(let i): return String(i).utf8.count
        case .double(let d): return Self.formatDouble(d).utf8.count
        case .string(let s): return Self.writtenCount(s)
        case .array(let a):
            return a.isEmpty ? 2 : a.reduce(1 + a.count) { $0 + $1.serializedCount }
        case .object(let o):
            return o.isEmpty ? 2 : o.reduce(1 + 2 * o.count) { $0 + Self.writtenCount($1.key) + $1.value.serializedCount }
        }
    }

    public func jsonString() -> String {
        String(decoding: serialized(), as: UTF8.self)
    }

    /// Indented JSON with sorted keys, for people (`-o json`).
    public func prettyJSONString(indent: Int = 4) -> String {
        var out: [UInt8] = []
        write(to: &out, indent: indent, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    private func write(to out: inout [UInt8], indent: Int?, level: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): out.append(contentsOf: Self.formatDouble(d).utf8)
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let a):
            if a.isEmpty {
                out.append(contentsOf: "[]".utf8)
                return
            }
            out.append(UInt8(ascii: "["))
            for (i, element) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, indent: indent, level: level + 1)
                element.write(to: &out, indent: indent, level: level + 1)
            }
            Self.newline(&out, indent: indent, level: level)
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            if o.isEmpty {
                out.append(contentsOf: "{}".utf8)
                return
            }
            out.append(UInt8(ascii: "{"))
            // Sorted as pairs: no second lookup (and hash) of each key.
            for (i, member) in o.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, indent: indent, level: level + 1)
                Self.writeString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                member.value.write(to: &out, indent: indent, level: level + 1)
            }
            Self.newline(&out, indent: indent, level: level)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], indent: Int?, level: Int) {
        guard let indent else { return }
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
    }

    /// Shortest representation that reads back to the same double; integral values keep no
    /// fraction (`2` not `2.0`), as Go's encoding/json writes them.
    static func formatDouble(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d.rounded() == d, abs(d) < 1e21 {
            if abs(d) < 9.2e18 { return String(Int64(d)) }
        }
        return "\(d)"
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// What `writeString` writes for `s`, counted.
    private static func writtenCount(_ s: String) -> Int {
        var s = s
        return s.withUTF8 { bytes in
            var count = bytes.count + 2
            for b in bytes where needsEscape(b) { count += isShortEscape(b) ? 1 : 5 }
            return count
        }
    }

    /// The bytes `writeString` escapes: `"`, `\` and control characters.
    private static func needsEscape(_ b: UInt8) -> Bool { b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") }

    /// Escaped in two bytes (`\"`, `\\`, `\n`, `\r`, `\t`); the other control characters take six (`\u00XX`).
    private static func isShortEscape(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x0A, 0x0D, 0x09: return true
        default: return false
        }
    }

    /// A JSON string: runs of bytes that need no escape are copied whole (most strings are one
    /// such run); only `"`, `\` and control characters are escaped.
    private static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var runStart = 0
            for i in bytes.indices {
                let b = bytes[i]
                guard needsEscape(b) else { continue }
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
                runStart = i + 1
                out.append(0x5C)
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(b)
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                default:
                    out.append(UInt8(ascii: "u"))
                    out.append(UInt8(ascii: "0"))
                    out.append(UInt8(ascii: "0"))
                    out.append(hex[Int(b >> 4)])
                    out.append(hex[Int(b & 0xF)])
                }
            }
            if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSONValue: CustomStringConvertible {
    public var description: String { jsonString() }
}
