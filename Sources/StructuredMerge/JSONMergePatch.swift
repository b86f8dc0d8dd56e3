import KubernetesModel

/// JSON merge patch (RFC 7386, `application/merge-patch+json`): objects merge key by key, `null`
/// deletes a key, anything else (lists included) replaces.
public enum JSONMergePatch {
    /// `target` patched by `patch`.
    public static func apply(_ patch: JSONValue, to target: JSONValue) throws(StructuredMergeError) -> JSONValue {
        guard case .object = patch else {
            // A non-object patch replaces the whole document; the API server rejects that for objects.
            throw .badRequest("json: cannot unmarshal \(goKind(patch)) into Go value of type map[string]interface {}")
        }
        return merge(patch, into: target)
    }

    /// Parses the request body, then applies it.
    public static func apply(body: some Collection<UInt8>, to target: JSONValue) throws(StructuredMergeError) -> JSONValue {
        let patch: JSONValue
        do { patch = try JSONValue.parse(body) } catch { throw .badRequest("error decoding patch: \(error)") }
        return try apply(patch, to: target)
    }

    static func merge(_ patch: JSONValue, into target: JSONValue) -> JSONValue {
        guard case .object(let p) = patch else { return patch }
        var result: [String: JSONValue]
        if case .object(let t) = target { result = t } else { result = [:] }
        for (key, value) in p {
            if value.isNull {
                result[key] = nil
            } else {
                result[key] = merge(value, into: result[key] ?? .null)
            }
        }
        return .object(result)
    }

    static func goKind(_ v: JSONValue) -> String {
        switch v {
        case .array: return "array"
        case .string: return "string"
        case .int, .double: return "number"
        case .bool: return "bool"
        case .null: return "null"
        case .object: return "object"
        }
    }
}
