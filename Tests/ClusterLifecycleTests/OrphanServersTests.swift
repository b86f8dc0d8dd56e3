import ClusterLifecycle
import Infrastructure
import Testing

/// Orphan servers: reported when first seen, deleted only after the grace period, forgotten
/// once accounted for; listed at most every interval.
@Suite struct OrphanServersTests {
    static func server(_ id: String, _ name: String, state: ServerState = .active) -> Server {
        Server(id: id, name: name, state: state, metadata: [ServerSpec.clusterKey: "p/c1"])
    }

    @Test func foundThenExpiredAfterTheGrace() async {
        let orphans = OrphanServers(grace: .seconds(60), interval: .seconds(30))
        let start = ContinuousClock.now
        let servers = [Self.server("1", "p-m1"), Self.server("2", "p-stray"), Self.server("3", "p-going", state: .deleting)]
        let first = await orphans.listed(cluster: "p/c1", servers: servers, accountedNames: ["p-m1"], accountedIDs: [], now: start)
        #expect(first.found.map(\.id) == ["2"])
        #expect(first.expired.isEmpty)
        let waiting = await orphans.isWaiting(cluster: "p/c1")
        #expect(first.waiting && waiting)
        #expect(!(await orphans.due(cluster: "p/c1", now: start + .seconds(10))))
        #expect(await orphans.due(cluster: "p/c1", now: start + .seconds(30)))
        #expect(await orphans.due(cluster: "p/other", now: start))
        let early = await orphans.listed(cluster: "p/c1", servers: servers, accountedNames: ["p-m1"], accountedIDs: [], now: start + .seconds(30))
        #expect(early.found.isEmpty && early.expired.isEmpty)
        let late = await orphans.listed(cluster: "p/c1", servers: servers, accountedNames: ["p-m1"], accountedIDs: [], now: start + .seconds(61))
        #expect(late.expired.map(\.id) == ["2"])
        #expect(!late.waiting)
    }

    @Test func aServerAccountedForAgainStartsOverIfItIsLostAgain() async {
        let orphans = OrphanServers(grace: .seconds(60), interval: .zero)
        let start = ContinuousClock.now
        let servers = [Self.server("2", "p-late")]
        _ = await orphans.listed(cluster: "p/c1", servers: servers, accountedNames: [], accountedIDs: [], now: start)
        // Its Machine's status is written (by ID): accounted for, forgotten.
        let accounted = await orphans.listed(cluster: "p/c1", servers: servers, accountedNames: [], accountedIDs: ["2"], now: start + .seconds(30))
        #expect(accounted.found.isEmpty && accounted.expired.isEmpty)
        let again = await orphans.listed(cluster: "p/c1", servers: servers, accountedNames: [], accountedIDs: [], now: start + .seconds(70))
        #expect(again.found.map(\.id) == ["2"])
        #expect(again.expired.isEmpty)
    }

    /// Regression: a pool removed, and its Machines gone, within one interval of the last look
    /// left its server group to the idle poll (a flaky teardown test under load).
    @Test func aRemovedGroupedPoolMakesTheNextLookDueAtOnce() async {
        let orphans = OrphanServers(grace: .seconds(60), interval: .seconds(30))
        let start = ContinuousClock.now
        _ = await orphans.listed(cluster: "p/c1", servers: [], accountedNames: [], accountedIDs: [], groupedPools: ["system", "workers"], now: start)
        #expect(!(await orphans.due(cluster: "p/c1", groupedPools: ["system", "workers"], now: start + .seconds(1))))
        #expect(!(await orphans.due(cluster: "p/c1", groupedPools: ["system", "workers", "gpu"], now: start + .seconds(1))), "a pool added")
        #expect(await orphans.due(cluster: "p/c1", groupedPools: ["system"], now: start + .seconds(1)), "a pool removed")
        _ = await orphans.listed(cluster: "p/c1", servers: [], accountedNames: [], accountedIDs: [], groupedPools: ["system"], now: start + .seconds(1))
        #expect(!(await orphans.due(cluster: "p/c1", groupedPools: ["system"], now: start + .seconds(2))))
    }
}
