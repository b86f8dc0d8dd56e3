import KubernetesModel

/// One kind of object the API serves: its resource name, kind, scope and what discovery says of it.
/// Built-in kinds come from `BuiltinResourceTypes`; a CustomResourceDefinition adds one per served version.
struct ResourceType: Sendable, Hashable {
    var group: String
    var version: String
    /// The plural resource name used in paths (`deployments`).
    var plural: String
    var kind: String
    var namespaced: Bool
    var verbs: [String]
    var shortNames: [String]
    var categories: [String]
    /// Served subresources (`status`).
    var subresources: [String]
    var storageVersionHash: String
    /// For custom resources: the CRD's name and its version's printer columns.
    var customResourceDefinition: String? = nil

    init(group: String, version: String, plural: String, kind: String, namespaced: Bool, verbs: [String],
         shortNames: [String], categories: [String], subresources: [String], storageVersionHash: String,
         customResourceDefinition: String? = nil) {
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.namespaced = namespaced
        self.verbs = verbs
        self.shortNames = shortNames
        self.categories = categories
        self.subresources = subresources
        self.storageVersionHash = storageVersionHash
        self.customResourceDefinition = customResourceDefinition
    }

    var groupVersion: GroupVersion { GroupVersion(group: group, version: version) }
    var apiVersion: String { groupVersion.apiVersion }
    var groupKind: GroupKind { GroupKind(group: group, kind: kind) }
    var groupVersionKind: GroupVersionKind { GroupVersionKind(group: group, version: version, kind: kind) }
    var listKind: String { kind + "List" }
    var singular: String { kind.lowercased() }
    var hasStatusSubresource: Bool { subresources.contains("status") }
    var isCustom: Bool { customResourceDefinition != nil }
    /// A review kind (TokenReview, SubjectAccessReview, ...): create only, never stored.
    var isReview: Bool { verbs == ["create"] }
    /// Storage identity: one store per group and resource (all versions share it).
    var key: ResourceKey { ResourceKey(group: group, plural: plural) }

    /// The `resources` entries this type contributes to an APIResourceList.
    var discoveryEntries: [JSONValue] {
        var main: JSONValue = [
            "name": .string(plural), "singularName": isCustom ? .string(singular) : "", "namespaced": .bool(namespaced),
            "kind": .string(kind), "verbs": .array(verbs.map(JSONValue.string)),
        ]
        if !shortNames.isEmpty { main["shortNames"] = .array(shortNames.map(JSONValue.string)) }
        if !categories.isEmpty { main["categories"] = .array(categories.map(JSONValue.string)) }
        if !storageVersionHash.isEmpty { main["storageVersionHash"] = .string(storageVersionHash) }
        var entries = [main]
        for sub in subresources {
            var entry: JSONValue = [
                "name": .string("\(plural)/\(sub)"), "singularName": "", "namespaced": .bool(namespaced),
                "kind": .string(kind), "verbs": ["get", "patch", "update"],
            ]
            if sub == "scale" {
                entry["group"] = "autoscaling"
                entry["version"] = "v1"
                entry["kind"] = "Scale"
            }
            entries.append(entry)
        }
        return entries
    }
}

/// Identity of a stored resource collection, independent of version.
struct ResourceKey: Sendable, Hashable, CustomStringConvertible {
    var group: String
    var plural: String
    var description: String { group.isEmpty ? plural : "\(plural).\(group)" }
}
