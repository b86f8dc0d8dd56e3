import KubernetesModel

/// One version of one addon, as declared by `addons/NAME/VERSION/addon.yaml` and its templates
/// under `manifests/`. A published version is immutable: a change is a new version.
public struct AddonDefinition: Sendable {
    public var name: String
    public var version: SemanticVersion
    public var description: String
    /// Who to call (team or address).
    public var owner: String
    /// Kubernetes versions this addon version works on.
    public var supportedKubernetesVersions: VersionRange
    public var dependencies: [Dependency]
    /// The namespace the addon's namespaced objects go to when a template does not say.
    public var namespace: String
    public var valuesSchema: ValuesSchema
    public var secrets: [SecretReference]
    var healthRuleSpecs: [HealthRuleSpec]
    public var deletePolicy: DeletePolicy
    public var conflictPolicy: ConflictPolicy
    public var manifests: [ManifestTemplate] {
        didSet { compiled = CompiledTemplates(manifests) }
    }
    /// The addon.yaml path (relative to the catalog directory).
    public var file: String
    /// The addon.yaml text as written (what a published `AddonVersion` carries).
    public internal(set) var addonYAML: String = ""
    /// The parsed templates, shared by every rendering of this version.
    private(set) var compiled: CompiledTemplates

    /// Another addon this one needs, with the versions that will do.
    public struct Dependency: Sendable, Hashable {
        public var name: String
        public var versions: VersionRange
        public var line: Int
    }

    /// A template file.
    public struct ManifestTemplate: Sendable, Hashable {
        /// Path relative to the catalog directory (used in messages).
        public var file: String
        public var text: String

        public init(file: String, text: String) {
            self.file = file
            self.text = text
        }
    }

    /// The health rules as declared: targets and checks. A rule counting schedule intervals
    /// (`succeededWithinSchedules`) becomes concrete only in `RenderedAddon.healthRules`.
    public var healthRuleTargets: [ObjectReference] { healthRuleSpecs.map(\.target) }

    /// The values made of the schema's defaults.
    public var defaultValues: JSONValue { valuesSchema.defaults }

    // MARK: - Reading

    /// A definition from its texts, e.g. as published to the management plane: `addon.yaml` and
    /// the manifest templates (in apply-file order). Every problem is reported, with `file` and
    /// the templates' own file names in the messages.
    public static func parse(addonYAML: String, file: String, manifests: [ManifestTemplate]) throws(CatalogErrors) -> AddonDefinition {
        var diagnostics = Diagnostics()
        let compiled = CompiledTemplates(manifests)
        for case .failure(let errors) in compiled.results { diagnostics.add(contentsOf: errors.errors) }
        let definition = read(text: addonYAML, file: file, manifests: manifests, compiled: compiled, diagnostics: &diagnostics)
        guard let definition, diagnostics.isEmpty else { throw CatalogErrors(diagnostics.errors) }
        return definition
    }

    static let knownFields = "name, version, description, owner, kubernetesVersions, dependencies, namespace, secrets, values, health, deletePolicy, conflictPolicy"

    /// Reads `addon.yaml`; the manifests are given by the caller (the loader reads the folder).
    static func read(text: String, file: String, manifests: [ManifestTemplate], compiled: CompiledTemplates? = nil,
                     diagnostics: inout Diagnostics) -> AddonDefinition? {
        let before0 = diagnostics.errors.count
        guard let root = YAMLNode.single(text: text, file: file, diagnostics: &diagnostics), diagnostics.errors.count == before0 else { return nil }
        let before = diagnostics.errors.count
        guard var reader = FieldReader(root, what: "addon", diagnostics: &diagnostics) else { return nil }
        let name = reader.string("name", required: true, diagnostics: &diagnostics)
        var version: SemanticVersion?
        if let versionNode = reader.required("version", diagnostics: &diagnostics) {
            let text = versionNode.value.stringValue ?? versionNode.value.jsonString()
            version = SemanticVersion(text)
            if version == nil {
                diagnostics.add(.invalidVersion, file: file, line: versionNode.line, "version: \"\(text)\" is not a semantic version (MAJOR.MINOR.PATCH, as a quoted string)")
            } else if versionNode.value.stringValue == nil {
                diagnostics.add(.invalidVersion, file: file, line: versionNode.line, "version: write the version as a string (\"\(text)\")")
            }
        }
        let description = reader.string("description", required: true, diagnostics: &diagnostics)
        let owner = reader.string("owner", required: true, diagnostics: &diagnostics)
        var kubernetesVersions: VersionRange?
        if let rangeText = reader.string("kubernetesVersions", required: true, diagnostics: &diagnostics) {
            kubernetesVersions = VersionRange(rangeText)
            if kubernetesVersions == nil {
                diagnostics.add(.invalidRange, file: file, line: root.child("kubernetesVersions")?.line, "kubernetesVersions: \"\(rangeText)\" is not a version range (e.g. \">=1.28.0 <1.31.0\", \"^1.29\", \"1.30.x\")")
            }
        }
        var dependencies: [Dependency] = []
        if let depsNode = reader.optional("dependencies") {
            if case .array = depsNode.value {
                for element in depsNode.elements {
                    guard var d = FieldReader(element, what: "dependency", diagnostics: &diagnostics) else { continue }
                    let depName = d.string("name", required: true, diagnostics: &diagnostics)
                    let rangeText = d.string("versions", required: false, diagnostics: &diagnostics) ?? "*"
                    d.finish(diagnostics: &diagnostics)
                    guard let range = VersionRange(rangeText) else {
                        diagnostics.add(.invalidRange, file: file, line: element.child("versions")?.line ?? element.line, "dependency \(depName ?? "?"): \"\(rangeText)\" is not a version range")
                        continue
                    }
                    if let depName { dependencies.append(Dependency(name: depName, versions: range, line: element.line)) }
                }
            } else {
                diagnostics.add(.invalidField, file: file, line: depsNode.line, "dependencies: expected a list of {name, versions}")
            }
        }
        let namespace = reader.string("namespace", required: true, diagnostics: &diagnostics)
        if let namespace, !Self.isDNSLabel(namespace) {
            diagnostics.add(.invalidField, file: file, line: root.child("namespace")?.line, "namespace: \"\(namespace)\" is not a valid namespace name (lowercase letters, digits and '-', at most 63)")
        }
        var secrets: [SecretReference] = []
        if let secretsNode = reader.optional("secrets") {
            for element in secretsNode.elements {
                guard var s = FieldReader(element, what: "secret reference", diagnostics: &diagnostics) else { continue }
                let handle = s.string("name", required: true, diagnostics: &diagnostics)
                let secretName = s.string("secretName", required: true, diagnostics: &diagnostics)
                let keys = s.strings("keys", diagnostics: &diagnostics) ?? []
                s.finish(diagnostics: &diagnostics)
                if let handle, let secretName {
                    if secrets.contains(where: { $0.handle == handle }) {
                        diagnostics.add(.invalidField, file: file, line: element.line, "secrets: the name \"\(handle)\" is used twice")
                    }
                    secrets.append(SecretReference(handle: handle, secretName: secretName, requiredKeys: keys))
                }
            }
        }
        var schema = ValuesSchema.any
        if let valuesNode = reader.optional("values") {
            if let s = ValuesSchema.read(valuesNode, diagnostics: &diagnostics) {
                schema = s
                // Defaults must satisfy the schema (values without a default, which channels or
                // clusters must give, are not the defaults' problem).
                for problem in s.validate(s.defaults, path: "values") where !problem.hasSuffix(": required") {
                    diagnostics.add(.schemaViolation, file: file, line: valuesNode.line, "the values schema's defaults violate it: \(problem)")
                }
            }
        }
        var health: [HealthRuleSpec] = []
        if let healthNode = reader.optional("health") {
            for element in healthNode.elements {
                if let rule = HealthRuleSpec.read(element, addonNamespace: namespace, diagnostics: &diagnostics) { health.append(rule) }
            }
        }
        var deletePolicy = DeletePolicy.default
        if let policyNode = reader.optional("deletePolicy") {
            deletePolicy = DeletePolicy.read(policyNode, addonNamespace: namespace, diagnostics: &diagnostics) ?? .default
        }
        var conflictPolicy = ConflictPolicy.overwrite
        if let text = reader.string("conflictPolicy", required: false, diagnostics: &diagnostics) {
            if let p = ConflictPolicy(rawValue: text) {
                conflictPolicy = p
            } else {
                diagnostics.add(.invalidField, file: file, line: root.child("conflictPolicy")?.line, "conflictPolicy: \"\(text)\" is not one of overwrite, preserve")
            }
        }
        reader.finish(diagnostics: &diagnostics)
        guard diagnostics.errors.count == before, let name, let version, let description, let owner, let kubernetesVersions, let namespace else {
            return nil
        }
        return AddonDefinition(name: name, version: version, description: description, owner: owner,
                               supportedKubernetesVersions: kubernetesVersions, dependencies: dependencies, namespace: namespace,
                               valuesSchema: schema, secrets: secrets, healthRuleSpecs: health, deletePolicy: deletePolicy,
                               conflictPolicy: conflictPolicy, manifests: manifests, file: file, addonYAML: text,
                               compiled: compiled ?? CompiledTemplates(manifests))
    }

    static func isDNSLabel(_ s: String) -> Bool {
        guard !s.isEmpty, s.count <= 63, s.first != "-", s.last != "-" else { return false }
        return s.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
    }
}

/// What happens to an addon's objects when it is removed from a cluster.
public struct DeletePolicy: Sendable, Hashable {
    /// Kinds whose objects are left in place (data and APIs users may depend on).
    public var keepKinds: Set<GroupKind>
    /// Individual objects left in place.
    public var keepObjects: Set<ObjectReference>

    /// CRDs, PVCs and namespaces are kept.
    public static let `default` = DeletePolicy(keepKinds: [
        GroupKind(group: "apiextensions.k8s.io", kind: "CustomResourceDefinition"),
        GroupKind(group: "", kind: "PersistentVolumeClaim"),
        GroupKind(group: "", kind: "Namespace"),
    ], keepObjects: [])

    public init(keepKinds: Set<GroupKind>, keepObjects: Set<ObjectReference>) {
        self.keepKinds = keepKinds
        self.keepObjects = keepObjects
    }

    /// Whether the object stays when the addon is removed.
    public func keeps(_ object: ObjectReference) -> Bool {
        keepKinds.contains(object.groupKind) || keepObjects.contains(object)
    }

    static func read(_ node: YAMLNode, addonNamespace: String?, diagnostics: inout Diagnostics) -> DeletePolicy? {
        guard var reader = FieldReader(node, what: "deletePolicy", diagnostics: &diagnostics) else { return nil }
        var kinds = DeletePolicy.default.keepKinds
        if let list = reader.strings("keepKinds", diagnostics: &diagnostics) {
            kinds = Set(list.map { GroupKind(parsing: $0) })
        }
        var objects: Set<ObjectReference> = []
        if let objectsNode = reader.optional("keepObjects") {
            for element in objectsNode.elements {
                guard var o = FieldReader(element, what: "kept object", diagnostics: &diagnostics) else { continue }
                let apiVersion = o.string("apiVersion", required: true, diagnostics: &diagnostics)
                let kind = o.string("kind", required: true, diagnostics: &diagnostics)
                let name = o.string("name", required: true, diagnostics: &diagnostics)
                let namespace = o.string("namespace", required: false, diagnostics: &diagnostics)
                o.finish(diagnostics: &diagnostics)
                if let apiVersion, let kind, let name {
                    let gk = GroupVersionKind(apiVersion: apiVersion, kind: kind).groupKind
                    objects.insert(ObjectReference(groupKind: gk, namespace: namespace ?? (KindScopes.isClusterScoped(gk) ? nil : addonNamespace), name: name))
                }
            }
        }
        reader.finish(diagnostics: &diagnostics)
        return DeletePolicy(keepKinds: kinds, keepObjects: objects)
    }
}

/// What to do when another field manager owns a field the addon sets.
public enum ConflictPolicy: String, Sendable, Hashable {
    /// Take the fields over (server-side apply with force).
    case overwrite
    /// Leave them, report the conflict.
    case preserve
}

/// The templates of one addon version, parsed once. Immutable after creation: Stencil's nodes are
/// only read while rendering (each rendering has its own context), so sharing them between
/// concurrent renderings is safe.
final class CompiledTemplates: @unchecked Sendable {
    let results: [Result<TemplateEngine.Compiled, CatalogErrors>]

    init(_ manifests: [AddonDefinition.ManifestTemplate]) {
        results = manifests.map { TemplateEngine.compile($0) }
    }
}
