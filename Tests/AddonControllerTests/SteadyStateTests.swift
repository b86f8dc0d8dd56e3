import AddonCatalog
import AddonController
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import TestSupport
import Testing

@Suite(.serialized) struct SteadyStateTests {
    /// A harness whose controllers resync every `period`, with one cluster whose base addon is Healthy.
    static func withHealthyCluster(_ name: String, resyncEvery period: Duration,
                                   _ body: (ControllerHarness, LocalKubeCluster) async throws -> Void) async throws {
        var options = ControllerHarness.fastOptions
        options.resyncPeriod = period
        try await withHarness(options: options) { h in
            let cluster = try await h.fleet.addCluster(.init(name: name))
            try await h.waitForPhase(name, "base", "Healthy")
            try await body(h, cluster)
        }
    }

    @Test func aNoChangeResyncSendsZeroWritesToEitherAPI() async throws {
        try await Self.withHealthyCluster("idle", resyncEvery: .milliseconds(500)) { h, cluster in
            try await h.waitForPhase("idle", "dependent", "Healthy")
            let management = try #require(h.fleet.server.cluster(named: "management"))
            // Let the last status writes land (a whole second without a write to either), then
            // count from zero across several resyncs.
            try await Self.settled([cluster, management])
            // Counted by the reconciler itself (the reachability probe moves lastReconcile, not this).
            let before = try #require(await h.starter.controllers().values.first?.summary?.addonReconciles)
            try await h.eventually("two resyncs of both addons happened") {
                guard let now = await h.starter.controllers().values.first?.summary?.addonReconciles else { return false }
                return now >= before + 4
            }
            #expect(await cluster.writeCount() == 0)
            #expect(await management.writeCount() == 0)
        }
    }

    /// Resyncs remember the content of each object they found intact (and the version its health
    /// was found at) and skip reading it again while the watch cache holds that content; an edit
    /// makes a new content, which is read, a status change a new version, whose health is found
    /// again — however many resyncs remembered the old ones.
    @Test func driftAndHealthAfterManyResyncsAreStillSeen() async throws {
        try await Self.withHealthyCluster("memo", resyncEvery: .milliseconds(300)) { h, cluster in
            let before = try #require(await h.starter.controllers().values.first?.summary?.addonReconciles)
            try await h.eventually("several resyncs") {
                (await h.starter.controllers().values.first?.summary?.addonReconciles ?? 0) >= before + 6
            }
            let workload = try await h.client(for: "memo")
            let configMap = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
            var edit = KubeObject(apiVersion: "v1", kind: "ConfigMap", name: "base-settings", namespace: "demo-system")
            edit["data"] = ["greeting": "tampered"]
            _ = try await workload.apply(edit, options: ApplyOptions(fieldManager: "someone-else", force: true))
            try await h.eventually("greeting put back") {
                try await workload.get(configMap, name: "base-settings", namespace: "demo-system")["data"]["greeting"] == "hello"
            }
            // A workload's status changes (a new version of it): its health is found again.
            await cluster.setWorkloadsFailing(true)
            try await h.waitForPhase("memo", "base", "Degraded")
            await cluster.setWorkloadsFailing(false)
            try await h.waitForPhase("memo", "base", "Healthy")
        }
    }

    /// The caches keep what health reads and a fingerprint of the rest (`ObservedObject`): a
    /// workload's status changing back and forth is judged from the cache, and the drift check
    /// reads nothing (the object's content, all but its status, did not change).
    @Test func statusChangesAreJudgedWithoutReadingTheObjects() async throws {
        try await Self.withHealthyCluster("status", resyncEvery: .seconds(60)) { h, cluster in
            try await h.waitForPhase("status", "dependent", "Healthy")
            try await Self.settled([cluster])
            let reads = await cluster.requestCount(verb: "get") - cluster.requestCount(verb: "get", resource: "/version")
            await cluster.setWorkloadsFailing(true)
            try await h.waitForPhase("status", "base", "Degraded")
            await cluster.setWorkloadsFailing(false)
            try await h.waitForPhase("status", "base", "Healthy")
            try await h.waitForPhase("status", "dependent", "Healthy")
            #expect(await cluster.requestCount(verb: "get") - cluster.requestCount(verb: "get", resource: "/version") == reads)
            #expect(await cluster.writeCount() == 0, "nothing applied again")
        }
    }

    /// An install reads no ClusterAddon back (the controller lists them once at start), and
    /// the Cluster's condition is written once per burst of addon changes, not once per change.
    @Test func anInstallReadsNoClusterAddonsAndCoalescesClusterStatusWrites() async throws {
        var options = ControllerHarness.fastOptions
        options.clusterReportDelay = .seconds(3)
        try await withHarness(options: options) { h in
            let management = try #require(h.fleet.server.cluster(named: "management"))
            try await h.fleet.addCluster(.init(name: "quick"))
            // Watched in the controller's memory: the harness's own helpers GET ClusterAddons.
            try await h.eventually("both addons Healthy") {
                let phases = await h.starter.controllers().first { $0.key.name == "quick" }?.value.summary?.phases
                return phases?["base"] == .healthy && phases?["dependent"] == .healthy
            }
            try await h.eventually("AddonsHealthy") {
                let cluster = try await h.management.get(ManagementKinds.cluster, name: "quick", namespace: "dev")
                return (cluster.status["conditions"].arrayValue ?? []).contains { $0["type"] == "AddonsHealthy" && $0["status"] == "True" }
            }
            #expect(await management.requestCount(verb: "get", resource: "clusteraddons") == 0)
            // Four phase changes (two addons, Progressing then Healthy), usually within one delay;
            // on a loaded machine they may spread over two delays. One write per change (4 or
            // more) is what coalescing prevents.
            let writes = await management.requestCount(verb: "patch", resource: "clusters/status")
            #expect((1...3).contains(writes), "\(writes) Cluster status writes for 4 phase changes")
        }
    }

    /// Regression: re-applying a Secret with stringData moves its managedFields time (a new
    /// resourceVersion, a watch event); a cache not yet caught up with our own apply used to
    /// look like drift, so every addon with such a Secret was applied again about once a second.
    @Test func anIdleAddonWithAStringDataSecretIsNotAppliedAgain() async throws {
        try await withHarness { h in
            let cluster = try await h.fleet.addCluster(.init(name: "quiet", addons: [["name": "optional", "enabled": true]]))
            try await h.waitForPhase("quiet", "optional", "Healthy")
            try await h.waitForPhase("quiet", "base", "Healthy")
            try await h.waitForPhase("quiet", "dependent", "Healthy")
            try await Self.settled([cluster])
            try await Task.sleep(for: .milliseconds(2500))  // the window in which nothing may be written
            #expect(await cluster.writeCount() == 0)
        }
    }

    /// Regression: a manager started again over a converged cluster applied again every addon
    /// holding a field the server drops (the optional addon's CronJob `timeZone`: the server's
    /// CronJobTimeZone gate is off), since it compared the live object with the rendered one.
    /// It now compares with the fingerprint the inventory recorded from the apply's answer; and
    /// an object whose content the watch cache holds as that answer had it is not even read.
    @Test func aRestartedManagerAppliesNothingWhereTheServerDroppedAField() async throws {
        try await withHarness { h in
            let cluster = try await h.fleet.addCluster(.init(name: "again", addons: [["name": "optional", "enabled": true]]))
            for addon in ["base", "dependent", "optional"] { try await h.waitForPhase("again", addon, "Healthy") }
            let workload = try await h.client(for: "again")
            let cronJob = try await workload.get(GroupVersionKind(group: "batch", version: "v1", kind: "CronJob"), name: "optional-job", namespace: "optional-system")
            #expect(cronJob["spec"]["timeZone"].isNull, "the server dropped it")
            try await Self.settled([cluster])

            // The manager stops; another starts with nothing in memory.
            h.runner.cancel()
            await h.runner.value
            let writes = await cluster.writeCount()
            let reads = await Self.reads(of: ["cronjobs", "deployments", "namespaces"], in: cluster)
            let (starter, restarted) = try Self.startAnotherManager(h)
            defer { restarted.cancel() }
            try await h.eventually("every addon reconciled by the new manager") {
                (await starter.controllers().values.first?.summary?.addonReconciles ?? 0) >= 3
            }
            try await Task.sleep(for: .milliseconds(1500))
            #expect(await cluster.writeCount() == writes, "the restarted manager wrote to the cluster")
            // Five objects of these kinds (a CronJob, two Deployments, two Namespaces): without the
            // recorded contents each is read once. (An object whose watch cache has not synced
            // when its check runs is read too, as it should be: seen once in a loaded run.)
            let readsAfter = await Self.reads(of: ["cronjobs", "deployments", "namespaces"], in: cluster)
            let newReads = zip(readsAfter, reads).map { $0 - $1 }.reduce(0, +)
            #expect(newReads <= 1, "unchanged objects were read again: cronjobs, deployments, namespaces \(reads) → \(readsAfter)")
            restarted.cancel()
            await restarted.value
        }
    }

    /// What changed while no manager ran is put back by the next one: the recorded content no
    /// longer matches, the object is read and compared with the recorded fields.
    @Test func aRestartedManagerRepairsWhatChangedWhileNoneRan() async throws {
        try await withHarness { h in
            let cluster = try await h.fleet.addCluster(.init(name: "edited", addons: [["name": "optional", "enabled": true]]))
            for addon in ["base", "dependent", "optional"] { try await h.waitForPhase("edited", addon, "Healthy") }
            try await Self.settled([cluster])
            h.runner.cancel()
            await h.runner.value
            let workload = try await h.client(for: "edited")
            let cronJobs = GroupVersionKind(group: "batch", version: "v1", kind: "CronJob")
            var edit = KubeObject(apiVersion: "batch/v1", kind: "CronJob", name: "optional-job", namespace: "optional-system")
            edit["spec"] = ["schedule": "0 0 * * *"]
            _ = try await workload.apply(edit, options: ApplyOptions(fieldManager: "someone-else", force: true))
            #expect(try await workload.get(cronJobs, name: "optional-job", namespace: "optional-system")["spec"]["schedule"] == "0 0 * * *")

            let (_, restarted) = try Self.startAnotherManager(h)
            defer { restarted.cancel() }
            try await h.eventually("the schedule put back") {
                try await workload.get(cronJobs, name: "optional-job", namespace: "optional-system")["spec"]["schedule"] == "*/5 * * * *"
            }
            restarted.cancel()
            await restarted.value
        }
    }

    /// The hash in an addon's status and inventory is keyed (`ContentHashKey`): a manager with
    /// another key (the stored one deleted) finds no hash matching, applies each addon once
    /// more, and records hashes of its own key; the content is unchanged.
    @Test func aManagerWithAnotherHashKeyAppliesEachAddonOnceMore() async throws {
        try await withHarness { h in
            let cluster = try await h.fleet.addCluster(.init(name: "rekeyed"))
            for addon in ["base", "dependent"] { try await h.waitForPhase("rekeyed", addon, "Healthy") }
            try await Self.settled([cluster])
            let before = try await Self.appliedHashes(h, cluster: "rekeyed", addons: ["base", "dependent"])
            h.runner.cancel()
            await h.runner.value
            let applies = await cluster.requestCount(verb: "patch", resource: "deployments")

            let (_, restarted) = try Self.startAnotherManager(h, hashKey: .random())
            defer { restarted.cancel() }
            try await h.eventually("both addons applied again, with hashes of the new key") {
                let after = try await Self.appliedHashes(h, cluster: "rekeyed", addons: ["base", "dependent"])
                return zip(before, after).allSatisfy { $0 != $1 && $1 != nil }
            }
            #expect(await cluster.requestCount(verb: "patch", resource: "deployments") > applies)
            for addon in ["base", "dependent"] { try await h.waitForPhase("rekeyed", addon, "Healthy") }
            let workload = try await h.client(for: "rekeyed")
            for (addon, hash) in zip(["base", "dependent"], try await Self.appliedHashes(h, cluster: "rekeyed", addons: ["base", "dependent"])) {
                let inventory = try await workload.get(ManagementKinds.configMap, name: InventoryStore.parentName(addon: addon), namespace: InventoryStore.namespace)
                #expect(inventory["data"]["hash"].stringValue == hash, "\(addon): the inventory records the status's hash")
            }
            restarted.cancel()
            await restarted.value
        }
    }

    static func appliedHashes(_ h: ControllerHarness, cluster: String, addons: [String]) async throws -> [String?] {
        var hashes: [String?] = []
        for addon in addons {
            let object = try await h.management.get(ManagementKinds.clusterAddon, name: ManagementKinds.clusterAddonName(cluster: cluster, addon: addon), namespace: "dev")
            hashes.append(object.status["lastAppliedHash"].stringValue)
        }
        return hashes
    }

    /// Another manager over the harness's fleet, with nothing in memory (the harness's own
    /// controllers stopped first), as a restart would start.
    static func startAnotherManager(_ h: ControllerHarness, hashKey: ContentHashKey = .processDefault) throws -> (ControllerStarter, Task<Void, Never>) {
        var options = ControllerStarter.Options()
        options.cluster = ControllerHarness.fastOptions
        options.cluster.contentHashKey = hashKey
        options.kubeconfigPolicy = .inlineOnly
        let starter = ControllerStarter(management: h.fleet.management, catalog: LoadedCatalog(catalog: try Catalog.load(directory: ControllerHarness.fixtureCatalog)),
                                        options: options, logger: ControllerHarness.logger())
        return (starter, Task { await starter.run() })
    }

    static func reads(of resources: [String], in cluster: LocalKubeCluster) async -> [Int] {
        var counts: [Int] = []
        for resource in resources { counts.append(await cluster.requestCount(verb: "get", resource: resource)) }
        return counts
    }

    /// An idle cluster's watches send only bookmarks, which the watches hold without waking a
    /// task (`WatchOptions.holdBookmarks`); they still count as the cluster answering, so the
    /// reachability probe does not ask it (`GET /version`) while they arrive. (Had the probe read
    /// only what tasks saw, it would have asked about once a second here.)
    @Test func aClusterWhoseWatchesSendBookmarksIsNotProbed() async throws {
        // Six probe intervals. (A loaded machine may delay a bookmark past one of them.)
        let probes = try await Self.probes(bookmarkEvery: .milliseconds(100), tick: .seconds(1), allowance: .seconds(1), over: .seconds(6))
        #expect(probes <= 2, "the probe asked \(probes) times in 6 s while bookmarks arrived every 100 ms")
    }

    /// The probe's silence allowance: bookmarks a second apart leave most 300 ms ticks silent,
    /// which the probe before `probeAfterSilence` answered with a `GET /version` each (and a
    /// real cluster's watches, bookmarking together once a minute, leave most 15 s ticks
    /// silent). Within the allowance, none is sent.
    @Test func aClusterSilentForLessThanTheAllowanceIsNotProbed() async throws {
        let probes = try await Self.probes(bookmarkEvery: .seconds(1), tick: .milliseconds(300), allowance: .seconds(3), over: .seconds(5))
        // A loaded machine may starve LocalKube's bookmark timer past the allowance once.
        #expect(probes <= 1, "the probe asked \(probes) times in 5 s while bookmarks came every second")
    }

    /// How many times the probe asked a Healthy, idle cluster whose watches bookmark at the
    /// given pace, over the given time.
    static func probes(bookmarkEvery: Duration, tick: Duration, allowance: Duration, over window: Duration) async throws -> Int {
        var options = ControllerHarness.fastOptions
        options.probeInterval = tick
        options.probeAfterSilence = allowance
        var probes = 0
        try await withHarness(options: options) { h in
            let settings = ClusterSettings(initialNodes: 2, readinessDelay: .milliseconds(100), bookmarkInterval: bookmarkEvery)
            let cluster = try await h.fleet.addCluster(.init(name: "idle", settings: settings))
            try await h.waitForPhase("idle", "base", "Healthy")
            try await Task.sleep(for: .seconds(1))
            let before = await cluster.requestCount(verb: "get", resource: "/version")
            try await Task.sleep(for: window)
            probes = await cluster.requestCount(verb: "get", resource: "/version") - before
            #expect(await cluster.requestCount(verb: "watch") > 0)
        }
        return probes
    }

    @Test func oneUnreachableClusterDoesNotDelayTheOthers() async throws {
        try await withHarness { h in
            let broken = try await h.fleet.server.addCluster(name: "placeholder")
            _ = broken
            // A cluster whose API never answers, created first.
            let dark = try await h.fleet.addCluster(.init(name: "dark"))
            await dark.setUnreachable(true)
            try await h.fleet.addCluster(.init(name: "bright"))
            try await h.waitForPhase("bright", "base", "Healthy")
            try await h.waitForPhase("bright", "dependent", "Healthy")
            #expect(await h.phase("dark", "base") != "Healthy")
        }
    }

    @Test func badInputFailsOnlyThatClusterAddonWithTheMessage() async throws {
        try await withHarness { h in
            // replicas above the schema's maximum: values are checked before rendering.
            try await h.fleet.addCluster(.init(name: "bad", addons: [["name": "base", "values": ["replicas": 99]]]))
            try await h.fleet.addCluster(.init(name: "good"))
            try await h.waitForPhase("bad", "base", "Failed")
            let status = try #require(try await h.clusterAddon("bad", "base")).status
            let applied = (status["conditions"].arrayValue ?? []).first { $0["type"] == "Applied" }
            #expect(applied?["reason"] == "RenderFailed")
            #expect(applied?["message"].stringValue?.contains("replicas") == true)
            try await h.waitForPhase("good", "base", "Healthy")
            // dependent waits for base on the bad cluster and says so.
            try await h.eventually("dependent waits") {
                let addon = try await h.clusterAddon("bad", "dependent")
                return (addon?.status["conditions"].arrayValue ?? []).contains { $0["reason"] == "WaitingForDependency" }
            }
            // Fixing the values heals it.
            try await h.updateCluster("bad") { $0["addons"] = [["name": "base", "values": ["replicas": 2]]] }
            try await h.waitForPhase("bad", "base", "Healthy")
            try await h.waitForPhase("bad", "dependent", "Healthy")
        }
    }

    @Test func blockedAddonSaysWhyAndIsLeftAlone() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "old", kubernetesVersion: "1.26.5"))
            try await h.waitForPhase("old", "base", "Failed")
            let status = try #require(try await h.clusterAddon("old", "base")).status
            #expect((status["conditions"].arrayValue ?? []).contains { $0["reason"] == "UnsupportedKubernetesVersion" })
        }
    }

    @Test func shippedCRDsAreTheDeployCopies() throws {
        for name in ManagementCRDs.fileNames {
            let deployed = try String(contentsOf: ControllerHarness.repositoryRoot.appendingPathComponent("deploy/crds/\(name)"), encoding: .utf8)
            let shipped = try String(contentsOf: ControllerHarness.repositoryRoot.appendingPathComponent("Sources/AddonController/Resources/crds/\(name)"), encoding: .utf8)
            #expect(deployed == shipped, "deploy/crds/\(name) and the copy shipped in the binary differ: copy deploy/crds/*.yaml into Sources/AddonController/Resources/crds/")
        }
    }

    /// Waits until a second passes without a write to any of the clusters (the last writes of
    /// convergence landing; a fixed pause would race them), then leaves their counts at zero.
    static func settled(_ clusters: [LocalKubeCluster]) async throws {
        try await eventually("a second without writes", timeout: .seconds(30)) {
            for cluster in clusters { await cluster.resetRequestCounts() }
            try await Task.sleep(for: .seconds(1))
            var quiet = true
            for cluster in clusters where await cluster.writeCount() > 0 { quiet = false }
            if quiet { for cluster in clusters { await cluster.resetRequestCounts() } }
            return quiet
        }
    }
}
