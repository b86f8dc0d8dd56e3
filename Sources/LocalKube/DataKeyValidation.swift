import KubernetesModel

/// The keys of a ConfigMap's `data`/`binaryData` and a Secret's `data`, checked as the server
/// checks them (`data[a b]: Invalid value: "a b": a valid config key must consist of …`).
enum DataKeyValidation {
    static let keyFormat = "[-._a-zA-Z0-9]+"
    static let keyMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"

    static func causes(_ object: JSONValue, kind: String) -> [KubeStatus.Cause] {
        var causes: [KubeStatus.Cause] = []
        let data = object["data"].objectValue ?? [:]
        let binaryData = kind == "ConfigMap" ? (object["binaryData"].objectValue ?? [:]) : [:]
        for key in data.keys.sorted() {
            for message in keyErrors(key) { causes.append(invalid("data", key, message)) }
            if binaryData[key] != nil { causes.append(invalid("data", key, "duplicate of key present in binaryData")) }
        }
        for key in binaryData.keys.sorted() {
            for message in keyErrors(key) { causes.append(invalid("binaryData", key, message)) }
            if data[key] != nil { causes.append(invalid("binaryData", key, "duplicate of key present in data")) }
        }
        return causes
    }

    /// `IsConfigMapKey`.
    static func keyErrors(_ key: String) -> [String] {
        var errors: [String] = []
        if key.utf8.count > 253 { errors.append("must be no more than 253 characters") }
        let allowed = key.utf8.allSatisfy { c in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_")
        }
        if key.isEmpty || !allowed {
            errors.append("\(keyMessage) (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '\(keyFormat)')")
        }
        if key == "." {
            errors.append("must not be '.'")
        } else if key == ".." {
            errors.append("must not be '..'")
        } else if key.hasPrefix("..") {
            errors.append("must not start with '..'")
        }
        return errors
    }

    private static func invalid(_ field: String, _ key: String, _ message: String) -> KubeStatus.Cause {
        let quoted = "\"" + key.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        return .init(reason: "FieldValueInvalid", message: "Invalid value: \(quoted): \(message)", field: "\(field)[\(key)]")
    }
}
