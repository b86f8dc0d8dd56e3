import AddonCatalog
import AddonController
import ControllerRuntime
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Testing
import TestSupport

/// The controllers on the catalog published in the management plane (AddonVersions,
/// AddonChannels), as `addon-manager run` and `dev` serve it: edits take effect without a
/// restart, an edited published version never reaches a cluster, a channel naming a version the
/// manager cannot use leaves clusters as they are, and a 5 MiB version rolls out.
@Suite(.serialized) struct ManagementPlaneCatalogTests {
    static let stable = "stable"

    @Test func aChannelEditReachesRunningClustersWithoutARestart() async throws {
        try await withHarness(servePublished: true) { h in
            try await h.fleet.addCluster(.init(name: "c1"))
            try await h.waitForPhase("c1", "base", "Healthy")
            let workload = try await h.client(for: "c1")
            #expect(try await workload.get(ManagementKinds.configMap, name: "base-legacy", namespace: "demo-system").name == "base-legacy")

            try await Self.editChannel(h) { $0["addons"]["base"]["version"] = "1.1.0" }
            try await h.eventually("c1/base applied at 1.1.0") {
                let status = try await h.clusterAddon("c1", "base")?.status
                return status?["appliedVersion"] == "1.1.0" && status?["phase"] == "Healthy"
            }
            // 1.1.0 dropped base-legacy: pruned.
            try await h.eventually("base-legacy pruned") {
                do {
                    _ = try await workload.get(ManagementKinds.configMap, name: "base-legacy", namespace: "demo-system")
                    return false
                } catch let error as KubernetesError where error.isNotFound {
                    return true
                }
            }
        }
    }

    @Test func anEditedAddonVersionNeverReachesACluster() async throws {
        try await withHarness(servePublished: true) { h in
            try await h.fleet.addCluster(.init(name: "c1"))
            try await h.waitForPhase("c1", "base", "Healthy")
            let name = PublishedAddonVersion.objectName(addon: "base", version: SemanticVersion("1.0.0")!)
            try await h.eventually("base-1.0.0 accepted") {
                try await h.management.get(ManagementKinds.addonVersion, name: name, namespace: nil).status["phase"] == "Accepted"
            }
            let accepted = try await h.management.get(ManagementKinds.addonVersion, name: name, namespace: nil).status["acceptedDigest"]

            // Someone edits the published version in place, digest and all.
            var object = try await h.management.get(ManagementKinds.addonVersion, name: name, namespace: nil)
            var edited = try PublishedAddonVersion(object: object)
            edited.manifests[0].text = edited.manifests[0].text.replacingOccurrences(of: "{{ values.greeting|quote }}", with: "\"tampered\"")
            #expect(edited.manifests[0].text.contains("tampered"))
            object["spec"] = try edited.object().spec
            _ = try await h.management.update(object, options: WriteOptions(fieldManager: "someone"))

            try await h.eventually("the edit is marked") {
                let status = try await h.management.get(ManagementKinds.addonVersion, name: name, namespace: nil).status
                return status["phase"] == "ContentChanged" && status["acceptedDigest"] == accepted
                    && (status["conditions"].arrayValue ?? []).contains { $0["type"] == "ContentChanged" && $0["status"] == "True" }
            }
            try await h.eventually("a ContentChanged event") {
                let events = try await h.management.list(ManagementKinds.event, namespace: "default", options: ListOptions())
                return events.items.contains { $0["involvedObject"]["name"].stringValue == name && $0["reason"] == "ContentChanged" && $0["type"] == "Warning" }
            }

            // A channel change makes the running cluster render again, and a cluster created
            // after the edit renders for the first time: both with the accepted template (the
            // edited one would write "tampered").
            try await Self.editChannel(h) { $0["addons"]["base"]["values"] = ["greeting": "hi there"] }
            try await h.fleet.addCluster(.init(name: "c2"))
            for cluster in ["c1", "c2"] {
                let workload = try await h.client(for: cluster)
                try await h.eventually("\(cluster) renders the accepted template with the channel's new values") {
                    try await workload.get(ManagementKinds.configMap, name: "base-settings", namespace: "demo-system")["data"]["greeting"] == "hi there"
                }
            }

            // A manager started after the edit no longer has the accepted content: it refuses
            // the version rather than serve the edited one.
            let fresh = ManagementPlaneCatalog(client: h.management, logger: ControllerHarness.logger())
            let watching = Task { await fresh.run() }
            defer { watching.cancel() }
            try await h.eventually("a fresh manager refuses the edited version") {
                let catalog = try await fresh.current()
                return catalog.definition(name: "base", version: SemanticVersion("1.0.0")!) == nil
                    && catalog.refusedVersions["base"]?[SemanticVersion("1.0.0")!]?.contains("changed after it was accepted") == true
            }
        }
    }

    @Test func aChannelNamingAMissingVersionLeavesClustersAsTheyAre() async throws {
        try await withHarness(servePublished: true) { h in
            try await h.fleet.addCluster(.init(name: "c1"))
            try await h.waitForPhase("c1", "base", "Healthy")
            try await Self.editChannel(h) { $0["addons"]["base"]["version"] = "9.9.9" }
            try await h.eventually("c1/base says why") {
                let status = try await h.clusterAddon("c1", "base")?.status
                return (status?["conditions"].arrayValue ?? []).contains { $0["reason"] == "UnknownVersion" } && status?["appliedVersion"] == "1.0.0"
            }
            let workload = try await h.client(for: "c1")
            #expect(try await workload.get(ManagementKinds.configMap, name: "base-settings", namespace: "demo-system")["data"]["greeting"] == "hello")
            #expect(try await h.clusterAddon("c1", "dependent") != nil)
        }
    }

    /// Bad input in the management plane never changes what clusters run: a version whose
    /// content does not match its digest is refused (and says so), a channel naming it leaves
    /// clusters on what they run with the reason, and a malformed channel edit is ignored.
    @Test func badPublishedObjectsAreRefusedAndChangeNothing() async throws {
        try await withHarness(servePublished: true) { h in
            try await h.fleet.addCluster(.init(name: "c1"))
            try await h.waitForPhase("c1", "base", "Healthy")
            var forged = try #require(h.fleet.catalog.publishedVersions.first { $0.addon == "base" && $0.version.description == "1.1.0" })
            forged.version = SemanticVersion("1.2.0")!
            forged.addonYAML = forged.addonYAML.replacingOccurrences(of: "version: \"1.1.0\"", with: "version: \"1.2.0\"")
            var object = try forged.object()
            object.body.setValue("sha256:0000000000000000000000000000000000000000000000000000000000000000", at: ["spec", "digest"])
            _ = try await h.management.apply(object, options: ApplyOptions(fieldManager: "someone", force: true))
            try await h.eventually("base-1.2.0 refused") {
                let status = try await h.management.get(ManagementKinds.addonVersion, name: "base-1.2.0", namespace: nil).status
                return status["phase"] == "Refused"
                    && (status["conditions"].arrayValue ?? []).contains { $0["type"] == "Accepted" && $0["status"] == "False" && ($0["message"].stringValue ?? "").contains("spec.digest") }
            }
            try await Self.editChannel(h) { $0["addons"]["base"]["version"] = "1.2.0" }
            try await h.eventually("c1/base says the version is refused") {
                let status = try await h.clusterAddon("c1", "base")?.status
                return (status?["conditions"].arrayValue ?? []).contains { $0["reason"] == "VersionRefused" } && status?["appliedVersion"] == "1.0.0"
            }

            // A malformed channel edit: the channel stays as last read, clusters as they are.
            try await Self.editChannel(h) { $0["addons"]["base"]["version"] = "1.1.0" }
            try await h.eventually("c1/base on 1.1.0") { try await h.clusterAddon("c1", "base")?.status["appliedVersion"] == "1.1.0" }
            try await Self.editChannel(h) { $0["addons"]["base"]["version"] = "latest" }
            try await h.eventually("an Invalid event on the channel") {
                let events = try await h.management.list(ManagementKinds.event, namespace: "default", options: ListOptions())
                return events.items.contains { $0["involvedObject"]["kind"] == "AddonChannel" && $0["reason"] == "Invalid" && ($0["message"].stringValue ?? "").contains("addons.base.version") }
            }
            try await h.updateCluster("c1") { $0["facts"]["region"] = "dev-2" }
            try await h.eventually("c1 reconciled") {
                let cluster = try await h.management.get(ManagementKinds.cluster, name: "c1", namespace: "dev")
                return (cluster.status["conditions"].arrayValue ?? []).contains { $0["type"] == "AddonsHealthy" && $0["status"] == "True" }
            }
            let status = try #require(try await h.clusterAddon("c1", "base")).status
            #expect(status["appliedVersion"] == "1.1.0" && status["phase"] == "Healthy")
        }
    }

    @Test func aDeletedChannelLeavesClustersAsTheyAre() async throws {
        try await withHarness(servePublished: true) { h in
            try await h.fleet.addCluster(.init(name: "c1"))
            try await h.waitForPhase("c1", "dependent", "Healthy")
            _ = try await h.management.delete(ManagementKinds.addonChannel, name: Self.stable, namespace: nil, options: DeleteOptions())
            try await h.eventually("c1/base says its channel is gone") {
                let status = try await h.clusterAddon("c1", "base")?.status
                return (status?["conditions"].arrayValue ?? []).contains { $0["reason"] == "UnknownChannel" }
            }
            #expect(try await h.clusterAddon("c1", "dependent") != nil, "an addon was removed because its channel went away")
            let workload = try await h.client(for: "c1")
            #expect(try await workload.get(ManagementKinds.configMap, name: "base-settings", namespace: "demo-system").name == "base-settings")
        }
    }

    /// A monitoring-stack-sized version (5 MiB of templates) published as one compressed
    /// AddonVersion and rolled out to a cluster.
    @Test func aFiveMebibyteVersionRollsOut() async throws {
        try await withHarness(servePublished: true) { h in
            try await h.fleet.addCluster(.init(name: "c1"))
            try await h.waitForPhase("c1", "base", "Healthy")
            let big = Self.largeAddon(configMaps: 8, bytesEach: 660 * 1024)
            #expect(big.contentSize >= 5 * 1024 * 1024)
            let object = try big.object()
            #expect(object.spec["compressed"]["encoding"] == "zlib+base64")
            _ = try await h.management.apply(object, options: ApplyOptions(fieldManager: "addonctl", force: true))
            try await Self.editChannel(h) { spec in
                spec["addons"]["big"] = ["version": "1.0.0"]
                spec["defaultAddons"] = .array((spec["defaultAddons"].arrayValue ?? []) + ["big"])
            }
            try await h.waitForPhase("c1", "big", "Healthy", timeout: .seconds(240))
            let workload = try await h.client(for: "c1")
            let configMaps = try await workload.list(ManagementKinds.configMap, namespace: "big", options: ListOptions())
            let sizes = configMaps.items.filter { $0.name.hasPrefix("schema-") }.map { $0.body.serialized().count }
            #expect(sizes.count == 8)
            #expect(sizes.reduce(0, +) >= 5 * 1024 * 1024)
            let status = try await h.management.get(ManagementKinds.addonVersion, name: object.name, namespace: nil).status
            #expect(status["phase"] == "Accepted")
        }
    }

    /// The first catalog a manager serves holds every published version: one built from the
    /// channels before all versions were read would block the clusters for nothing.
    @Test func theFirstCatalogServedHasEveryPublishedVersion() async throws {
        try await withHarness { h in
            let catalog = ManagementPlaneCatalog(client: h.management, logger: ControllerHarness.logger())
            let updates = await catalog.updates()
            let watching = Task { await catalog.run() }
            defer { watching.cancel() }
            for await _ in updates {
                let first = try await catalog.current()
                #expect(first.addonNames == ["base", "dependent", "optional"])
                #expect(first.versions(of: "base").map(\.description) == ["1.0.0", "1.1.0"])
                #expect(Set(first.channels.keys) == ["stable", "candidate"])
                break
            }
        }
    }

    /// Before: a catalog stopped before its first lists (a manager whose start failed) took the
    /// cancelled wait for them as done, logged "management-plane catalog read … 0 versions" and
    /// served an empty catalog.
    @Test func aCatalogStoppedBeforeItsFirstListsServesNothing() async throws {
        try await withHarness { h in
            let management = try #require(h.fleet.server.cluster(named: DevFleet.managementName))
            await management.setUnreachable(true)
            defer { Task { await management.setUnreachable(false) } }
            let logs = LogRecorder()
            let catalog = ManagementPlaneCatalog(client: h.management, logger: logs.logger(level: .info))
            let watching = Task { await catalog.run() }
            try await Task.sleep(for: .milliseconds(300))
            watching.cancel()
            await watching.value
            await #expect(throws: ManagementPlaneCatalog.NotSynced.self) { try await catalog.current() }
            #expect(!logs.entries.contains { $0.message == "management-plane catalog read" })
        }
    }

    /// The dry run `addonctl publish` makes, against clusters whose addons run: it tells
    /// changed from unchanged objects by the server's own answer, and finds what would be
    /// created and pruned, on exactly the clusters the change touches; it writes nothing.
    @Test func aDryRunSeesWhatRunsAndWhatAChangeWouldDo() async throws {
        try await withHarness(servePublished: true) { h in
            try await h.fleet.addCluster(.init(name: "c1"))
            try await h.fleet.addCluster(.init(name: "c2", channel: "candidate"))
            for cluster in ["c1", "c2"] { try await h.waitForPhase(cluster, "base", "Healthy") }
            let current = try await FleetDryRun.publishedCatalog(management: h.management)
            let dryRun = FleetDryRun(management: h.management, parallelism: 2, logger: ControllerHarness.logger())

            var stable = try #require(h.fleet.catalog.channel(named: Self.stable))
            stable.addons["base"]?.values = ["greeting": "hi"]
            var newValues = h.fleet.catalog
            newValues.channels[Self.stable] = stable
            let report = try await dryRun.run(from: current, to: newValues)
            #expect(report.clusters == 2 && report.affectedClusters == ["dev/c1"])
            let values = try #require(report.impacts.first { $0.addon == "base" })
            #expect(report.impacts.count == 1)
            #expect(values.changed == ["ConfigMap demo-system/base-settings"])
            #expect(values.unchanged.count == 3 && values.created.isEmpty && values.pruned.isEmpty && values.failures.isEmpty, "\(values)")

            stable.addons["base"]?.version = SemanticVersion("1.1.0")!
            stable.addons["base"]?.values = .emptyObject
            var upgrade = h.fleet.catalog
            upgrade.channels[Self.stable] = stable
            let upgraded = try #require(try await dryRun.run(from: current, to: upgrade).impacts.first { $0.addon == "base" })
            #expect((upgraded.from, upgraded.to) == ("1.0.0", "1.1.0"))
            #expect(upgraded.created == ["ConfigMap demo-system/base-extra"])
            #expect(upgraded.pruned == ["ConfigMap demo-system/base-legacy"])
            #expect(upgraded.changed.contains("Deployment.apps demo-system/base-web") && upgraded.failures.isEmpty, "\(upgraded)")

            // One cluster's field-level diff (addonctl catalog diff).
            let diff = try await FleetDryRun(management: h.management, includeDiffs: true, logger: ControllerHarness.logger())
                .run(from: current, to: newValues, only: ["dev/c1"])
            let settings = try #require(diff.impacts.first?.diffs.first)
            #expect(settings.object == "ConfigMap demo-system/base-settings")
            #expect(settings.lines == [#"- data.greeting: "hello""#, #"+ data.greeting: "hi""#])

            let workload = try await h.client(for: "c1")
            #expect(try await workload.get(ManagementKinds.configMap, name: "base-settings", namespace: "demo-system")["data"]["greeting"] == "hello")
            #expect(try await workload.get(ManagementKinds.configMap, name: "base-legacy", namespace: "demo-system").name == "base-legacy")
        }
    }

    /// An AddonChannel edited as a person would (read, change the spec, write).
    static func editChannel(_ h: ControllerHarness, name: String = stable, _ change: (inout JSONValue) -> Void) async throws {
        for _ in 0..<5 {
            var channel = try await h.management.get(ManagementKinds.addonChannel, name: name, namespace: nil)
            var spec = channel.spec
            change(&spec)
            channel["spec"] = spec
            do {
                _ = try await h.management.update(channel, options: WriteOptions(fieldManager: "e2e-test"))
                return
            } catch let error as KubernetesError where error.isConflict {
                continue
            }
        }
    }

    /// An addon made of `configMaps` ConfigMaps of about `bytesEach` bytes (plus its namespace).
    static func largeAddon(configMaps: Int, bytesEach: Int) -> PublishedAddonVersion {
        let addonYAML = """
            name: big
            version: "1.0.0"
            description: A large addon
            owner: tests
            kubernetesVersions: ">=1.20.0"
            namespace: big
            """
        var manifests = [AddonDefinition.ManifestTemplate(file: "manifests/00-namespace.yaml", text: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: big\n")]
        for index in 0..<configMaps {
            var lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: schema-\(index)", "data:"]
            var size = 0
            var key = 0
            while size < bytesEach {
                let line = "  openAPIV3Schema.properties.field\(key): \"string field \(key) of schema \(index), validated by the server\""
                lines.append(line)
                size += line.utf8.count + 1
                key += 1
            }
            manifests.append(.init(file: "manifests/\(10 + index)-schema.yaml", text: lines.joined(separator: "\n") + "\n"))
        }
        return PublishedAddonVersion(addon: "big", version: SemanticVersion("1.0.0")!, addonYAML: addonYAML, manifests: manifests)
    }
}

/// Field-level differences for people: what changes, never a Secret's material.
@Suite struct ObjectDiffTests {
    @Test func changedAddedAndRemovedFieldsInPathOrder() {
        var live = KubeObject(apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "demo")
        live["spec"] = ["replicas": 1, "template": ["spec": ["containers": [["name": "web", "image": "pause:3.9"]]]], "paused": false]
        live.body.setValue("7", at: ["metadata", "resourceVersion"])
        live["status"] = ["readyReplicas": 1]
        var applied = live
        applied.body.setValue([["name": "web", "image": "pause:3.10"]], at: ["spec", "template", "spec", "containers"])
        applied.body.removeValue(at: ["spec", "paused"])
        applied.body.setValue("8", at: ["metadata", "resourceVersion"])
        applied.body.setValue(["app": "web"], at: ["metadata", "labels"])
        #expect(ObjectDiff.lines(live: live, applied: applied) == [
            #"+ metadata.labels.app: "web""#,
            #"- spec.paused: false"#,
            #"- spec.template.spec.containers[0].image: "pause:3.9""#,
            #"+ spec.template.spec.containers[0].image: "pause:3.10""#,
        ])
        #expect(ObjectDiff.lines(live: live, applied: live).isEmpty)
    }

    @Test func secretMaterialIsNeverShown() {
        var live = KubeObject(apiVersion: "v1", kind: "Secret", name: "creds", namespace: "demo")
        live["data"] = ["password": "c2VjcmV0LW9uZQ==", "user": "YWRtaW4=", "old": "eA=="]
        var applied = live
        applied["data"] = ["password": "c2VjcmV0LXR3bw==", "user": "YWRtaW4=", "token": "dG9rZW4="]
        let lines = ObjectDiff.lines(live: live, applied: applied)
        #expect(lines == ["- data.old: (secret value)", "~ data.password: (secret value changed)", "+ data.token: (secret value)"])
        #expect(ObjectDiff.lines(live: nil, applied: applied).allSatisfy { !$0.contains("c2Vj") && !$0.contains("YWRt") })
    }
}

/// What a Cluster's spec may say about its object storage.
@Suite struct ClusterObjectStorageTests {
    static func spec(_ storage: JSONValue) throws(ClusterSpecError) -> ClusterSpec {
        var cluster = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "Cluster", name: "c1", namespace: "dev")
        cluster["spec"] = ["kubernetesVersion": "1.30.4", "facts": ["objectStorage": storage]]
        return try ClusterSpec(cluster: cluster)
    }

    /// Found by a helper writing the CRDs' descriptions: an endpoint without a bucket (or the
    /// other way round) was read as no object storage at all, and the addons that back up to
    /// it rendered without it, silently. Now the Cluster is refused, naming the field.
    @Test func halfAnObjectStorageIsRefusedNamingWhatIsMissing() throws {
        #expect(try Self.spec(["endpoint": "https://s3", "bucket": "b"]).facts.objectStorage?.bucket == "b")
        #expect(try Self.spec(.emptyObject).facts.objectStorage == nil)
        #expect(try Self.spec(.null).facts.objectStorage == nil)
        for (storage, field) in [(["endpoint": "https://s3"], "spec.facts.objectStorage.bucket"), (["bucket": "b"], "spec.facts.objectStorage.endpoint"),
                                 (["endpoint": "", "bucket": "b"], "spec.facts.objectStorage.endpoint"), ("s3://b", "spec.facts.objectStorage")] as [(JSONValue, String)] {
            #expect(throws: ClusterSpecError.self, "\(storage)") { try Self.spec(storage) }
            do { _ = try Self.spec(storage) } catch { #expect(error.field == field, "\(storage): \(error)") }
        }
    }
}

/// What a cluster gets when its channel is not in the catalog.
@Suite struct UnknownChannelPlanTests {
    @Test func anUnknownChannelKeepsWhatTheClusterRuns() throws {
        var cluster = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "Cluster", name: "c1", namespace: "dev")
        cluster["spec"] = ["kubernetesVersion": "1.30.4", "channel": "gone", "kubeconfigSecretRef": ["name": "c1-kubeconfig"]]
        let spec = try ClusterSpec(cluster: cluster)
        let catalog = try Catalog.load(directory: ControllerHarness.fixtureCatalog)
        let published = Catalog(published: catalog.publishedVersions.compactMap { try? $0.definition() }, channels: [], source: "test")
        for source in [catalog, published] {
            let result = DesiredAddons.resolve(spec: spec, catalog: source, installed: ["base", "optional"])
            for addon in ["base", "optional"] {
                guard case .blocked(let reason, _)? = result.plans[addon] else {
                    Issue.record("\(addon): \(String(describing: result.plans[addon])), not blocked")
                    continue
                }
                #expect(reason == "UnknownChannel")
            }
        }
    }
}
