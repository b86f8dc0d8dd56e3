import KubernetesModel

/// The schemas nested in a JSON schema node, as apiextensions' `SchemaHas` visits them: `items`,
/// `additionalProperties`, `additionalItems`, `not`, each of `allOf`/`anyOf`/`oneOf`, and the
/// values of `properties`, `patternProperties` and `definitions`. One list for the walks that
/// look for or change something anywhere in a CRD schema.
enum SchemaChildren {
    private static let single = ["items", "additionalProperties", "additionalItems", "not"]
    private static let lists = ["allOf", "anyOf", "oneOf"]
    private static let maps = ["properties", "patternProperties", "definitions"]

    /// Whether `node` or any schema nested in it satisfies `test`.
    static func anywhere(_ node: JSONValue, _ test: (JSONValue) -> Bool) -> Bool {
        guard case .object(let o) = node else { return false }
        if test(node) { return true }
        for key in single where anywhere(o[key] ?? .null, test) { return true }
        for key in lists where (o[key]?.arrayValue ?? []).contains(where: { anywhere($0, test) }) { return true }
        for key in maps where (o[key]?.objectValue ?? [:]).values.contains(where: { anywhere($0, test) }) { return true }
        return false
    }

    /// Applies `change` to `node` and to every schema nested in it.
    static func changeEverywhere(_ node: inout JSONValue, _ change: (inout [String: JSONValue]) -> Void) {
        guard case .object(var o) = node else { return }
        change(&o)
        for key in single { if var child = o[key] { changeEverywhere(&child, change); o[key] = child } }
        for key in lists {
            if case .array(var list)? = o[key] {
                for i in list.indices { changeEverywhere(&list[i], change) }
                o[key] = .array(list)
            }
        }
        for key in maps {
            if case .object(var map)? = o[key] {
                for name in Array(map.keys) { if var child = map[name] { changeEverywhere(&child, change); map[name] = child } }
                o[key] = .object(map)
            }
        }
        node = .object(o)
    }
}
