import Foundation
import KubernetesModel
import Testing
@testable import AddonController

/// What a cluster's controller remembers between reconciles (`ClusterState`): of the objects it
/// applied (`AppliedObjectMemo`), a content found to match only for the expected fields and the
/// addon it was compared with, a health only for the version it was found at; the Cluster's
/// spec only for the Cluster object it was read from.
@Suite struct ClusterStateMemoryTests {
    static let reference = ObjectReference(groupKind: GroupKind(group: "", kind: "ConfigMap"), namespace: "demo-system", name: "base-settings")

    /// Found running the README's commands: /debug/clusters said `lastContact` at the
    /// controller's first minute for a cluster that answered all along (the probe is skipped
    /// while its watches deliver). The summary now takes the client's last answer when newer.
    @Test func lastContactIsTheNewerOfTheControllersAndTheClientsLastAnswer() async throws {
        let state = ClusterState(cluster: KubeObject(apiVersion: "addons.example.io/v1", kind: "Cluster", name: "c", namespace: "p"))
        let hourAgo = Date().addingTimeInterval(-3600)
        await state.contact(at: hourAgo)
        #expect(await state.summary.lastContact == hourAgo)
        let answered = ContinuousClock.now - .seconds(2)
        await state.readLastAnswered { answered }
        let contact = try #require(await state.summary.lastContact)
        #expect(abs(contact.timeIntervalSinceNow + 2) < 1, "\(contact)")
        await state.readLastAnswered { ContinuousClock.now - .seconds(7200) }
        #expect(await state.summary.lastContact == hourAgo)
    }

    @Test func aNewApplyForgetsTheVerifiedContent() async {
        let state = ClusterState(cluster: KubeObject(apiVersion: "addons.example.io/v1", kind: "Cluster", name: "c", namespace: "p"))
        await state.setExpected("fields-1", for: Self.reference)
        #expect(await state.verifiedContent(Self.reference, by: "base") == nil)
        await state.setVerified(content: "content-41", fingerprint: "fields-1", by: "base", for: Self.reference)
        #expect(await state.verifiedContent(Self.reference, by: "base") == "content-41")
        await state.setExpected("fields-2", for: Self.reference)
        #expect(await state.verifiedContent(Self.reference, by: "base") == nil, "a content verified against other fields proves nothing")
    }

    /// An object two addons render: each compares it with its own fields.
    @Test func aContentFoundByOneAddonProvesNothingForAnother() async {
        let state = ClusterState(cluster: KubeObject(apiVersion: "addons.example.io/v1", kind: "Cluster", name: "c", namespace: "p"))
        await state.setExpected("fields-1", for: Self.reference)
        await state.setVerified(content: "content-41", fingerprint: "fields-1", by: "base", for: Self.reference)
        #expect(await state.verifiedContent(Self.reference, by: "base") == "content-41")
        #expect(await state.verifiedContent(Self.reference, by: "dependent") == nil)
    }

    @Test func aContentComparedWithOldFieldsIsNotRemembered() async {
        let state = ClusterState(cluster: KubeObject(apiVersion: "addons.example.io/v1", kind: "Cluster", name: "c", namespace: "p"))
        await state.setExpected("fields-2", for: Self.reference)
        // A reconcile that read the object before the new apply finishes after it.
        await state.setVerified(content: "content-41", fingerprint: "fields-1", by: "base", for: Self.reference)
        #expect(await state.verifiedContent(Self.reference, by: "base") == nil)
        await state.setExpected(nil, for: Self.reference)
        await state.setVerified(content: "content-42", fingerprint: "fields-2", by: "base", for: Self.reference)
        #expect(await state.verifiedContent(Self.reference, by: "base") == nil, "a pruned object has nothing to verify")
    }

    /// What an inventory recorded (read at start) is taken only when nothing is known, and
    /// proves the content only for the addon whose inventory it is.
    @Test func whatAnInventoryRecordedIsTakenOnlyWhenNothingIsKnown() async {
        let state = ClusterState(cluster: KubeObject(apiVersion: "addons.example.io/v1", kind: "Cluster", name: "c", namespace: "p"))
        await state.adoptExpected("fields-1", content: "content-1", by: "base", for: Self.reference)
        #expect(await state.expected(Self.reference) == "fields-1")
        #expect(await state.verifiedContent(Self.reference, by: "base") == "content-1")
        #expect(await state.verifiedContent(Self.reference, by: "dependent") == nil)
        // This run's own apply is newer: an inventory read later does not replace it.
        await state.setExpected("fields-2", for: Self.reference)
        await state.adoptExpected("fields-1", content: "content-1", by: "base", for: Self.reference)
        #expect(await state.expected(Self.reference) == "fields-2")
        #expect(await state.verifiedContent(Self.reference, by: "base") == nil)
        // An inventory that recorded no content (written before contents were recorded).
        let other = ObjectReference(groupKind: GroupKind(group: "", kind: "ConfigMap"), namespace: "demo-system", name: "other")
        await state.adoptExpected("fields-3", content: nil, by: "base", for: other)
        #expect(await state.expected(other) == "fields-3")
        #expect(await state.verifiedContent(other, by: "base") == nil)
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

    /// The Cluster's spec is read once per Cluster object, and again for a newer one.
    @Test func theSpecFollowsTheClusterObject() async throws {
        var cluster = KubeObject(apiVersion: "addons.example.io/v1", kind: "Cluster", name: "c", namespace: "p")
        cluster["spec"] = ["channel": "candidate", "kubernetesVersion": "1.30.4"]
        let state = ClusterState(cluster: cluster)
        #expect(try await state.clusterAndSpec(sharedSecretNamespaces: []).spec.get().channel == "candidate")
        #expect(try await state.clusterAndSpec(sharedSecretNamespaces: []).spec.get().channel == "candidate")
        cluster["spec"] = ["channel": "stable", "kubernetesVersion": "1.30.4"]
        await state.update(cluster: cluster)
        let (object, spec) = await state.clusterAndSpec(sharedSecretNamespaces: [])
        #expect(try spec.get().channel == "stable")
        #expect(object["spec"]["channel"] == "stable")
    }

    /// `AddonsHealthy`'s `observedGeneration`: the oldest spec among the addons' latest
    /// reconciles; nothing while one of them has not been reconciled since the controller started.
    @Test func theAddonsObservedGenerationIsTheOldestOfTheirLatestReconciles() async {
        let state = ClusterState(cluster: KubeObject(apiVersion: "addons.example.io/v1", kind: "Cluster", name: "c", namespace: "p"))
        #expect(await state.reconciledGeneration(of: ["base", "dependent"]) == nil)
        await state.addonObserved("base", generation: 3)
        #expect(await state.reconciledGeneration(of: ["base", "dependent"]) == nil, "dependent not reconciled yet")
        await state.addonObserved("dependent", generation: 2)
        #expect(await state.reconciledGeneration(of: ["base", "dependent"]) == 2)
        await state.addonObserved("dependent", generation: 4)
        #expect(await state.reconciledGeneration(of: ["base", "dependent"]) == 3)
        await state.addonObserved("base", generation: nil)
        #expect(await state.reconciledGeneration(of: ["base", "dependent"]) == 3, "an object without a generation moves nothing")
        #expect(await state.reconciledGeneration(of: ["dependent"]) == 4)
    }
}
