import KubernetesModel

/// Port numbers and names as apimachinery checks them (`IsValidPortNum`, `IsValidPortName`, the
/// IANA_SVC_NAME rules), and int-or-string port fields (`targetPort`, a probe's `port`).
enum PortValidation {
    static func numberError(_ port: Int64) -> String? {
        (1...65535).contains(port) ? nil : "must be between 1 and 65535, inclusive"
    }

    /// IANA_SVC_NAME: at most 15 characters, a-z, 0-9 and single inner hyphens, at least one letter.
    static func nameErrors(_ name: String) -> [String] {
        var errors: [String] = []
        let bytes = Array(name.utf8)
        if bytes.count > 15 { errors.append("must be no more than 15 characters") }
        let lower = UInt8(ascii: "a")...UInt8(ascii: "z"), digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        if bytes.isEmpty || !bytes.allSatisfy({ lower.contains($0) || digits.contains($0) || $0 == UInt8(ascii: "-") }) {
            errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
        }
        if !bytes.contains(where: { lower.contains($0) }) { errors.append("must contain at least one letter (a-z)") }
        if name.contains("--") { errors.append("must not contain consecutive hyphens") }
        if bytes.first == UInt8(ascii: "-") || bytes.last == UInt8(ascii: "-") { errors.append("must not begin or end with a hyphen") }
        return errors
    }

    /// `ValidatePortNumOrName`: a number in range, or a valid port name.
    static func numberOrNameErrors(_ value: JSONValue, path: String, errors: inout FieldErrors) {
        switch value {
        case .string(let name):
            for message in nameErrors(name) { errors.invalid(path, .string(name), message) }
        case .int(let number):
            if let message = numberError(number) { errors.invalid(path, .int(number), message) }
        case .null:
            errors.invalid(path, .int(0), "must be between 1 and 65535, inclusive")
        default:
            break
        }
    }
}
