import KubernetesModel

/// The server's checks of `metadata.labels` and `metadata.annotations` keys and values, worded
/// as its validation words them (`metadata.labels: Invalid value: "-x-": a valid label must be …`).
enum LabelValidation {
    static let qualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    static let qualifiedNameMessage = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    static let labelValueFormat = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"
    static let labelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

    /// Causes for the labels and annotations of `object` (empty when they are valid).
    static func metadataCauses(_ object: JSONValue) -> [KubeStatus.Cause] {
        var causes: [KubeStatus.Cause] = []
        for (key, value) in (object["metadata"]["labels"].objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            for message in qualifiedNameErrors(key) { causes.append(invalid("metadata.labels", key, message)) }
            for message in labelValueErrors(value.stringValue ?? "") { causes.append(invalid("metadata.labels", value.stringValue ?? "", message)) }
        }
        for key in (object["metadata"]["annotations"].objectValue ?? [:]).keys.sorted() {
            for message in qualifiedNameErrors(key.lowercased()) { causes.append(invalid("metadata.annotations", key, message)) }
        }
        return causes
    }

    private static func invalid(_ field: String, _ value: String, _ message: String) -> KubeStatus.Cause {
        .init(reason: "FieldValueInvalid", message: "Invalid value: \(quote(value)): \(message)", field: field)
    }

    /// `IsQualifiedName`: an optional DNS subdomain prefix and `/`, then a name of at most 63 characters.
    static func qualifiedNameErrors(_ value: String) -> [String] {
        var errors: [String] = []
        let parts = value.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let name: String
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            name = parts[1]
            if parts[0].isEmpty {
                errors.append("prefix part must be non-empty")
            } else {
                if parts[0].utf8.count > 253 { errors.append("prefix part must be no more than 253 characters") }
                if !matchesSubdomain(parts[0]) { errors.append("prefix part " + ObjectValidation.subdomainMessage) }
            }
        default:
            return ["a qualified name " + regexError(qualifiedNameMessage, qualifiedNameFormat, ["MyName", "my.name", "123-abc"])
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errors.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            errors.append("name part must be no more than 63 characters")
        }
        if !matchesQualifiedName(name) {
            errors.append("name part " + regexError(qualifiedNameMessage, qualifiedNameFormat, ["MyName", "my.name", "123-abc"]))
        }
        return errors
    }

    /// `IsValidLabelValue`: empty, or at most 63 characters of the qualified-name alphabet.
    static func labelValueErrors(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > 63 { errors.append("must be no more than 63 characters") }
        if !value.isEmpty, !matchesQualifiedName(value) {
            errors.append(regexError(labelValueMessage, labelValueFormat, ["MyValue", "my_value", "12345"]))
        }
        return errors
    }

    private static func regexError(_ message: String, _ format: String, _ examples: [String]) -> String {
        "\(message) (e.g. \(examples.map { "'\($0)'" }.joined(separator: ",  or ")), regex used for validation is '\(format)')"
    }

    private static func isAlphanumeric(_ c: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
    }

    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
    private static func matchesQualifiedName(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let first = b.first, let last = b.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
        return b.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`
    private static func matchesSubdomain(_ s: String) -> Bool {
        s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            let b = Array(part.utf8)
            let lower = { (c: UInt8) in (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) }
            guard let first = b.first, let last = b.last, lower(first), lower(last) else { return false }
            return b.allSatisfy { lower($0) || $0 == UInt8(ascii: "-") }
        }
    }

    /// Go's `%q` for the characters label keys and values are made of.
    private static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
