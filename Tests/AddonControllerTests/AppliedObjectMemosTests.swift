import KubernetesModel
import TestSupport
import Testing
@testable import AddonController

/// The sorted store of a cluster's `AppliedObjectMemo`s behaves as the dictionary it replaced:
/// checked against one, through the same random insertions, changes and removals.
@Suite struct AppliedObjectMemosTests {
    /// References that differ in one part each, namespaced and not, core group and not, and two
    /// spellings of one name ("é" composed and as "e" with a combining accent: one name to
    /// `String`'s `==`, so one key, for the dictionary as for the store).
    static let references: [ObjectReference] = {
        let kinds = [GroupKind(group: "", kind: "ConfigMap"), GroupKind(group: "", kind: "Namespace"),
                     GroupKind(group: "apps", kind: "Deployment"), GroupKind(group: "apps", kind: "DaemonSet"),
                     GroupKind(group: "rbac.authorization.k8s.io", kind: "ClusterRole")]
        let namespaces: [String?] = [nil, "kube-system", "ingress", "a"]
        let names = ["a", "b", "a-b", "Z", "ingress-nginx", "x.y", "\u{E9}", "e\u{301}"]
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
            case 3 where step % 2 == 0:
                store[reference]?.verified = ("c\(step)", "addon-\(step % 3)")
                model[reference]?.verified = ("c\(step)", "addon-\(step % 3)")
            default:
                let health = ObjectHealth(reference: reference, state: step % 3 == 0 ? .healthy : .progressing, message: "m\(step)")
                store[reference]?.remember(health, at: "rv\(step % 5)")
                model[reference]?.remember(health, at: "rv\(step % 5)")
            }
            #expect(store.count == model.count)
        }
        for reference in Self.references {
            #expect(store[reference]?.fingerprint == model[reference]?.fingerprint, "\(reference)")
            #expect(store[reference]?.verified?.content == model[reference]?.verified?.content, "\(reference)")
            #expect(store[reference]?.verified?.addon == model[reference]?.verified?.addon, "\(reference)")
            for version in 0..<5 {
                let stored = store[reference]?.health(at: "rv\(version)", of: reference)
                let modelled = model[reference]?.health(at: "rv\(version)", of: reference)
                #expect(stored?.state == modelled?.state && stored?.message == modelled?.message, "\(reference) at rv\(version)")
            }
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

    /// A namespaced and a cluster-scoped object of the same kind and name are two objects; so
    /// are no namespace and a namespace set to "" after `init` (which `==` tells apart), each
    /// found again whatever the order they came in.
    @Test(arguments: [false, true])
    func theNamespaceTellsObjectsApart(emptyFirst: Bool) {
        var store = AppliedObjectMemos()
        let kind = GroupKind(group: "", kind: "ConfigMap")
        store[ObjectReference(groupKind: kind, namespace: nil, name: "a")] = AppliedObjectMemo(fingerprint: "cluster")
        store[ObjectReference(groupKind: kind, namespace: "a", name: "a")] = AppliedObjectMemo(fingerprint: "namespaced")
        #expect(store[ObjectReference(groupKind: kind, namespace: "", name: "a")]?.fingerprint == "cluster")
        #expect(store[ObjectReference(groupKind: kind, namespace: "a", name: "a")]?.fingerprint == "namespaced")
        #expect(store.count == 2)

        var empty = ObjectReference(groupKind: kind, namespace: nil, name: "b")
        empty.namespace = ""
        let none = ObjectReference(groupKind: kind, namespace: nil, name: "b")
        #expect(empty != none)
        var apart = AppliedObjectMemos()
        for (reference, fingerprint) in emptyFirst ? [(empty, "empty"), (none, "none")] : [(none, "none"), (empty, "empty")] {
            apart[reference] = AppliedObjectMemo(fingerprint: fingerprint)
        }
        #expect(apart[empty]?.fingerprint == "empty")
        #expect(apart[none]?.fingerprint == "none")
        #expect(apart.count == 2)
    }
}
