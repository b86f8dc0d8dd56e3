import KubernetesModel
import Testing
@testable import AddonController

/// What a cluster's controller remembers of the objects it applied (`AppliedObjectMemo`): a
/// version found to match is remembered only for the expected fields it was compared with; a
/// health only for the version it was found at.
@Suite struct AppliedObjectMemoTests {
    static let reference = ObjectReference(groupKind: GroupKind(group: "", kind: "ConfigMap"), namespace: "demo-system", name: "base-settings")

    @Test func aNewApplyForgetsTheVerifiedVersion() async {
        let state = ClusterState(cluster: KubeObject(apiVersion: "addons.example.io/v1", kind: "Cluster", name: "c", namespace: "p"))
        await state.setExpected("fields-1", for: Self.reference)
        #expect(await state.verifiedVersion(Self.reference) == nil)
        await state.setVerified("41", fingerprint: "fields-1", for: Self.reference)
        #expect(await state.verifiedVersion(Self.reference) == "41")
        await state.setExpected("fields-2", for: Self.reference)
        #expect(await state.verifiedVersion(Self.reference) == nil, "a version verified against other fields proves nothing")
    }

    @Test func aVersionComparedWithOldFieldsIsNotRemembered() async {
        let state = ClusterState(cluster: KubeObject(apiVersion: "addons.example.io/v1", kind: "Cluster", name: "c", namespace: "p"))
        await state.setExpected("fields-2", for: Self.reference)
        // A reconcile that read the object before the new apply finishes after it.
        await state.setVerified("41", fingerprint: "fields-1", for: Self.reference)
        #expect(await state.verifiedVersion(Self.reference) == nil)
        await state.setExpected(nil, for: Self.reference)
        await state.setVerified("42", fingerprint: "fields-2", for: Self.reference)
        #expect(await state.verifiedVersion(Self.reference) == nil, "a pruned object has nothing to verify")
    }

    @Test func aHealthIsKnownOnlyAtTheVersionItWasFoundAt() async {
        let state = ClusterState(cluster: KubeObject(apiVersion: "addons.example.io/v1", kind: "Cluster", name: "c", namespace: "p"))
        let healthy = ObjectHealth(reference: Self.reference, state: .healthy, message: "exists")
        await state.setKnownHealth(healthy, at: "41", for: Self.reference)
        #expect(await state.knownHealth(Self.reference, at: "41") == nil, "not an object applied: nothing kept")
        await state.setExpected("fields-1", for: Self.reference)
        await state.setKnownHealth(healthy, at: "41", for: Self.reference)
        #expect(await state.knownHealth(Self.reference, at: "41") == healthy)
        #expect(await state.knownHealth(Self.reference, at: "42") == nil)
        await state.setExpected("fields-2", for: Self.reference)
        #expect(await state.knownHealth(Self.reference, at: "41") == nil, "applied again: found again")
    }
}
