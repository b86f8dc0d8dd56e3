import KubernetesModel

/// Values merging: addon-version defaults < channel values < cluster overrides.
public enum Values {
    /// `override` deep-merged over `base`: objects merge key by key, anything else (lists
    /// included) replaces.
    public static func merge(_ base: JSONValue, _ override: JSONValue) -> JSONValue {
        guard case .object(var b) = base, case .object(let o) = override else { return override }
        for (key, value) in o {
            if let existing = b[key] { b[key] = merge(existing, value) } else { b[key] = value }
        }
        return .object(b)
    }

    /// The values of one rendering, with defaults filled in, and every schema violation
    /// (`values.port: expected integer, got "abc"`).
    public static func resolve(schema: ValuesSchema, channel: JSONValue, cluster: JSONValue) -> (values: JSONValue, problems: [String]) {
        var merged = merge(merge(schema.defaults, channel.isNull ? .emptyObject : channel), cluster.isNull ? .emptyObject : cluster)
        merged = schema.applyingDefaults(to: merged) ?? merged
        return (merged, schema.validate(merged, path: "values"))
    }
}
