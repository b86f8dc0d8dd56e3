import KubernetesModel

/// A typed schema in structured-merge-diff's terms: every node is an atom that may be a scalar,
/// a list and/or a map; lists are atomic or associative (a set, or a map keyed by some fields);
/// maps are granular or atomic, with declared fields and/or an element type. Nodes are stored in
/// one array and refer to each other by index, so recursive definitions cost nothing.
/// Built once per definitions document (or CRD version) and shared: it is immutable.
public struct TypeSchema: Sendable {
    public enum ScalarKind: Sendable, Hashable {
        case numeric, string, boolean, untyped
    }

    /// A string format the server treats specially.
    public enum Format: Sendable, Hashable {
        case intOrString, quantity, dateTime, byte
    }

    struct ListType: Sendable, Hashable {
        var elementType: Int
        var atomic: Bool
        /// Keys of a map-like list; empty for a set (or an atomic list).
        var keys: [String]
    }

    struct MapType: Sendable, Hashable {
        var fields: [String: Int]
        /// Defaults of fields that serve as list keys (e.g. a port's `protocol: TCP`).
        var defaults: [String: JSONValue]
        /// Type of fields not declared (additionalProperties / preserve-unknown-fields); nil: unknown fields are errors.
        var elementType: Int?
        var atomic: Bool
        /// Strategic merge patch metadata of declared fields (`x-kubernetes-patch-strategy`, `-merge-key`).
        var patch: [String: PatchInfo] = [:]
    }

    /// How a strategic merge patch treats a field.
    struct PatchInfo: Sendable, Hashable {
        /// `merge`, `replace`, `retainKeys`, `merge,retainKeys`.
        var strategy: String
        var mergeKey: String?
        var merges: Bool { strategy.split(separator: ",").contains("merge") }
        var retainsKeys: Bool { strategy.split(separator: ",").contains("retainKeys") }
        var replaces: Bool { strategy == "replace" }
    }

    struct Node: Sendable, Hashable {
        var scalar: ScalarKind?
        var list: ListType?
        var map: MapType?
        var format: Format?
        /// A CRD's `x-kubernetes-embedded-resource`.
        var embeddedResource = false
    }

    var nodes: [Node]

    /// Index of the deduced node: any scalar, lists atomic, maps granular (unknown kinds, preserve-unknown-fields).
    static let deduced = 0
    /// Index of the untyped atomic node (int-or-string, date-time, arbitrary values).
    static let untypedAtomic = 1

    init() {
        nodes = [
            Node(scalar: .untyped, list: ListType(elementType: 1, atomic: true, keys: []),
                 map: MapType(fields: [:], defaults: [:], elementType: 0, atomic: false)),
            Node(scalar: .untyped, list: ListType(elementType: 1, atomic: true, keys: []),
                 map: MapType(fields: [:], defaults: [:], elementType: 1, atomic: true)),
        ]
    }

    subscript(index: Int) -> Node { nodes[index] }

    mutating func add(_ node: Node) -> Int {
        nodes.append(node)
        return nodes.count - 1
    }

    /// The field type of `name` in a map node (declared field or element type).
    func fieldType(_ map: MapType, _ name: String) -> Int? {
        if let t = map.fields[name] { return t }
        return map.elementType
    }
}

/// The schema of one kind: the typed schema and the node of the object's root. Cheap to copy.
public struct ObjectType: Sendable {
    public let schema: TypeSchema
    public let root: Int
    /// The kind is unknown to the schema: every field is accepted, lists are atomic.
    public let isDeduced: Bool
    /// The kind's empty object as the server's Go type marshals it (built-in kinds), which a
    /// create is compared against; nil: an empty object (custom and unknown kinds).
    let zeroValue: JSONValue?

    init(schema: TypeSchema, root: Int, isDeduced: Bool = false, zeroValue: JSONValue? = nil) {
        self.schema = schema
        self.root = root
        self.isDeduced = isDeduced
        self.zeroValue = zeroValue
    }

    /// The schema of a kind nobody declared: structure deduced from the values.
    public static let deduced = ObjectType(schema: TypeSchema(), root: TypeSchema.deduced, isDeduced: true)
}
