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
    private let state = Mutex<(lists: Int, failing: Bool, restartOnce: Bool)>((0, false, false))

    init(_ objects: [KubeObject]) { self.objects = objects }

    var lists: Int { state.withLock { $0.lists } }
    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }
    func restartOnce() { state.withLock { $0.restartOnce = true } }

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
            defer { state.restartOnce = false }
            return (state.failing, state.restartOnce)
        }
        if failing { throw KubernetesError(kind: .serviceUnavailable, message: "the management plane is busy") }
        let items = objects.filter { namespace == nil || $0.namespace == namespace }
        if restart { try await page(Array(items.prefix(1)), true) }
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

    @Test func clustersStartingTogetherShareOneListAndEachGetsItsOwn() async throws {
        let server = ClusterAddonLists(Self.fleet)
        let existing = ExistingClusterAddons(client: server, namespace: nil, logger: .init(label: "test"))
        async let one = existing.take(Self.key("team-a", "one"))
        async let two = existing.take(Self.key("team-a", "two"))
        async let other = existing.take(Self.key("team-b", "one"))
        async let none = existing.take(Self.key("team-a", "three"))
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
        #expect(await existing.take(Self.key("team-a", "one")) != nil)
        #expect(await existing.take(Self.key("team-a", "one")) == nil)
        #expect(server.lists == 1)
    }

    /// After a change of shards, clusters handed over may have been written by another replica:
    /// the reading is dropped and the next start reads again.
    @Test func forgettingReadsAgain() async throws {
        let server = ClusterAddonLists(Self.fleet)
        let existing = ExistingClusterAddons(client: server, namespace: nil, logger: .init(label: "test"))
        _ = await existing.take(Self.key("team-a", "one"))
        await existing.forget()
        #expect(await existing.take(Self.key("team-a", "two"))?.mapValues(\.phase) == ["base": .healthy])
        #expect(server.lists == 2)
    }

    @Test func onlyTheStartersNamespaceIsRead() async throws {
        let server = ClusterAddonLists(Self.fleet)
        let existing = ExistingClusterAddons(client: server, namespace: "team-b", logger: .init(label: "test"))
        #expect(await existing.take(Self.key("team-b", "one"))?.mapValues(\.phase) == ["optional": .degraded])
    }

    /// A list that starts over (an expired continue token) is gathered again from its first page:
    /// nothing counted twice, nothing kept from the pages before.
    @Test func aListThatStartsOverIsGatheredAgain() async throws {
        let server = ClusterAddonLists(Self.fleet)
        server.restartOnce()
        let existing = ExistingClusterAddons(client: server, namespace: nil, logger: .init(label: "test"))
        #expect(await existing.take(Self.key("team-a", "one"))?.count == 2)
        #expect(await existing.take(Self.key("team-b", "one"))?.count == 1)
    }

    /// A failed list: each controller lists its own, the failure is logged, and the fleet's list
    /// is not tried again by every start but after `maxAge`.
    @Test func aFailedListLeavesEachClusterToListItsOwn() async throws {
        let logs = LogRecorder()
        let server = ClusterAddonLists(Self.fleet)
        server.setFailing(true)
        let existing = ExistingClusterAddons(client: server, namespace: nil, maxAge: .seconds(1), logger: logs.logger(level: .info))
        #expect(await existing.take(Self.key("team-a", "one")) == nil)
        #expect(await existing.take(Self.key("team-a", "two")) == nil)
        #expect(server.lists == 1)
        #expect(logs.entries.contains { $0.message.contains("cannot list the ClusterAddons") && "\($0.metadata["error"] ?? "")".contains("busy") })
        server.setFailing(false)
        try await Task.sleep(for: .milliseconds(1200))
        #expect(await existing.take(Self.key("team-b", "one"))?.mapValues(\.phase) == ["optional": .degraded])
        #expect(server.lists == 2)
    }

    /// A reading that served few clusters is not made again for the next one: a cluster added to
    /// a running fleet lists its own ClusterAddons, not every one of the fleet's.
    @Test func aLoneStartAfterTheFleetsStartListsItsOwn() async throws {
        let server = ClusterAddonLists(Self.fleet)
        let existing = ExistingClusterAddons(client: server, namespace: nil, maxAge: .milliseconds(100), logger: .init(label: "test"))
        #expect(await existing.take(Self.key("team-a", "one")) != nil)
        try await Task.sleep(for: .milliseconds(200))
        #expect(await existing.take(Self.key("team-a", "two")) == nil)
        #expect(server.lists == 1)
    }

    /// Many clusters served: the next start past `maxAge` makes a new reading for those still to start.
    @Test func aReadingThatServedManyIsMadeAgainWhenOld() async throws {
        var objects: [KubeObject] = []
        for index in 0..<(ExistingClusterAddons.worthReading + 2) { objects.append(Self.clusterAddon("team-a", "c\(index)", "base", phase: "Healthy")) }
        let server = ClusterAddonLists(objects)
        let existing = ExistingClusterAddons(client: server, namespace: nil, maxAge: .seconds(2), logger: .init(label: "test"))
        for index in 0..<ExistingClusterAddons.worthReading { #expect(await existing.take(Self.key("team-a", "c\(index)")) != nil) }
        #expect(server.lists == 1)
        try await Task.sleep(for: .milliseconds(2500))
        #expect(await existing.take(Self.key("team-a", "c\(ExistingClusterAddons.worthReading)"))?.count == 1)
        #expect(server.lists == 2)
    }
}
