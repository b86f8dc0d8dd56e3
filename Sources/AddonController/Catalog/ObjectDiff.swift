import KubernetesModel

/// The field-level difference between an object as it runs and as a change would leave it (the
/// server's dry-run answer), as `- path: value` / `+ path: value` lines in path order. What
/// every write changes (managed fields, resource version, generation) and the status are left
/// out. Secret material never appears: a Secret's `data` and `stringData` values show only as
/// changed, added or removed.
public enum ObjectDiff {
    public static func lines(live: KubeObject?, applied: KubeObject?) -> [String] {
        let old = live.map { flatten(comparable($0)) } ?? [:]
        let new = applied.map { flatten(comparable($0)) } ?? [:]
        let isSecret = (applied ?? live)?.kind == "Secret" && (applied ?? live)?.apiVersion == "v1"
        var lines: [String] = []
        for path in Set(old.keys).union(new.keys).sorted() {
            let (before, after) = (old[path], new[path])
            guard before != after else { continue }
            if isSecret, path.hasPrefix("data.") || path.hasPrefix("stringData.") {
                switch (before, after) {
                case (_?, _?): lines.append("~ \(path): (secret value changed)")
                case (nil, _?): lines.append("+ \(path): (secret value)")
                default: lines.append("- \(path): (secret value)")
                }
                continue
            }
            if let before { lines.append("- \(path): \(before)") }
            if let after { lines.append("+ \(path): \(after)") }
        }
        return lines
    }

    static func comparable(_ object: KubeObject) -> JSONValue {
        var body = object.body
        for field in ["managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink"] {
            body.removeValue(at: ["metadata", field])
        }
        body.removeValue(at: ["status"])
        return body
    }

    /// `a.b[0].c` → the scalar's JSON text; empty objects and lists are leaves too.
    static func flatten(_ value: JSONValue, path: String = "", into result: inout [String: String]) {
        switch value {
        case .object(let members) where !members.isEmpty:
            for (key, member) in members { flatten(member, path: path.isEmpty ? key : "\(path).\(key)", into: &result) }
        case .array(let elements) where !elements.isEmpty:
            for (index, element) in elements.enumerated() { flatten(element, path: "\(path)[\(index)]", into: &result) }
        default:
            result[path] = value.jsonString()
        }
    }

    static func flatten(_ value: JSONValue) -> [String: String] {
        var result: [String: String] = [:]
        flatten(value, into: &result)
        return result
    }
}
