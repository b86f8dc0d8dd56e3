import KubernetesModel
import TestSupport
import Testing
@testable import AddonController

/// The sorted store of a cluster's `AppliedObjectMemo`s behaves as the dictionary it replaced:
/// checked against one, through the same random insertions, changes and removals.
@Suite struct AppliedObjectMemosTests {
    /// References that differ in one part each, namespaced and not, core group and not, with
    /// names that sort differently by bytes and by characters.
    static let references: [ObjectReference] = {
        let kinds = [GroupKind(group: "", kind: "ConfigMap"), GroupKind(group: "", kind: "Namespace"),
                     GroupKind(group: "apps", kind: "Deployment"), GroupKind(group: "apps", kind: "DaemonSet"),
                     GroupKind(group: "rbac.authorization.k8s.io", kind: "ClusterRole")]
        let namespaces: [String?] = [nil, "kube-system", "ingress", "a"]
        let names = ["a", "b", "a-b", "Z", "ingress-nginx", "x.y", "é"]
        return kinds.flatMap { kind in namespaces.flatMap { namespace in names.map { ObjectReference(groupKind: kind, namespace: namespace, name: $0) } } }
    }()

    @Test(arguments: [1, 2, 3, 7, 42])
    func itAgreesWithADictionaryThroughRandomChanges(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var store = AppliedObjectMemos()
        var model: [ObjectReference: AppliedObjectMemo] = [:]
        for step in 0..<3000 {
            let reference = Self.references[Int(generator.next() % UInt64(Self.references.count))]
            switch generator.next() % 4 {
            case 0, 1:
                let memo = AppliedObjectMemo(fingerprint: "f\(step)")
                store[reference] = memo
                model[reference] = memo
            case 2:
                store[reference] = nil
                model[reference] = nil
            default:
                store[reference]?.verified = ("c\(step)", "addon")
                model[reference]?.verified = ("c\(step)", "addon")
            }
            #expect(store.count == model.count)
        }
        for reference in Self.references {
            #expect(store[reference]?.fingerprint == model[reference]?.fingerprint, "\(reference)")
            #expect(store[reference]?.verified?.content == model[reference]?.verified?.content, "\(reference)")
        }
    }

    @Test func aMissingReferenceIsNilAndRemovingItChangesNothing() {
        var store = AppliedObjectMemos()
        let reference = Self.references[3]
        #expect(store[reference] == nil)
        store[reference] = nil
        #expect(store.count == 0)
        store[reference] = AppliedObjectMemo(fingerprint: "f")
        store[Self.references[4]] = nil
        #expect(store.count == 1)
        #expect(store[reference]?.fingerprint == "f")
        #expect(store[Self.references[4]] == nil)
    }

    /// A namespaced and a cluster-scoped object of the same kind and name are two objects.
    @Test func theNamespaceTellsObjectsApart() {
        var store = AppliedObjectMemos()
        let kind = GroupKind(group: "", kind: "ConfigMap")
        store[ObjectReference(groupKind: kind, namespace: nil, name: "a")] = AppliedObjectMemo(fingerprint: "cluster")
        store[ObjectReference(groupKind: kind, namespace: "a", name: "a")] = AppliedObjectMemo(fingerprint: "namespaced")
        #expect(store[ObjectReference(groupKind: kind, namespace: "", name: "a")]?.fingerprint == "cluster")
        #expect(store[ObjectReference(groupKind: kind, namespace: "a", name: "a")]?.fingerprint == "namespaced")
        #expect(store.count == 2)
    }
}
