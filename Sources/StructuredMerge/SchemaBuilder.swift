import KubernetesModel

/// Turns OpenAPI schemas (the server's v2 definitions, a CRD's v3 `openAPIV3Schema`) into a
/// `TypeSchema`, following the API server's conversion (kube-openapi `schemaconv`):
/// `x-kubernetes-list-type` decides a list's kind; without it a `merge` patch strategy makes an
/// associative list keyed by the patch merge key (a set without one); otherwise lists are atomic.
struct SchemaBuilder {
    var schema = TypeSchema()
    private var definitionIndex: [String: Int] = [:]
    private var definitions: [String: JSONValue] = [:]
    private var scalarCache: [TypeSchema.Node: Int] = [:]

    static let quantityDefinition = "io.k8s.apimachinery.pkg.api.resource.Quantity"
    static let objectMetaDefinition = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

    /// Defaults of list-map key fields that the server's own schema carries but the served
    /// definitions leave out (`+default="TCP"` on ports).
    static let knownKeyDefaults: [String: [String: JSONValue]] = [
        "io.k8s.api.core.v1.ContainerPort": ["protocol": "TCP"],
        "io.k8s.api.core.v1.ServicePort": ["protocol": "TCP"],
        "io.k8s.api.core.v1.EndpointPort": ["protocol": "TCP"],
        "io.k8s.api.discovery.v1.EndpointPort": ["protocol": "TCP"],
    ]

    // MARK: OpenAPI v2 definitions

    /// Converts every definition; returns the index of each definition name.
    mutating func addDefinitions(_ defs: [String: JSONValue]) -> [String: Int] {
        definitions = defs
        for name in defs.keys.sorted() {
            definitionIndex[name] = schema.add(TypeSchema.Node())
        }
        for name in defs.keys.sorted() {
            let node = convertDefinition(name: name, defs[name]!)
            schema.nodes[definitionIndex[name]!] = node
        }
        return definitionIndex
    }

    /// Definitions whose API field named `description` is lost when a definitions document is
    /// shipped with its description texts stripped (as the recorded one is).
    static let definitionsWithDescriptionField = [".JSONSchemaProps", ".ExternalDocumentation", ".PriorityClass"]

    private mutating func convertDefinition(name: String, _ json: JSONValue) -> TypeSchema.Node {
        if name == Self.quantityDefinition {
            return TypeSchema.Node(scalar: .untyped, format: .quantity)
        }
        var json = json
        if Self.definitionsWithDescriptionField.contains(where: { name.hasSuffix($0) }), case .object = json["properties"],
           json["properties"]["description"].isNull
        {
            json.setValue(["type": "string"], at: ["properties", "description"])
        }
        var node = convertNode(json, preserveUnknown: false)
        if var map = node.map, let defaults = Self.knownKeyDefaults[name] {
            for (k, v) in defaults where map.defaults[k] == nil { map.defaults[k] = v }
            node.map = map
        }
        return node
    }

    // MARK: Nodes

    /// The index of the node for `json`, reusing definitions and identical scalars.
    mutating func ref(_ json: JSONValue, preserveUnknown: Bool) -> Int {
        if let r = json["$ref"].stringValue {
            let name = r.hasPrefix("#/definitions/") ? String(r.dropFirst("#/definitions/".count)) : r
            return definitionIndex[name] ?? TypeSchema.untypedAtomic
        }
        // A CRD's `allOf`/`anyOf`/`oneOf` carry no structure of their own in a structural schema.
        let node = convertNode(json, preserveUnknown: preserveUnknown)
        if node.list == nil, node.map == nil, !node.embeddedResource {
            if node == schema[TypeSchema.untypedAtomic] { return TypeSchema.untypedAtomic }
            if let cached = scalarCache[node] { return cached }
            let index = schema.add(node)
            scalarCache[node] = index
            return index
        }
        if node == schema[TypeSchema.deduced] { return TypeSchema.deduced }
        return schema.add(node)
    }

    mutating func convertNode(_ json: JSONValue, preserveUnknown inherited: Bool) -> TypeSchema.Node {
        let preserve = json["x-kubernetes-preserve-unknown-fields"].boolValue ?? inherited
        if json["x-kubernetes-int-or-string"].boolValue == true {
            return TypeSchema.Node(scalar: .untyped, format: .intOrString)
        }
        let type = json["type"].stringValue ?? json["type"].arrayValue?.first?.stringValue
        let embedded = json["x-kubernetes-embedded-resource"].boolValue == true
        switch type {
        case "object"?:
            if case .object = json["properties"] {
                return structNode(json, preserveUnknown: preserve, embedded: embedded)
            }
            if embedded { return structNode(json, preserveUnknown: preserve, embedded: true) }
            return mapNode(json, preserveUnknown: preserve)
        case "array"?:
            return listNode(json, preserveUnknown: preserve)
        case "string"?:
            switch json["format"].stringValue {
            case "int-or-string"?: return TypeSchema.Node(scalar: .untyped, format: .intOrString)
            case "date-time"?: return TypeSchema.Node(scalar: .untyped, format: .dateTime)
            case "byte"?: return TypeSchema.Node(scalar: .string, format: .byte)
            case nil, ""?: return TypeSchema.Node(scalar: .string)
            default: return TypeSchema.Node(scalar: .untyped)
            }
        case "integer"?, "number"?:
            return TypeSchema.Node(scalar: .numeric)
        case "boolean"?:
            return TypeSchema.Node(scalar: .boolean)
        case nil:
            if case .object = json["properties"] {
                return structNode(json, preserveUnknown: preserve, embedded: embedded)
            }
            if embedded { return structNode(json, preserveUnknown: preserve, embedded: true) }
            return preserve ? schema[TypeSchema.deduced] : schema[TypeSchema.untypedAtomic]
        default:
            return schema[TypeSchema.untypedAtomic]
        }
    }

    private mutating func structNode(_ json: JSONValue, preserveUnknown: Bool, embedded: Bool) -> TypeSchema.Node {
        var map = TypeSchema.MapType(fields: [:], defaults: [:], elementType: nil, atomic: json["x-kubernetes-map-type"].stringValue == "atomic")
        for (name, prop) in json["properties"].objectValue ?? [:] {
            map.fields[name] = ref(prop, preserveUnknown: false)
            let d = prop["default"]
            if !d.isNull { map.defaults[name] = d }
            if let strategy = prop["x-kubernetes-patch-strategy"].stringValue {
                map.patch[name] = TypeSchema.PatchInfo(strategy: strategy, mergeKey: prop["x-kubernetes-patch-merge-key"].stringValue)
            }
        }
        if embedded {
            if map.fields["apiVersion"] == nil { map.fields["apiVersion"] = ref(["type": "string"], preserveUnknown: false) }
            if map.fields["kind"] == nil { map.fields["kind"] = ref(["type": "string"], preserveUnknown: false) }
            if map.fields["metadata"] == nil {
                map.fields["metadata"] = definitionIndex[Self.objectMetaDefinition] ?? TypeSchema.deduced
            }
        }
        let additional = json["additionalProperties"]
        if case .object = additional {
            map.elementType = ref(additional, preserveUnknown: false)
        } else if additional.boolValue == true {
            map.elementType = TypeSchema.untypedAtomic
        }
        if preserveUnknown { map.elementType = TypeSchema.deduced }
        var node = TypeSchema.Node(map: map)
        node.embeddedResource = embedded
        return node
    }

    private mutating func mapNode(_ json: JSONValue, preserveUnknown: Bool) -> TypeSchema.Node {
        let additional = json["additionalProperties"]
        let element: Int
        if case .object = additional {
            element = ref(additional, preserveUnknown: false)
        } else if preserveUnknown {
            element = TypeSchema.deduced
        } else {
            element = TypeSchema.untypedAtomic
        }
        let atomic = json["x-kubernetes-map-type"].stringValue == "atomic"
        return TypeSchema.Node(map: TypeSchema.MapType(fields: [:], defaults: [:], elementType: element, atomic: atomic))
    }

    private mutating func listNode(_ json: JSONValue, preserveUnknown: Bool) -> TypeSchema.Node {
        let items = json["items"]
        let element: Int
        if case .object = items { element = ref(items, preserveUnknown: false) } else { element = TypeSchema.untypedAtomic }
        var list = TypeSchema.ListType(elementType: element, atomic: true, keys: [])
        if let listType = json["x-kubernetes-list-type"].stringValue {
            switch listType {
            case "set": list.atomic = false
            case "map":
                list.atomic = false
                list.keys = (json["x-kubernetes-list-map-keys"].arrayValue ?? []).compactMap(\.stringValue)
            default: list.atomic = true
            }
        } else if let strategy = json["x-kubernetes-patch-strategy"].stringValue,
            strategy == "merge" || strategy == "merge,retainKeys"
        {
            list.atomic = false
            if let key = json["x-kubernetes-patch-merge-key"].stringValue { list.keys = [key] }
        }
        return TypeSchema.Node(list: list)
    }

    // MARK: Grafting

    /// Copies the nodes reachable from `index` in `source` into this schema; returns the new index.
    mutating func graft(_ index: Int, from source: TypeSchema, mapping: inout [Int: Int]) -> Int {
        if index == TypeSchema.deduced || index == TypeSchema.untypedAtomic { return index }
        if let mapped = mapping[index] { return mapped }
        let newIndex = schema.add(TypeSchema.Node())
        mapping[index] = newIndex
        var node = source[index]
        if var list = node.list {
            list.elementType = graft(list.elementType, from: source, mapping: &mapping)
            node.list = list
        }
        if var map = node.map {
            for (k, v) in map.fields { map.fields[k] = graft(v, from: source, mapping: &mapping) }
            if let e = map.elementType { map.elementType = graft(e, from: source, mapping: &mapping) }
            node.map = map
        }
        schema.nodes[newIndex] = node
        return newIndex
    }

    mutating func setDefinitionIndex(_ name: String, _ index: Int) {
        definitionIndex[name] = index
    }
}
