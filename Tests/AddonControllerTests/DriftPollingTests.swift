import AddonCatalog
@testable import AddonController
import ControllerRuntime
import KubernetesClient
import KubernetesModel
import LocalKube
import Synchronization
import Testing
import TestSupport

/// Which owned kinds are polled rather than watched (`OwnedKindPolling`): the pure rule.
struct OwnedKindPollingTests {
    static let configMap = GroupKind(group: "", kind: "ConfigMap")
    static let clusterRole = GroupKind(group: "rbac.authorization.k8s.io", kind: "ClusterRole")
    static let deployment = GroupKind(group: "apps", kind: "Deployment")
    static let custom = GroupKind(group: "example.com", kind: "Widget")

    @Test(arguments: [
        (configMap, Duration.seconds(300), Set<GroupKind>(), Informer.Following.polling(every: .seconds(300))),
        (clusterRole, .seconds(60), [], .polling(every: .seconds(60))),
        // Health reads their status: watched.
        (deployment, .seconds(300), [], .watching),
        // Anything not known to be statusless (a custom resource's conditions): watched.
        (custom, .seconds(300), [], .watching),
        // A health rule names it: watched, so that health follows it within moments.
        (configMap, .seconds(300), [configMap], .watching),
    ] as [(GroupKind, Duration, Set<GroupKind>, Informer.Following)])
    func statuslessKindsArePolledUnlessAHealthRuleNamesThem(kind: GroupKind, interval: Duration, ruleKinds: Set<GroupKind>, expected: Informer.Following) {
        #expect(OwnedKindPolling.following(kind, interval: interval, ruleKinds: ruleKinds) == expected)
    }

    @Test func withoutAnIntervalEveryKindIsWatched() {
        for kind in OwnedKindPolling.statusless {
            #expect(OwnedKindPolling.following(kind, interval: nil, ruleKinds: []) == .watching)
        }
    }
}

/// Polled kinds end to end, against LocalKube: drift is undone at the next poll; between polls,
/// the answers to the controller's own applies stand in for the cache.
@Suite(.serialized) struct DriftPollingTests {
    static func polling(every interval: Duration) -> ClusterAddonController.Options {
        var options = ControllerHarness.fastOptions
        options.driftPollInterval = interval
        return options
    }

    @Test func driftOnAPolledKindIsUndoneAtTheNextPoll() async throws {
        try await withHarness(options: Self.polling(every: .seconds(1))) { h in
            try await h.fleet.addCluster(.init(name: "polled"))
            try await h.waitForPhase("polled", "base", "Healthy")
            let cluster = try #require(await h.fleet.server.cluster(named: "polled"))
            let workload = try await h.client(for: "polled")

            var edit = KubeObject(apiVersion: "v1", kind: "ConfigMap", name: "base-settings", namespace: "demo-system")
            edit["data"] = ["greeting": "tampered"]
            _ = try await workload.apply(edit, options: ApplyOptions(fieldManager: "someone-else", force: true))
            try await h.eventually("greeting put back") {
                try await workload.get(configMapKind, name: "base-settings", namespace: "demo-system")["data"]["greeting"] == "hello"
            }
            // Again: the object now has an apply's answer standing in for the cache until a poll.
            _ = try await workload.apply(edit, options: ApplyOptions(fieldManager: "someone-else", force: true))
            try await h.eventually("greeting put back a second time") {
                try await workload.get(configMapKind, name: "base-settings", namespace: "demo-system")["data"]["greeting"] == "hello"
            }
            _ = try await workload.delete(configMapKind, name: "base-legacy", namespace: "demo-system", options: DeleteOptions())
            try await h.eventually("base-legacy re-created") { try await exists(workload, configMapKind, "base-legacy", "demo-system") }
            try await h.waitForPhase("polled", "base", "Healthy")

            // ConfigMaps are followed by short watches, one per poll; Deployments by one kept open.
            try await h.eventually("several polls of ConfigMaps") { await cluster.requestCount(verb: "watch", resource: "configmaps") >= 3 }
            #expect(await cluster.requestCount(verb: "watch", resource: "deployments") <= 2)
        }
    }

    /// With an hour between polls, an upgrade that changes a ConfigMap and adds another is
    /// Healthy at once: the apply's answers stand in for the polled cache (without them, the new
    /// ConfigMap would be missing for an hour and the changed one read back on every reconcile).
    @Test func anUpgradeOfPolledKindsIsHealthyWithoutWaitingForAPoll() async throws {
        try await withHarness(options: Self.polling(every: .seconds(3600))) { h in
            try await h.fleet.addCluster(.init(name: "answers"))
            try await h.waitForPhase("answers", "base", "Healthy")
            let cluster = try #require(await h.fleet.server.cluster(named: "answers"))
            #expect(await cluster.requestCount(verb: "watch", resource: "configmaps") == 0)
            #expect(await cluster.requestCount(verb: "watch", resource: "namespaces") == 0)
            #expect(await cluster.requestCount(verb: "watch", resource: "deployments") >= 1)

            await cluster.setRequestLogCapacity(10_000)
            try await h.updateCluster("answers") { $0["channel"] = "candidate" }
            try await h.eventually("base 1.1.0 applied and Healthy") {
                let addon = try await h.clusterAddon("answers", "base")
                return addon?.status["appliedVersion"] == "1.1.0" && addon?.status["phase"] == "Healthy"
            }
            // No poll has run: no watch of ConfigMaps yet, and the objects were not read back.
            #expect(await cluster.requestCount(verb: "watch", resource: "configmaps") == 0)
            let readBack = await cluster.requestRecords.filter { $0.verb == "get" && ["base-settings", "base-extra", "demo-system"].contains($0.name ?? "") }
            #expect(readBack.isEmpty, "\(readBack.map { "\($0.resource)/\($0.name ?? "")" })")
            let workload = try await h.client(for: "answers")
            #expect(try await exists(workload, configMapKind, "base-extra", "demo-system"))
        }
    }
}

/// `OwnedObjects` over LocalKube: what an apply's answers do for a polled kind between polls.
@Suite(.serialized) struct OwnedObjectsPollingTests {
    static let configMap = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")

    static func owned(_ name: String, _ value: String) -> KubeObject {
        var object = KubeObject(apiVersion: "v1", kind: "ConfigMap", name: name, namespace: "default")
        object.labels = [OwnershipLabels.managedByKey: OwnershipLabels.managedByValue, OwnershipLabels.addonNameKey: "demo"]
        object["data"] = ["v": .string(value)]
        return object
    }

    /// `owned.watch`, then waits until each kind's first list is in: `watch` waits 10 s at most,
    /// which a loaded run of the whole suite has exceeded (a lookup then found nothing).
    func watchSynced(_ owned: OwnedObjects, _ kinds: Set<GroupVersionKind>) async throws {
        await owned.watch(kinds)
        for kind in kinds {
            try await eventually("\(kind.kind) listed", timeout: .seconds(60)) {
                if case .notWatched = await owned.lookup(kind, namespace: "default", name: "no-such-object") { return false }
                return true
            }
        }
    }

    func withOwnedObjects(pollingEvery interval: Duration, onChange: @escaping @Sendable (String) async -> Void = { _ in },
                          _ body: (LocalKubeCluster, KubernetesClient, OwnedObjects) async throws -> Void) async throws {
        let logger = ControllerHarness.logger()
        let server = try await LocalKubeServer.start(settings: ClusterSettings(simulatesWorkloads: false), logger: logger)
        let cluster = try await server.addCluster(name: "owned")
        let client = try KubernetesClient(connection: try Kubeconfig.parse(try server.kubeconfig(for: "owned"), file: nil).connection(), logger: logger)
        let owned = OwnedObjects(client: client, logger: logger, driftPollInterval: interval, onChange: onChange)
        do {
            try await body(cluster, client, owned)
        } catch {
            await owned.stop()
            try? await client.shutdown()
            await server.shutdown()
            throw error
        }
        await owned.stop()
        try? await client.shutdown()
        await server.shutdown()
    }

    /// Between polls, the answer to an apply is what a reconcile sees of the object.
    @Test func anAnswerStandsInForThePolledCacheUntilTheNextPoll() async throws {
        let announced = Mutex(0)
        try await withOwnedObjects(pollingEvery: .seconds(3600), onChange: { _ in announced.withLock { $0 += 1 } }) { _, client, owned in
            _ = try await client.apply(Self.owned("one", "1"), options: ApplyOptions(fieldManager: "addon-manager"))
            try await watchSynced(owned, [Self.configMap])
            #expect(await owned.following[Self.configMap] == .polling(every: .seconds(3600)))
            // The first list's announcement of "one" handed on (it comes after the cache is
            // synced): announced during the apply, it would rightly make the answer unsettled
            // (read, not trusted), which is not this case.
            try await eventually("the first list announced", timeout: .seconds(60)) { announced.withLock { $0 } >= 1 }
            let mark = await owned.applyStarting()
            let answer = try await client.apply(Self.owned("one", "2"), options: ApplyOptions(fieldManager: "addon-manager"))
            let added = try await client.apply(Self.owned("two", "1"), options: ApplyOptions(fieldManager: "addon-manager"))
            await owned.applyEnded(since: mark, answered: await owned.applyAnswered(), answers: [answer, added])
            #expect(await owned.contentFingerprint(Self.configMap, namespace: "default", name: "one") == ObservedObject.contentFingerprint(of: answer))
            #expect(await owned.resourceVersion(Self.configMap, namespace: "default", name: "two") == added.resourceVersion)
            guard case .found = await owned.lookup(Self.configMap, namespace: "default", name: "two") else {
                Issue.record("an object the apply created is missing until the next poll")
                return
            }
        }
    }

    /// A kind another reconcile starts following while this apply is in flight may list before
    /// the apply lands: its cache lacks the object, and the answer must stand in for it.
    @Test func aKindFollowedDuringTheApplyStillTakesItsAnswers() async throws {
        try await withOwnedObjects(pollingEvery: .seconds(3600)) { _, client, owned in
            let mark = await owned.applyStarting()
            try await watchSynced(owned, [Self.configMap])  // listed before the apply below lands
            let created = try await client.apply(Self.owned("late", "1"), options: ApplyOptions(fieldManager: "addon-manager"))
            await owned.applyEnded(since: mark, answered: await owned.applyAnswered(), answers: [created])
            guard case .found = await owned.lookup(Self.configMap, namespace: "default", name: "late") else {
                Issue.record("an object the apply created is missing until the next poll")
                return
            }
        }
    }

    /// An answer lasts until a poll that began after it completes, whether that poll was a watch
    /// or a relist: a deletion that the server's history no longer holds (410 Gone, a relist
    /// that finds the object neither listed nor cached, so no event) is not hidden by it.
    @Test func aDeletionFoundByARelistIsNotHiddenByAnAnswer() async throws {
        try await withOwnedObjects(pollingEvery: .seconds(2)) { cluster, client, owned in
            try await watchSynced(owned, [Self.configMap])
            let mark = await owned.applyStarting()
            let created = try await client.apply(Self.owned("new", "1"), options: ApplyOptions(fieldManager: "addon-manager"))
            await owned.applyEnded(since: mark, answered: await owned.applyAnswered(), answers: [created])
            _ = try await client.delete(Self.configMap, name: "new", namespace: "default", options: DeleteOptions())
            await cluster.compactHistory()
            try await eventually("the relist's poll retired the answer", timeout: .seconds(30)) {
                if case .missing = await owned.lookup(Self.configMap, namespace: "default", name: "new") { return true }
                return false
            }
        }
    }

    /// A polled kind a health rule comes to name is watched from then on; the answers kept for
    /// it while it was polled no longer stand in for anything.
    @Test func aKindThatBecomesWatchedDropsItsAnswers() async throws {
        try await withOwnedObjects(pollingEvery: .seconds(3600)) { _, client, owned in
            _ = try await client.apply(Self.owned("one", "1"), options: ApplyOptions(fieldManager: "addon-manager"))
            try await watchSynced(owned, [Self.configMap])
            let mark = await owned.applyStarting()
            let answer = try await client.apply(Self.owned("one", "2"), options: ApplyOptions(fieldManager: "addon-manager"))
            await owned.applyEnded(since: mark, answered: await owned.applyAnswered(), answers: [answer])
            await owned.watch([Self.configMap], ruleKinds: [Self.configMap.groupKind])
            #expect(await owned.following[Self.configMap] == .watching)
            _ = try await client.delete(Self.configMap, name: "one", namespace: "default", options: DeleteOptions())
            try await eventually("the watch saw the deletion", timeout: .seconds(30)) {
                if case .missing = await owned.lookup(Self.configMap, namespace: "default", name: "one") { return true }
                return false
            }
        }
    }

    /// A change a poll delivers while an apply is in flight may be newer than the apply's
    /// answer (here a deletion right after it): the answer must not stand in for it, or the
    /// deletion would go unseen until the object changed again; until the next poll the object
    /// is read (`.notWatched`), or found missing once that poll has run.
    @Test func aChangeAPollDeliveredDuringTheApplyWinsOverItsAnswer() async throws {
        try await withOwnedObjects(pollingEvery: .milliseconds(200)) { _, client, owned in
            _ = try await client.apply(Self.owned("one", "1"), options: ApplyOptions(fieldManager: "addon-manager"))
            try await watchSynced(owned, [Self.configMap])
            let mark = await owned.applyStarting()
            let answer = try await client.apply(Self.owned("one", "2"), options: ApplyOptions(fieldManager: "addon-manager"))
            _ = try await client.delete(Self.configMap, name: "one", namespace: "default", options: DeleteOptions())
            try await eventually("a poll delivered the deletion") {
                if case .missing = await owned.lookup(Self.configMap, namespace: "default", name: "one") { return true }
                return false
            }
            await owned.applyEnded(since: mark, answered: await owned.applyAnswered(), answers: [answer])
            // Which came last is not known: the object is read until the next poll settles it.
            if case .found = await owned.lookup(Self.configMap, namespace: "default", name: "one") {
                Issue.record("the apply's answer hid a deletion a poll had delivered")
            }
            #expect(await owned.contentFingerprint(Self.configMap, namespace: "default", name: "one") == nil)
        }
    }
}
