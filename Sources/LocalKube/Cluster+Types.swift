import KubernetesModel

extension LocalKubeCluster {
    /// The type served at `group/version/plural`, built-in or custom.
    func resourceType(group: String, version: String, plural: String) -> ResourceType? {
        if let t = BuiltinResourceTypes.byGroupVersionPlural["\(group)/\(version)/\(plural)"] { return t }
        return customTypes.first { $0.group == group && $0.version == version && $0.plural == plural }
    }

    /// The type of a resource key (any served version).
    func resourceType(key: ResourceKey) -> ResourceType? {
        BuiltinResourceTypes.byKey[key] ?? customTypes.first { $0.key == key }
    }

    /// Every served type, built-in first.
    var allTypes: [ResourceType] { BuiltinResourceTypes.all + customTypes }

    /// Whether objects of this type carry `metadata.generation`.
    func tracksGeneration(_ type: ResourceType) -> Bool {
        type.isCustom || BuiltinResourceTypes.kindsWithGeneration.contains(type.groupKind)
    }
}
