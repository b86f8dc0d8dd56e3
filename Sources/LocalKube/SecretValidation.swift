import Foundation
import KubernetesModel

/// The total size of a Secret's data and the keys each Secret `type` requires, as the server's
/// `ValidateSecret` checks them (with its field paths, including the `data[%s][username]` it
/// writes for basic-auth and ssh-auth).
enum SecretValidation {
    static let maxSize = 1024 * 1024

    static func errors(_ secret: JSONValue) -> FieldErrors {
        var errors = FieldErrors()
        // stringData is merged into data before the server validates.
        var data = secret["data"].objectValue ?? [:]
        for (key, value) in secret["stringData"].objectValue ?? [:] {
            data[key] = .string(Data((value.stringValue ?? "").utf8).base64EncodedString())
        }
        func bytes(_ key: String) -> Data? {
            guard let value = data[key] else { return nil }
            return Data(base64Encoded: value.stringValue ?? "") ?? Data()
        }
        // The decoded values together may not exceed 1 MiB (`core.MaxSecretSize`).
        if data.keys.reduce(0, { $0 + (bytes($1)?.count ?? 0) }) > maxSize {
            errors.tooLong("data", maxBytes: maxSize)
        }
        switch secret["type"].stringValue ?? "Opaque" {
        case "kubernetes.io/service-account-token":
            if (secret["metadata"]["annotations"]["kubernetes.io/service-account.name"].stringValue ?? "").isEmpty {
                errors.required("metadata.annotations[kubernetes.io/service-account.name]")
            }
        case "kubernetes.io/dockercfg":
            dockerConfig(bytes(".dockercfg"), key: ".dockercfg", errors: &errors)
        case "kubernetes.io/dockerconfigjson":
            dockerConfig(bytes(".dockerconfigjson"), key: ".dockerconfigjson", errors: &errors)
        case "kubernetes.io/basic-auth":
            if data["username"] == nil && data["password"] == nil {
                errors.required("data[%s][username]")
                errors.required("data[%s][password]")
            }
        case "kubernetes.io/ssh-auth":
            if (bytes("ssh-privatekey") ?? Data()).isEmpty { errors.required("data[%s][ssh-privatekey]") }
        case "kubernetes.io/tls":
            if data["tls.crt"] == nil { errors.required("data[tls.crt]") }
            if data["tls.key"] == nil { errors.required("data[tls.key]") }
        default:
            break
        }
        return errors
    }

    /// Present, and a JSON object (the server answers with encoding/json's error text).
    private static func dockerConfig(_ content: Data?, key: String, errors: inout FieldErrors) {
        guard let content else {
            errors.required("data[\(key)]")
            return
        }
        if let message = GoJSONDecodeError.objectError(Array(content)) {
            errors.invalid("data[\(key)]", .string("<secret contents redacted>"), message)
        }
    }
}

/// encoding/json's error for decoding bytes into `map[string]interface{}`, for the common cases.
enum GoJSONDecodeError {
    static func objectError(_ bytes: [UInt8]) -> String? {
        guard let first = bytes.first(where: { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }) else {
            return "unexpected end of JSON input"
        }
        let starts: [UInt8] = Array("{[\"-0123456789tfn".utf8)
        if !starts.contains(first) {
            return "invalid character \(goCharacter(first)) looking for beginning of value"
        }
        if let literal = ["t": "true", "f": "false", "n": "null"][Character(UnicodeScalar(first))] {
            let start = bytes.firstIndex(of: first)!
            for (offset, expected) in Array(literal.utf8).enumerated().dropFirst() {
                let index = start + offset
                guard index < bytes.count else { return "unexpected end of JSON input" }
                if bytes[index] != expected {
                    return "invalid character \(goCharacter(bytes[index])) in literal \(literal) (expecting \(goCharacter(expected)))"
                }
            }
        }
        guard let value = try? JSONValue.parse(bytes) else {
            return "unexpected end of JSON input"
        }
        switch value {
        case .object, .null: return nil
        case .array: return "json: cannot unmarshal array into Go value of type map[string]interface {}"
        case .string: return "json: cannot unmarshal string into Go value of type map[string]interface {}"
        case .bool: return "json: cannot unmarshal bool into Go value of type map[string]interface {}"
        case .int, .double: return "json: cannot unmarshal number into Go value of type map[string]interface {}"
        }
    }

    /// `'x'` as encoding/json quotes an offending byte.
    private static func goCharacter(_ c: UInt8) -> String {
        if c == UInt8(ascii: "'") { return "'\\''" }
        if c == UInt8(ascii: "\"") { return "'\"'" }
        if c < 0x20 || c >= 0x7F { return "'\\x" + String(c, radix: 16) + "'" }
        return "'\(Character(UnicodeScalar(c)))'"
    }
}
