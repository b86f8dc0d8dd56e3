import KubernetesModel

/// The typed schemas of every built-in kind, built once from the API server's OpenAPI v2
/// definitions (`/openapi/v2`, or LocalKube's `openapi-v2-definitions.json`), and the way to
/// build a custom resource's schema from its CRD. Immutable and shared: build it once per
/// process and look kinds up per request.
public struct SchemaCatalog: Sendable {
    public let schema: TypeSchema
    private let kindIndex: [GroupVersionKind: Int]
    private let zeroValues: [Int: JSONValue]
    private let objectMetaIndex: Int?

    /// - Parameter definitions: the parsed document (with a `definitions` key) or the definitions object itself.
    public init(definitions document: JSONValue) throws(StructuredMergeError) {
        let defs: [String: JSONValue]
        if case .object(let d) = document["definitions"] {
            defs = d
        } else if case .object(let d) = document {
            defs = d
        } else {
            throw .internalError("OpenAPI definitions: expected an object, got \(document.typeName)")
        }
        var builder = SchemaBuilder()
        let indices = builder.addDefinitions(defs)
        var kinds: [GroupVersionKind: Int] = [:]
        for (name, def) in defs {
            for gvk in def["x-kubernetes-group-version-kind"].arrayValue ?? [] {
                guard let kind = gvk["kind"].stringValue, let version = gvk["version"].stringValue else { continue }
                let key = GroupVersionKind(group: gvk["group"].stringValue ?? "", version: version, kind: kind)
                // Several definitions may claim a kind (e.g. DeleteOptions in every group): keep the first by name.
                if let existing = kinds[key], existing <= indices[name]! { continue }
                kinds[key] = indices[name]!
            }
        }
        schema = builder.schema
        kindIndex = kinds
        var zeros: [Int: JSONValue] = [:]
        let names = Dictionary(indices.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        for index in Set(kinds.values) {
            if let name = names[index] { zeros[index] = ZeroValues.zeroValue(of: name, definitions: defs) }
        }
        zeroValues = zeros
        objectMetaIndex = indices[SchemaBuilder.objectMetaDefinition]
    }

    /// Reads the definitions from JSON bytes.
    public init(definitionsJSON bytes: some Collection<UInt8>) throws(StructuredMergeError) {
        let document: JSONValue
        do { document = try JSONValue.parse(bytes) } catch {
            throw .internalError("OpenAPI definitions: \(error)")
        }
        try self.init(definitions: document)
    }

    /// Every kind the definitions declare.
    public var kinds: [GroupVersionKind] { kindIndex.keys.sorted() }

    /// The schema of a built-in kind; nil when the definitions do not declare it.
    public func objectType(for gvk: GroupVersionKind) -> ObjectType? {
        guard let root = kindIndex[gvk] else { return nil }
        return ObjectType(schema: schema, root: root, zeroValue: zeroValues[root])
    }

    /// The schema of a kind, or the deduced schema for a kind nobody declared.
    public func objectTypeOrDeduced(for gvk: GroupVersionKind) -> ObjectType {
        objectType(for: gvk) ?? .deduced
    }

    /// The schema of a custom resource version from its CRD's `openAPIV3Schema`
    /// (`x-kubernetes-preserve-unknown-fields`, list and map types, int-or-string, embedded
    /// resources). `apiVersion`, `kind` and `metadata` (ObjectMeta) are declared for it, as the
    /// server does. `preserveUnknownFields` is the CRD's legacy `spec.preserveUnknownFields`.
    /// Build it once per CRD version (when the CRD changes), not per request.
    public func customResourceType(openAPIV3Schema: JSONValue?, preserveUnknownFields: Bool = false) -> ObjectType {
        var builder = SchemaBuilder()
        var metaIndex = TypeSchema.deduced
        if let objectMetaIndex {
            var mapping: [Int: Int] = [:]
            metaIndex = builder.graft(objectMetaIndex, from: schema, mapping: &mapping)
            builder.setDefinitionIndex(SchemaBuilder.objectMetaDefinition, metaIndex)
        }
        var rootJSON = openAPIV3Schema ?? ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
        if rootJSON["type"].isNull { rootJSON["type"] = "object" }
        if preserveUnknownFields { rootJSON["x-kubernetes-preserve-unknown-fields"] = true }
        var node = builder.convertNode(rootJSON, preserveUnknown: preserveUnknownFields)
        var map = node.map ?? TypeSchema.MapType(fields: [:], defaults: [:], elementType: TypeSchema.deduced, atomic: false)
        map.fields["apiVersion"] = builder.ref(["type": "string"], preserveUnknown: false)
        map.fields["kind"] = builder.ref(["type": "string"], preserveUnknown: false)
        map.fields["metadata"] = metaIndex
        map.atomic = false
        node.map = map
        let root = builder.schema.add(node)
        return ObjectType(schema: builder.schema, root: root)
    }
}
