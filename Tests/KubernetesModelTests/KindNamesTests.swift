import Testing
@testable import KubernetesModel

/// Kind and group names parsed from many objects end up as one copy.
@Suite struct KindNamesTests {
    /// The address of a string's bytes (nil: not stored contiguously).
    static func storage(_ text: String) -> UnsafeRawPointer? {
        text.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
    }

    /// Two strings equal in content but parsed apart, as two answers' kinds are.
    static func parsedApart(_ text: String) -> (String, String) {
        (String(decoding: Array(text.utf8), as: UTF8.self), String(decoding: Array(text.utf8), as: UTF8.self))
    }

    @Test func aLongNameParsedTwiceIsKeptOnce() {
        let (a, b) = Self.parsedApart("ClusterRoleBinding.test-\(#line)")
        #expect(Self.storage(a) != Self.storage(b))
        let sharedA = KindNames.shared(a), sharedB = KindNames.shared(b)
        #expect(sharedA == a && sharedB == b)
        #expect(Self.storage(sharedA) == Self.storage(sharedB))
    }

    @Test func theSharedFormOfAGroupVersionKindParsedFromTwoObjectsSharesItsGroupAndKind() {
        let (apiVersion1, apiVersion2) = Self.parsedApart("rbac.authorization.k8s.io/v1")
        let (kind1, kind2) = Self.parsedApart("ClusterRoleBinding")
        let one = GroupVersionKind(apiVersion: apiVersion1, kind: kind1).shared, two = GroupVersionKind(apiVersion: apiVersion2, kind: kind2).shared
        #expect(one == two && one.group == "rbac.authorization.k8s.io" && one.version == "v1" && one.kind == "ClusterRoleBinding")
        #expect(Self.storage(one.group) == Self.storage(two.group))
        #expect(Self.storage(one.kind) == Self.storage(two.kind))
    }

    /// Short names are kept inline by String itself: they are handed back as they are.
    @Test func aShortNameIsReturnedAsItIs() {
        let (a, _) = Self.parsedApart("Deployment")
        #expect(KindNames.shared(a) == "Deployment")
        #expect(KindNames.shared("") == "")
    }
}
