import AddonController
import KubernetesModel
import Testing
@testable import StatusAPI

/// The store and the views, as pure values: what each caller may see, and nothing more.
@Suite struct FleetStatusStoreTests {
    static func cluster(_ project: String, _ name: String, healthy: Bool = true, channel: String = "stable") -> KubeObject {
        var object = KubeObject(apiVersion: "addon-manager.io/v1alpha1", kind: "Cluster", name: name, namespace: project)
        object["spec"] = ["channel": .string(channel), "kubernetesVersion": "1.30.4",
                          "facts": ["secretNamespace": "elsewhere"], "kubeconfigSecretRef": ["name": .string("\(name)-kubeconfig")]]
        object["status"] = ["conditions": [["type": "AddonsHealthy", "status": healthy ? "True" : "False", "reason": healthy ? "AllHealthy" : "AddonsFailed"]]]
        return object
    }

    static func addon(_ project: String, _ cluster: String, _ addon: String, version: String = "1.0.0", phase: String = "Healthy",
                      reason: String? = nil, message: String? = nil) -> KubeObject {
        var object = KubeObject(apiVersion: "addon-manager.io/v1alpha1", kind: "ClusterAddon", name: "\(cluster)-\(addon)", namespace: project)
        object["spec"] = ["cluster": .string(cluster), "addon": .string(addon)]
        var condition: JSONValue = ["type": "Healthy", "status": phase == "Healthy" ? "True" : "False"]
        if let reason { condition["reason"] = .string(reason) }
        if let message { condition["message"] = .string(message) }
        object["status"] = ["desiredVersion": .string(version), "appliedVersion": .string(version), "phase": .string(phase), "conditions": [condition]]
        return object
    }

    static func event(_ project: String, about kind: String, _ name: String, reason: String, time: String, uid: String) -> KubeObject {
        var object = KubeObject(apiVersion: "v1", kind: "Event", name: "\(name).\(uid)", namespace: project)
        object.body.setValue(.string(uid), at: ["metadata", "uid"])
        object["involvedObject"] = ["apiVersion": "addon-manager.io/v1alpha1", "kind": .string(kind), "name": .string(name), "namespace": .string(project)]
        object["reason"] = .string(reason)
        object["message"] = .string("\(reason) happened")
        object["type"] = "Normal"
        object["lastTimestamp"] = .string(time)
        return object
    }

    static func fleet() -> FleetStatusStore {
        let store = FleetStatusStore()
        store.clusterChanged(cluster("p", "a1"), deleted: false)
        store.clusterChanged(cluster("p", "a2", healthy: false), deleted: false)
        store.clusterChanged(cluster("q", "b1"), deleted: false)
        store.clusterAddonChanged(addon("p", "a1", "ingress"), deleted: false)
        store.clusterAddonChanged(addon("p", "a2", "ingress", version: "1.1.0", phase: "Failed", reason: "ApplyFailed", message: "webhook refused"), deleted: false)
        store.clusterAddonChanged(addon("q", "b1", "ingress", version: "1.1.0"), deleted: false)
        return store
    }

    @Test func aClusterViewListsItsAddonsWithWhyAndNeverItsSpecBeyondChannelAndVersion() throws {
        let store = Self.fleet()
        let snapshot = store.snapshot
        let state = try #require(snapshot.projects["p"])
        let view = StatusViews.cluster(state.clusters["a2"]!, addons: state.addons["a2"]!, events: [], rollouts: [])
        #expect(view["name"] == "a2" && view["channel"] == "stable" && view["kubernetesVersion"] == "1.30.4")
        #expect(view["addons"][0]["name"] == "ingress" && view["addons"][0]["phase"] == "Failed")
        #expect(view["addons"][0]["reason"] == "ApplyFailed" && view["addons"][0]["message"] == "webhook refused")
        #expect(view["notHealthy"][0]["addon"] == "ingress")
        let text = view.jsonString()
        #expect(!text.contains("elsewhere") && !text.contains("kubeconfig"), "the view shows spec fields users must not see: \(text)")
    }

    @Test func theFleetViewCountsOnlyTheProjectsGiven() {
        let snapshot = Self.fleet().snapshot
        let mine = StatusViews.fleet(snapshot, projects: ["p"])
        #expect(mine["addons"][0]["addon"] == "ingress")
        let versions = mine["addons"][0]["versions"].arrayValue ?? []
        #expect(versions.map { $0["version"] } == ["1.1.0", "1.0.0"])
        #expect(versions.map { $0["clusters"] } == [1, 1], "q's cluster was counted for p: \(versions)")
        let all = StatusViews.fleet(snapshot, projects: ["p", "q"])
        #expect(all["addons"][0]["versions"][0]["clusters"] == 2)
    }

    @Test func aDeletedClusterTakesItsAddonsAndEventsAlong() {
        let store = Self.fleet()
        store.eventChanged(Self.event("p", about: "ClusterAddon", "a1-ingress", reason: "Applied", time: "2026-12-03T10:00:00Z", uid: "e1"), deleted: false)
        #expect(store.snapshot.projects["p"]?.events["a1"]?.first?.addon == "ingress")
        store.clusterChanged(Self.cluster("p", "a1"), deleted: true)
        let state = store.snapshot.projects["p"]
        #expect(state?.clusters["a1"] == nil && state?.addons["a1"] == nil && state?.events["a1"] == nil)
        store.clusterChanged(Self.cluster("p", "a2"), deleted: true)
        store.clusterAddonChanged(Self.addon("p", "a2", "ingress"), deleted: true)
        #expect(store.snapshot.projects["p"] == nil, "an emptied project stays listed")
    }

    /// An addon's view lists its objects' health as the controller writes them into the status
    /// (`ObjectHealth.json`): no field added, none dropped.
    @Test func anAddonViewListsItsObjectsAsTheStatusHadThem() throws {
        let store = Self.fleet()
        var object = Self.addon("p", "a1", "csi")
        let written: [JSONValue] = [
            ObjectHealth(reference: ObjectReference(groupKind: GroupKind(group: "apps", kind: "Deployment"), namespace: "kube-system", name: "csi-controller"),
                         state: .progressing, message: "1 of 2 replicas ready").json,
            ObjectHealth(reference: ObjectReference(groupKind: GroupKind(group: "", kind: "ConfigMap"), namespace: "kube-system", name: "csi"),
                         state: .healthy, message: "").json,
        ]
        object["status"]["objects"] = .array(written)
        store.clusterAddonChanged(object, deleted: false)
        let record = try #require(store.snapshot.projects["p"]?.addons["a1"]?["csi"])
        let view = StatusViews.addon(record, events: [])
        #expect(view["objects"] == .array(written))
        #expect(view["objects"][0]["health"] == "Progressing" && view["objects"][0]["group"] == "apps")
    }

    /// What the service's caches keep of an object (`StatusService.identity`) is enough for the
    /// store to drop it when a relist finds it gone, and carries nothing else.
    @Test func whatTheCachesKeepOfAnObjectIsEnoughToDropIt() {
        let store = Self.fleet()
        let kept = StatusService.identity(Self.addon("p", "a2", "ingress", phase: "Failed", message: "webhook refused"))
        #expect(kept["status"].isNull && kept.name == "a2-ingress" && kept["spec"]["addon"] == "ingress")
        store.clusterAddonChanged(kept, deleted: true)
        #expect(store.snapshot.projects["p"]?.addons["a2"] == nil)
        store.clusterChanged(StatusService.identity(Self.cluster("p", "a2")), deleted: true)
        #expect(store.snapshot.projects["p"]?.clusters["a2"] == nil)
        #expect(store.snapshot.projects["p"]?.clusters["a1"] != nil)
    }

    /// After a change to a Cluster's spec, its users see that it is being applied until every
    /// addon has been reconciled against it (`AddonsHealthy`'s `observedGeneration`), and a
    /// paused cluster says it is paused instead (its addons are left as they are, whatever the
    /// spec). The generation survives what the service's cache keeps.
    @Test func aClusterSaysWhetherItsLatestSpecIsReconciled() throws {
        func cluster(generation: Int64, observed: Int64?, paused: Bool = false) -> KubeObject {
            var object = Self.cluster("p", "a1")
            object.generation = generation
            var condition: JSONValue = ["type": "AddonsHealthy", "status": "True", "reason": "AllHealthy"]
            if let observed { condition["observedGeneration"] = .int(observed) }
            object["status"] = ["conditions": [condition]]
            if paused { object["spec"]["paused"] = true }
            return StatusService.slimCluster(object)
        }
        let viewer = StatusPage.Viewer(username: "alice", isOperator: false, projects: ["p"])
        let cases: [(KubeObject, reconciled: Bool?, page: String?)] = [
            (cluster(generation: 3, observed: 2), false, "applying the latest change"),
            (cluster(generation: 3, observed: 3), true, nil),
            (cluster(generation: 3, observed: nil), nil, nil),
            (cluster(generation: 4, observed: 3, paused: true), nil, "paused: its addons are left as they are"),
        ]
        for (object, reconciled, page) in cases {
            let store = FleetStatusStore()
            store.clusterChanged(object, deleted: false)
            let record = try #require(store.snapshot.projects["p"]?.clusters["a1"])
            #expect(record.generation == object.generation)
            let view = StatusViews.clusterSummary(record, addons: [:])
            #expect(view["latestSpecReconciled"] == reconciled.map(JSONValue.bool) ?? .null)
            #expect(view["generation"] == .int(object.generation ?? -1))
            let html = StatusPage.dashboard(snapshot: store.snapshot, scope: viewer)
            for text in ["applying the latest change", "paused: its addons"] {
                #expect(html.contains(text) == (page?.hasPrefix(text) ?? false), "\(text) on the page for \(object.generation ?? 0)/\(object.status["conditions"])")
            }
        }
    }

    @Test func eventsAreKeptNewestFirstAndBoundedPerCluster() {
        let store = Self.fleet()
        for i in 0..<(FleetStatusStore.eventsPerCluster + 5) {
            store.eventChanged(Self.event("p", about: "Cluster", "a1", reason: "R\(i)", time: String(format: "2026-12-03T10:%02d:00Z", i), uid: "u\(i)"), deleted: false)
        }
        // The same Event again (its count went up) replaces, not adds.
        store.eventChanged(Self.event("p", about: "Cluster", "a1", reason: "R24", time: "2026-12-03T10:24:00Z", uid: "u24"), deleted: false)
        let events = store.snapshot.projects["p"]?.events["a1"] ?? []
        #expect(events.count == FleetStatusStore.eventsPerCluster)
        #expect(events.first?.reason == "R24" && events.last?.reason == "R5")
        // Events about other kinds are not kept.
        store.eventChanged(Self.event("p", about: "Pod", "x", reason: "Pulled", time: "2026-12-03T11:00:00Z", uid: "pod"), deleted: false)
        #expect(store.snapshot.projects["p"]?.events.values.joined().contains { $0.reason == "Pulled" } == false)
    }

    @Test func aRolloutShowsAUserOnlyTheirOwnClustersAndNoFleetCounts() {
        var object = KubeObject(apiVersion: "addon-manager.io/v1alpha1", kind: "AddonRollout", name: "stable.ingress")
        object["spec"] = ["channel": "stable", "addon": "ingress", "fromVersion": "1.0.0", "toVersion": "1.1.0"]
        object["status"] = ["toVersion": "1.1.0", "fromVersion": "1.0.0", "phase": "Progressing", "wave": "canary", "clusters": 3, "updated": 1,
                            "message": "wave canary: q/b1 updated",
                            "admissions": [["cluster": "q/b1", "wave": 0, "admittedAt": "2026-12-03T10:00:00Z", "state": "Updated"],
                                           ["cluster": "p/a2", "wave": 0, "admittedAt": "2026-12-03T10:00:00Z", "state": "Failed", "reason": "AddonFailed"]]]
        let record = RolloutRecord(object)
        let user = StatusViews.rollout(record, visibleProjects: ["p"], isOperator: false)
        #expect(user["admissions"].arrayValue?.map { $0["cluster"] } == ["a2"])
        #expect(user["clusters"].isNull && user["message"].isNull, "a user saw fleet-wide figures: \(user)")
        #expect(!user.jsonString().contains("b1"))
        let operatorView = StatusViews.rollout(record, visibleProjects: [], isOperator: true)
        #expect(operatorView["admissions"].arrayValue?.count == 2 && operatorView["clusters"] == 3)
    }

    @Test func changesReachOnlyTheirProjectsSubscribers() async {
        let store = FleetStatusStore()
        let p = store.changes.subscribe(project: "p")
        let q = store.changes.subscribe(project: "q")
        store.clusterChanged(Self.cluster("p", "a1"), deleted: false)
        store.clusterAddonChanged(Self.addon("p", "a1", "ingress"), deleted: false)
        // The same object again: nothing changed, nothing sent.
        store.clusterAddonChanged(Self.addon("p", "a1", "ingress"), deleted: false)
        store.clusterChanged(Self.cluster("q", "b1"), deleted: false)
        var seenP: [Change] = []
        for await change in p {
            seenP.append(change)
            if seenP.count == 2 { break }
        }
        #expect(seenP.map(\.kind) == ["cluster", "addon"] && seenP.allSatisfy { $0.project == "p" })
        var seenQ: [Change] = []
        for await change in q {
            seenQ.append(change)
            break
        }
        #expect(seenQ.map(\.cluster) == ["b1"])
    }

    @Test func htmlIsEscaped() {
        #expect(StatusPage.escape("<script>\"x\" & 'y'</script>") == "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;")
        #expect(StatusPage.formValue("token", in: "a=1&token=abc%2Bd%3D+e") == "abc+d= e")
    }

    @Test func continueTokensRoundTrip() {
        for key in ["a", "cluster-01", "ü/+="] { #expect(StatusAPI.decodeContinue(StatusAPI.encodeContinue(key)) == key) }
        #expect(StatusAPI.decodeContinue("%%%") == nil)
    }
}
