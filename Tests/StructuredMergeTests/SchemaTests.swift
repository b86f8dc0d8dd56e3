import KubernetesModel
import Testing
@testable import StructuredMerge

/// The list and map types the server derives from its definitions.
struct SchemaTests {
    enum Expected: Equatable, Sendable {
        case atomic
        case set
        case keyed([String])
    }

    /// The list node at a path of field names below a kind's root.
    static func list(_ type: ObjectType, _ path: [String]) -> TypeSchema.ListType? {
        var node = type.root
        for name in path {
            let n = type.schema[node]
            if let map = n.map, let next = map.fields[name] ?? map.elementType {
                node = next
            } else if let list = n.list, let map = type.schema[list.elementType].map, let next = map.fields[name] {
                node = next
            } else {
                return nil
            }
        }
        return type.schema[node].list
    }

    @Test(arguments: [
        ("v1", "Pod", ["spec", "containers"], Expected.keyed(["name"])),
        ("v1", "Pod", ["spec", "containers", "ports"], .keyed(["containerPort", "protocol"])),
        ("v1", "Pod", ["spec", "containers", "env"], .keyed(["name"])),
        ("v1", "Pod", ["spec", "containers", "args"], .atomic),
        ("v1", "Pod", ["spec", "containers", "volumeMounts"], .keyed(["mountPath"])),
        ("v1", "Pod", ["spec", "volumes"], .keyed(["name"])),
        ("v1", "Pod", ["spec", "tolerations"], .atomic),
        ("v1", "Pod", ["spec", "imagePullSecrets"], .keyed(["name"])),
        ("v1", "Pod", ["metadata", "finalizers"], .set),
        ("v1", "Pod", ["metadata", "ownerReferences"], .keyed(["uid"])),
        ("v1", "Service", ["spec", "ports"], .keyed(["port", "protocol"])),
        ("apps/v1", "Deployment", ["spec", "template", "spec", "containers"], .keyed(["name"])),
        ("rbac.authorization.k8s.io/v1", "ClusterRole", ["rules"], .atomic),
    ] as [(String, String, [String], Expected)])
    func listTypes(apiVersion: String, kind: String, path: [String], expected: Expected) throws {
        let list = try #require(Self.list(Fixtures.type(apiVersion, kind), path))
        let actual: Expected = list.atomic ? .atomic : (list.keys.isEmpty ? .set : .keyed(list.keys))
        #expect(actual == expected)
    }

    @Test func everyBuiltInKindIsFound() {
        let kinds = Fixtures.catalog.kinds
        for kind in ["ConfigMap", "Secret", "Deployment", "DaemonSet", "StatefulSet", "Service", "CustomResourceDefinition", "Lease", "Namespace"] {
            #expect(kinds.contains { $0.kind == kind }, "\(kind)")
        }
        #expect(Fixtures.catalog.objectType(for: GroupVersionKind(group: "x.io", version: "v1", kind: "Nope")) == nil)
        #expect(Fixtures.catalog.objectTypeOrDeduced(for: GroupVersionKind(group: "x.io", version: "v1", kind: "Nope")).isDeduced)
    }

    @Test func selectorsAreAtomicAndLabelsGranular() {
        let type = Fixtures.type("apps/v1", "Deployment")
        let spec = type.schema[type.schema[type.root].map!.fields["spec"]!].map!
        #expect(type.schema[spec.fields["selector"]!].map?.atomic == true)
        let meta = type.schema[type.schema[type.root].map!.fields["metadata"]!].map!
        #expect(type.schema[meta.fields["labels"]!].map?.atomic == false)
        #expect(type.schema[meta.fields["labels"]!].map?.elementType != nil)
    }

    @Test func badDefinitionsAreRejected() {
        #expect(throws: StructuredMergeError.self) { try SchemaCatalog(definitions: "nope") }
        #expect(throws: StructuredMergeError.self) { try SchemaCatalog(definitionsJSON: Array("{".utf8)) }
    }
}
