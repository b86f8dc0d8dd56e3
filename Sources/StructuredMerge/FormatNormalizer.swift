import KubernetesModel

/// What decoding into the server's Go types does to values with a special format: quantities
/// become their canonical text (`cpu: 0.5` is stored as `"500m"`), `byte` strings (Secret
/// `data`, ConfigMap `binaryData`) must be base64. Run it on a create / update / apply result
/// before storing it.
extension ObjectType {
    public struct FormatFailure: Sendable, Hashable, CustomStringConvertible {
        /// The field, in the form of validation messages (`spec.containers[0].resources.limits.cpu`).
        public var field: String
        public var message: String
        public var description: String { message }
    }

    /// `value` with quantities canonical; throws the first value the server could not decode.
    public func normalizingFormats(_ value: JSONValue) throws(StructuredMergeError) -> JSONValue {
        var failure: FormatFailure?
        let result = normalize(value, root, path: "", failure: &failure)
        if let failure {
            let kind = value["kind"].stringValue ?? ""
            let version = value["apiVersion"].stringValue.map { GroupVersion(apiVersion: $0).version } ?? ""
            throw .badRequest("\(kind) in version \"\(version)\" cannot be handled as a \(kind): \(failure.message)")
        }
        return result
    }

    private func normalize(_ value: JSONValue, _ type: Int, path: String, failure: inout FormatFailure?) -> JSONValue {
        if failure != nil { return value }
        let node = schema[type]
        switch node.format {
        case .quantity?:
            switch value {
            case .string, .int, .double:
                do { return .string(try Quantity.canonical(value)) } catch {
                    failure = FormatFailure(field: path, message: error.description)
                    return value
                }
            default: return value
            }
        case .byte?:
            if case .string(let s) = value, let bad = Base64.firstInvalidByte(s) {
                failure = FormatFailure(field: path, message: "illegal base64 data at input byte \(bad)")
            }
            return value
        default: break
        }
        switch (value, schema.atom(type, for: value)) {
        case (.object(let o), .map(let map)):
            var out = o
            var changed = false
            for (key, child) in o {
                guard let fieldType = map.fields[key] ?? map.elementType else { continue }
                let n = normalize(child, fieldType, path: path.isEmpty ? key : "\(path).\(key)", failure: &failure)
                if n != child {
                    out[key] = n
                    changed = true
                }
            }
            return changed ? .object(out) : value
        case (.array(let a), .list(let list)):
            var out = a
            var changed = false
            for (i, child) in a.enumerated() {
                let n = normalize(child, list.elementType, path: "\(path)[\(i)]", failure: &failure)
                if n != child {
                    out[i] = n
                    changed = true
                }
            }
            return changed ? .array(out) : value
        default:
            return value
        }
    }
}

/// Go's `base64.StdEncoding` validity check (padding required), for `format: byte` strings.
enum Base64 {
    /// The offset Go reports for the first invalid input, or nil when `s` decodes.
    static func firstInvalidByte(_ s: String) -> Int? {
        let bytes = Array(s.utf8).filter { $0 != 0x0A && $0 != 0x0D }
        func isAlphabet(_ c: UInt8) -> Bool {
            (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 43 || c == 47
        }
        var i = 0
        while i < bytes.count {
            // One quantum of four characters.
            var count = 0
            while count < 4 {
                if i >= bytes.count { return count == 0 ? nil : i - count }
                let c = bytes[i]
                if c == UInt8(ascii: "=") {
                    // Padding: only after two or three characters, and then the input ends.
                    switch count {
                    case 0, 1: return i
                    case 2:
                        if i + 1 >= bytes.count { return bytes.count }
                        if bytes[i + 1] != UInt8(ascii: "=") { return i }
                        return i + 2 < bytes.count ? i + 2 : nil
                    default:
                        return i + 1 < bytes.count ? i + 1 : nil
                    }
                }
                guard isAlphabet(c) else { return i }
                count += 1
                i += 1
            }
        }
        return nil
    }
}
