import ControllerRuntime
import Foundation
import KubernetesClient
import KubernetesModel
import Synchronization
import TestSupport
import Testing
@testable import AddonController

/// Serves ClusterAddons as a list, in pages of its own (a list that starts over once, when
/// asked), counting the lists; fails them when told to.
private final class ClusterAddonLists: ObjectReader, Sendable {
    let objects: [KubeObject]
    /// Before the first page: how long the list takes to begin.
    let delay: Duration
    private let state = Mutex<(lists: Int, finished: Int, cancelled: Int, namespaces: [String?], failing: Bool, restartWith: KubeObject?)>((0, 0, 0, [], false, nil))

    init(_ objects: [KubeObject], delay: Duration = .zero) {
        self.objects = objects
        self.delay = delay
    }

    var lists: Int { state.withLock { $0.lists } }
    var finishedLists: Int { state.withLock { $0.finished } }
    /// Lists whose caller gave up while they waited to begin.
    var cancelledLists: Int { state.withLock { $0.cancelled } }
    var namespacesListed: [String?] { state.withLock { $0.namespaces } }
    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }
    /// The next list hands `object` over as its first page, then starts over without it.
    func restartOnce(with object: KubeObject) { state.withLock { $0.restartWith = object } }

    func get(_ kind: GroupVersionKind, name: String, namespace: String?) async throws -> KubeObject {
        throw KubernetesError(kind: .notFound, message: "not served")
    }

    func list(_ kind: GroupVersionKind, namespace: String?, options: ListOptions) async throws -> KubeObjectList {
        throw KubernetesError(kind: .serverError, message: "only listPages is served")
    }

    func listPages(_ kind: GroupVersionKind, namespace: String?, options: ListOptions,
                   _ page: (_ items: [KubeObject], _ first: Bool) async throws -> Void) async throws -> String {
        let (failing, restart) = state.withLock { state in
            state.lists += 1
            state.namespaces.append(namespace)
            defer { state.restartWith = nil }
            return (state.failing, state.restartWith)
        }
        if delay > .zero {
            do { try await Task.sleep(for: delay) } catch {
                state.withLock { $0.cancelled += 1 }
                throw error
            }
        }
        defer { state.withLock { $0.finished += 1 } }
        if failing { throw KubernetesError(kind: .serviceUnavailable, message: "the management plane is busy") }
        let items = objects.filter { namespace == nil || $0.namespace == namespace }
        if let restart { try await page([restart], true) }
        for (index, start) in stride(from: 0, to: items.count, by: 2).enumerated() {
            try await page(Array(items[start..<min(start + 2, items.count)]), index == 0)
        }
        return "7"
    }
}

@Suite struct ExistingClusterAddonsTests {
    static func clusterAddon(_ namespace: String, _ cluster: String, _ addon: String, phase: String) -> KubeObject {
        var object = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "ClusterAddon",
                                name: ManagementKinds.clusterAddonName(cluster: cluster, addon: addon), namespace: namespace)
        object.labels = [ManagementKinds.clusterLabel: cluster, ManagementKinds.addonLabel: addon]
        object["status"] = ["phase": .string(phase)]
        return object
    }

    static let fleet = [
        clusterAddon("team-a", "one", "base", phase: "Healthy"),
        clusterAddon("team-a", "one", "dependent", phase: "Progressing"),
        clusterAddon("team-a", "two", "base", phase: "Healthy"),
        // The same cluster name in another project is another cluster.
        clusterAddon("team-b", "one", "optional", phase: "Degraded"),
    ]

    static func key(_ namespace: String, _ name: String) -> ReconcileRequest { ReconcileRequest(namespace: namespace, name: name) }

    /// Every test's clusters were taken on by this replica before any list began.
    static let owned = ContinuousClock.now

    static func take(_ existing: ExistingClusterAddons, _ namespace: String, _ name: String, ownedSince: ContinuousClock.Instant = owned) async -> ExistingClusterAddons.Statuses? {
        await existing.take(key(namespace, name), ownedSince: ownedSince)
    }

    @Test func clustersStartingTogetherShareOneListAndEachGetsItsOwn() async throws {
        let server = ClusterAddonLists(Self.fleet)
        let existing = ExistingClusterAddons(client: server, namespace: nil, logger: .init(label: "test"))
        async let one = Self.take(existing, "team-a", "one")
        async let two = Self.take(existing, "team-a", "two")
        async let other = Self.take(existing, "team-b", "one")
        async let none = Self.take(existing, "team-a", "three")
        let (a, b, c, d) = await (one, two, other, none)
        #expect(a?.mapValues(\.phase) == ["base": .healthy, "dependent": .progressing])
        #expect(b?.mapValues(\.phase) == ["base": .healthy])
        #expect(c?.mapValues(\.phase) == ["optional": .degraded])
        #expect(d == [:], "a cluster without ClusterAddons has none (not: list your own)")
        #expect(server.lists == 1)
    }

    /// A controller started again lists its own: its predecessor may have written since.
    @Test func aClusterIsServedOnceOnly() async throws {
        let server = ClusterAddonLists(Self.fleet)
        let existing = ExistingClusterAddons(client: server, namespace: nil, logger: .init(label: "test"))
        #expect(await Self.take(existing, "team-a", "one") != nil)
        #expect(await Self.take(existing, "team-a", "one") == nil)
        #expect(server.lists == 1)
    }

    /// A cluster this replica took on after the list began (handed over by another replica,
    /// which may have written its ClusterAddons until then) lists its own.
    @Test func aClusterTakenOnAfterTheListBeganListsItsOwn() async throws {
        let server = ClusterAddonLists(Self.fleet)
        let existing = ExistingClusterAddons(client: server, namespace: nil, logger: .init(label: "test"))
        #expect(await Self.take(existing, "team-a", "one") != nil)
        #expect(await Self.take(existing, "team-a", "two", ownedSince: .now) == nil)
        #expect(server.lists == 1)
    }

    @Test func onlyTheStartersNamespaceIsRead() async throws {
        let server = ClusterAddonLists(Self.fleet)
        let existing = ExistingClusterAddons(client: server, namespace: "team-b", logger: .init(label: "test"))
        #expect(await Self.take(existing, "team-b", "one")?.mapValues(\.phase) == ["optional": .degraded])
        #expect(server.namespacesListed == ["team-b"])
    }

    /// A list under way that began before a cluster was taken on does not serve it; after a
    /// change of shards (many starts expected) a new list replaces it and serves both.
    @Test func aListBegunBeforeAHandoverIsReplacedWhenManyStart() async throws {
        let server = ClusterAddonLists(Self.fleet, delay: .seconds(1))
        let existing = ExistingClusterAddons(client: server, namespace: nil, logger: .init(label: "test"))
        let first = Task { await Self.take(existing, "team-a", "one") }
        while server.lists == 0 { try await Task.sleep(for: .milliseconds(10)) }
        let handedOver = ContinuousClock.now
        #expect(await Self.take(existing, "team-a", "two", ownedSince: handedOver) == nil, "no change of shards: it lists its own")
        #expect(server.lists == 1)
        await existing.expectManyStarts()
        let later = Task { await Self.take(existing, "team-b", "one", ownedSince: handedOver) }
        #expect(await later.value?.count == 1)
        #expect(await first.value?.count == 2, "the first cluster waited on; the newer list serves it too")
        #expect(server.lists == 2)
        #expect(server.cancelledLists == 1, "the list begun too early was cancelled")
    }

    /// A list that starts over (an expired continue token) is gathered again from its first page:
    /// nothing is kept from the pages before (a ClusterAddon deleted meanwhile).
    @Test func aListThatStartsOverKeepsNothingOfTheFirstTry() async throws {
        let server = ClusterAddonLists(Self.fleet)
        server.restartOnce(with: Self.clusterAddon("team-a", "gone", "base", phase: "Healthy"))
        let existing = ExistingClusterAddons(client: server, namespace: nil, logger: .init(label: "test"))
        #expect(await Self.take(existing, "team-a", "gone") == [:])
        #expect(await Self.take(existing, "team-a", "one")?.count == 2)
    }

    /// A failed list: each controller lists its own, the failure is logged, and the fleet's list
    /// is not tried again by every start but after `maxAge`.
    @Test func aFailedListLeavesEachClusterToListItsOwn() async throws {
        let logs = LogRecorder()
        let server = ClusterAddonLists(Self.fleet)
        server.setFailing(true)
        let existing = ExistingClusterAddons(client: server, namespace: nil, maxAge: .seconds(1), logger: logs.logger(level: .info))
        #expect(await Self.take(existing, "team-a", "one") == nil)
        #expect(await Self.take(existing, "team-a", "two") == nil)
        #expect(server.lists == 1)
        #expect(logs.entries.contains { $0.message.contains("cannot list the ClusterAddons") && "\($0.metadata["error"] ?? "")".contains("busy") })
        server.setFailing(false)
        try await Task.sleep(for: .milliseconds(1300))
        #expect(await Self.take(existing, "team-b", "one")?.mapValues(\.phase) == ["optional": .degraded])
        #expect(server.lists == 2)
    }

    /// A reading that served few clusters is not made again for the next one: a cluster added to
    /// a running fleet lists its own ClusterAddons, not every one of the fleet's. After a change
    /// of shards (many starts expected) it is.
    @Test func aLoneStartAfterTheFleetsStartListsItsOwn() async throws {
        let server = ClusterAddonLists(Self.fleet)
        let existing = ExistingClusterAddons(client: server, namespace: nil, maxAge: .seconds(1), logger: .init(label: "test"))
        #expect(await Self.take(existing, "team-a", "one") != nil)
        try await Task.sleep(for: .milliseconds(1300))
        #expect(await Self.take(existing, "team-a", "two") == nil)
        #expect(server.lists == 1)
        await existing.expectManyStarts()
        #expect(await Self.take(existing, "team-b", "one")?.count == 1)
        #expect(server.lists == 2)
    }

    /// Many clusters served: the next start past `maxAge` makes a new reading for those still to start.
    @Test func aReadingThatServedManyIsMadeAgainWhenOld() async throws {
        var objects: [KubeObject] = []
        for index in 0..<(ExistingClusterAddons.worthReading + 2) { objects.append(Self.clusterAddon("team-a", "c\(index)", "base", phase: "Healthy")) }
        let server = ClusterAddonLists(objects)
        let existing = ExistingClusterAddons(client: server, namespace: nil, maxAge: .seconds(2), logger: .init(label: "test"))
        for index in 0..<ExistingClusterAddons.worthReading { #expect(await Self.take(existing, "team-a", "c\(index)") != nil) }
        #expect(server.lists == 1)
        try await Task.sleep(for: .milliseconds(2500))
        #expect(await Self.take(existing, "team-a", "c\(ExistingClusterAddons.worthReading)")?.count == 1)
        #expect(server.lists == 2)
    }

    /// A controller stopped while the list is under way stops waiting for it.
    @Test func aCancelledStartStopsWaitingForTheList() async throws {
        let server = ClusterAddonLists(Self.fleet, delay: .seconds(3))
        let existing = ExistingClusterAddons(client: server, namespace: nil, logger: .init(label: "test"))
        let waiting = Task { await Self.take(existing, "team-a", "one") }
        while server.lists == 0 { try await Task.sleep(for: .milliseconds(10)) }
        waiting.cancel()
        #expect(await waiting.value == nil)
        #expect(server.finishedLists == 0, "it waited for the list to end")
    }

    /// Closed (the starter stops): the list is cancelled, its waiters told to list their own, no
    /// new list begins.
    @Test func closingEndsTheWaitAndTheReadings() async throws {
        let server = ClusterAddonLists(Self.fleet, delay: .seconds(3))
        let existing = ExistingClusterAddons(client: server, namespace: nil, logger: .init(label: "test"))
        let waiting = Task { await Self.take(existing, "team-a", "one") }
        while server.lists == 0 { try await Task.sleep(for: .milliseconds(10)) }
        await existing.close()
        #expect(await waiting.value == nil)
        while server.finishedLists + server.cancelledLists == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.cancelledLists == 1, "the list under way is cancelled")
        await existing.expectManyStarts()
        #expect(await Self.take(existing, "team-a", "two") == nil)
        #expect(server.lists == 1)
    }
}
