import AddonCatalog
import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// What a catalog change would do to the fleet, found out without changing anything: for
/// every Cluster of the management plane whose addons the change affects (another version,
/// other values, added, removed, newly blocked), the new desired set is rendered and sent to
/// that workload cluster as a server-side dry-run apply (`dryRun=All`, field manager
/// `addon-manager`), so the server's own validation speaks. Objects the old set had and the
/// new one does not are counted as pruned. Clusters are visited a few at a time; an
/// unreachable one is listed, not fatal.
public struct FleetDryRun: Sendable {
    /// One addon on one cluster that the change affects.
    public struct AddonImpact: Sendable {
        public var cluster: String
        public var addon: String
        /// The version it gets now (nil: none) and after the change (nil: removed or blocked).
        public var from: String?
        public var to: String?
        /// Why the new version cannot be installed (the cluster keeps what it runs).
        public var blocked: String?
        public var created: [String] = []
        public var changed: [String] = []
        public var unchanged: [String] = []
        public var pruned: [String] = []
        public var failures: [Failure] = []
        /// Per object created or changed, its field-level difference (`ObjectDiff`); only when
        /// the dry run was asked for diffs.
        public var diffs: [(object: String, lines: [String])] = []
    }

    /// An object the workload cluster's API server (or the renderer) refused.
    public struct Failure: Sendable, CustomStringConvertible {
        public var cluster: String
        public var object: String
        public var message: String
        public var description: String { "\(cluster): \(object): \(message)" }
    }

    public struct Report: Sendable {
        /// How many Clusters the management plane holds.
        public var clusters = 0
        public var impacts: [AddonImpact] = []
        /// Clusters that could not be asked (cluster, why).
        public var unreachable: [(cluster: String, message: String)] = []

        public var failures: [Failure] { impacts.flatMap(\.failures) }
        public var affectedClusters: Set<String> { Set(impacts.map(\.cluster)) }
    }

    let management: any KubeClient
    let parallelism: Int
    let workloadRateLimit: RateLimit
    let includeDiffs: Bool
    let logger: Logger

    /// - includeDiffs: keep each created or changed object's field-level difference (for one
    ///   cluster's diff; a fleet's would be large).
    public init(management: any KubeClient, parallelism: Int = 16, workloadRateLimit: RateLimit = RateLimit(qps: 50, burst: 100),
                includeDiffs: Bool = false, logger: Logger) {
        self.management = management
        self.parallelism = max(1, parallelism)
        self.workloadRateLimit = workloadRateLimit
        self.includeDiffs = includeDiffs
        self.logger = logger
    }

    /// The catalog the management plane serves now (what the manager builds from the
    /// published AddonVersions and AddonChannels); empty when nothing is published.
    public static func publishedCatalog(management: any ObjectReader) async throws -> Catalog {
        var definitions: [AddonDefinition] = []
        for object in try await management.list(ManagementKinds.addonVersion, namespace: nil, options: ListOptions()).items {
            if let definition = try? PublishedAddonVersion(object: object).definition() { definitions.append(definition) }
        }
        var channels: [Channel] = []
        for object in try await management.list(ManagementKinds.addonChannel, namespace: nil, options: ListOptions()).items {
            if let channel = try? Channel(object: object) { channels.append(channel) }
        }
        return Catalog(published: definitions, channels: channels, source: "management plane")
    }

    /// Compares what every cluster (or only those named `namespace/name` in `only`) gets from
    /// `old` and from `new`, and dry-runs the difference.
    public func run(from old: Catalog, to new: Catalog, only: Set<String>? = nil) async throws -> Report {
        let clusters = try await management.list(ManagementKinds.cluster, namespace: nil, options: ListOptions()).items
            .filter { only?.contains("\($0.namespace ?? "")/\($0.name)") ?? true }
        let clusterAddons = try await management.list(ManagementKinds.clusterAddon, namespace: nil, options: ListOptions()).items
        var installed: [String: Set<String>] = [:]
        for object in clusterAddons {
            guard let cluster = object.labels[ManagementKinds.clusterLabel], let addon = object.labels[ManagementKinds.addonLabel] else { continue }
            installed["\(object.namespace ?? "")/\(cluster)", default: []].insert(addon)
        }
        var report = Report(clusters: clusters.count)
        // Each version's digest once, not once per cluster.
        let digests = Digests(old: old, new: new)
        await withTaskGroup(of: (impacts: [AddonImpact], unreachable: String?, cluster: String).self) { group in
            var pending = clusters.sorted { ($0.namespace ?? "", $0.name) < ($1.namespace ?? "", $1.name) }[...]
            func startNext() {
                guard let cluster = pending.popFirst() else { return }
                let key = "\(cluster.namespace ?? "")/\(cluster.name)"
                let installed = installed[key] ?? []
                group.addTask { await self.dryRun(cluster: cluster, key: key, installed: installed, old: old, new: new, digests: digests) }
            }
            for _ in 0..<parallelism { startNext() }
            while let result = await group.next() {
                report.impacts += result.impacts
                if let message = result.unreachable { report.unreachable.append((result.cluster, message)) }
                startNext()
            }
        }
        report.impacts.sort { ($0.cluster, $0.addon) < ($1.cluster, $1.addon) }
        report.unreachable.sort { $0.cluster < $1.cluster }
        return report
    }

    // MARK: One cluster

    private func dryRun(cluster: KubeObject, key: String, installed: Set<String>, old: Catalog, new: Catalog, digests: Digests)
        async -> (impacts: [AddonImpact], unreachable: String?, cluster: String)
    {
        let spec: ClusterSpec
        do {
            spec = try ClusterSpec(cluster: cluster)
        } catch {
            return ([AddonImpact(cluster: key, addon: "-", failures: [Failure(cluster: key, object: "Cluster \(key)", message: "\(error)")])], nil, key)
        }
        let before = DesiredAddons.resolve(spec: spec, catalog: old, installed: installed)
        let after = DesiredAddons.resolve(spec: spec, catalog: new, installed: installed)
        let affected = Set(before.plans.keys).union(after.plans.keys).filter { Self.differs(before.plans[$0], after.plans[$0], digests: digests) }
        guard !affected.isEmpty else { return ([], nil, key) }

        let workload: KubernetesClient
        do {
            workload = try await connect(cluster: cluster, spec: spec)
        } catch {
            return ([], "\(error)", key)
        }
        defer { Task { try? await workload.shutdown() } }
        let secrets = ManagementSecretSource(client: management, defaultNamespace: spec.facts.secretNamespace ?? cluster.namespace ?? "default")
        var impacts: [AddonImpact] = []
        let order = after.order + before.order.filter { after.plans[$0] == nil }
        for addon in order where affected.contains(addon) {
            var impact = AddonImpact(cluster: key, addon: addon, from: Self.version(before.plans[addon]), to: Self.version(after.plans[addon]))
            if case .blocked(_, let message) = after.plans[addon] { impact.blocked = message }
            let oldObjects = await render(before.plans[addon], facts: spec.facts, secrets: secrets, cluster: key).objects
            let (newObjects, renderFailures) = await render(after.plans[addon], facts: spec.facts, secrets: secrets, cluster: key)
            impact.failures += renderFailures
            if impact.blocked == nil {
                let kept = Set(newObjects.map { $0.reference })
                impact.pruned = oldObjects.map { $0.reference }.filter { !kept.contains($0) }.sorted().map { $0.description }
            }
            do {
                try await apply(newObjects, addon: addon, to: workload, impact: &impact)
            } catch let error as KubernetesError where error.kind.isTransport {
                return (impacts, "\(error)", key)
            } catch {
                impact.failures.append(Failure(cluster: key, object: addon, message: "\(error)"))
            }
            impacts.append(impact)
        }
        return (impacts, nil, key)
    }

    /// The objects an install plan renders to (labelled as the controller applies them); none
    /// for other plans.
    private func render(_ plan: AddonPlan?, facts: ClusterFacts, secrets: ManagementSecretSource, cluster: String) async -> (objects: [KubeObject], failures: [Failure]) {
        guard case .install(let wanted) = plan else { return ([], []) }
        do {
            let rendered = try await Renderer.render(definition: wanted.definition, facts: facts, channelValues: wanted.channelValues,
                                                     clusterValues: wanted.clusterValues, secrets: secrets)
            return (rendered.objects.map { ClusterAddonReconciler.labelled($0, addon: wanted.name) }, [])
        } catch {
            return ([], error.errors.map { Failure(cluster: cluster, object: "\(wanted.name) \(wanted.version) (rendering)", message: $0.description) })
        }
    }

    /// Server-side dry-run apply of every object, namespaces and CRDs first. An object in a
    /// namespace (or of a kind) the same set creates cannot be checked by the server before
    /// those exist: it counts as created.
    private func apply(_ objects: [KubeObject], addon: String, to workload: KubernetesClient, impact: inout AddonImpact) async throws {
        let first: Set<String> = ["Namespace", "CustomResourceDefinition"]
        let ordered = objects.filter { first.contains($0.kind) } + objects.filter { !first.contains($0.kind) }
        var newNamespaces: Set<String> = []
        var newGroupKinds: Set<String> = []
        let options = ApplyOptions(fieldManager: OwnershipLabels.fieldManager, force: true, dryRun: true)
        for object in ordered {
            let reference = object.reference.description
            let live: KubeObject?
            do {
                live = try await workload.get(object.groupVersionKind, name: object.name, namespace: object.namespace)
            } catch let error as KubernetesError where error.isNotFound || error.kind == .unknownKind {
                live = nil
            }
            do {
                let result = try await workload.apply(object, options: options)
                if let live, ObjectDiff.comparable(result) == ObjectDiff.comparable(live) {
                    impact.unchanged.append(reference)
                } else {
                    if live == nil { impact.created.append(reference) } else { impact.changed.append(reference) }
                    if includeDiffs { impact.diffs.append((reference, ObjectDiff.lines(live: live, applied: result))) }
                }
            } catch let error as KubernetesError where !error.kind.isTransport {
                let waitsForNamespace = object.namespace.map(newNamespaces.contains) ?? false
                let waitsForCRD = newGroupKinds.contains("\(object.kind).\(object.groupVersionKind.group)")
                if live == nil, waitsForNamespace || waitsForCRD {
                    impact.created.append(reference)
                    if includeDiffs { impact.diffs.append((reference, ObjectDiff.lines(live: nil, applied: object))) }
                } else {
                    impact.failures.append(Failure(cluster: impact.cluster, object: reference, message: error.status?.message ?? "\(error)"))
                }
            }
            if live == nil, object.kind == "Namespace" { newNamespaces.insert(object.name) }
            if live == nil, object.kind == "CustomResourceDefinition" {
                newGroupKinds.insert("\(object.spec["names"]["kind"].stringValue ?? "").\(object.spec["group"].stringValue ?? "")")
            }
        }
    }

    static func version(_ plan: AddonPlan?) -> String? {
        if case .install(let wanted) = plan { return wanted.version.description }
        return nil
    }

    /// Whether two plans of one addon differ in anything that reaches the cluster.
    static func differs(_ a: AddonPlan?, _ b: AddonPlan?, digests: Digests) -> Bool {
        switch (a, b) {
        case (nil, nil), (.remove?, .remove?): return false
        case (.install(let x)?, .install(let y)?):
            return x.version != y.version || x.channelValues != y.channelValues || x.clusterValues != y.clusterValues
                || digests.old[Digests.key(x.name, x.version)] != digests.new[Digests.key(y.name, y.version)]
        case (.blocked(_, let m1)?, .blocked(_, let m2)?): return m1 != m2
        default: return true
        }
    }

    /// The content digest of every version of both catalogs.
    struct Digests: Sendable {
        var old: [String: String] = [:]
        var new: [String: String] = [:]

        static func key(_ addon: String, _ version: SemanticVersion) -> String { "\(addon)@\(version)" }

        init(old: Catalog, new: Catalog) {
            for version in old.publishedVersions { self.old[Self.key(version.addon, version.version)] = version.digest }
            for version in new.publishedVersions { self.new[Self.key(version.addon, version.version)] = version.digest }
        }
    }

    // MARK: Workload connection

    /// The workload cluster's connection from its kubeconfig Secret. The kubeconfig is a
    /// tenant's data: exec plugins and file references are refused (they would run programs or
    /// read files on the publisher's machine).
    private func connect(cluster: KubeObject, spec: ClusterSpec) async throws -> KubernetesClient {
        guard let reference = spec.kubeconfig else { throw FleetDryRunError(description: "spec.kubeconfigSecretRef is not set") }
        let secret = try await management.get(ManagementKinds.secret, name: reference.secretName, namespace: cluster.namespace)
        guard let encoded = secret["data"][reference.key].stringValue, let data = Data(base64Encoded: encoded) else {
            throw FleetDryRunError(description: "secret \(cluster.namespace ?? "")/\(reference.secretName) has no key \(reference.key)")
        }
        let kubeconfig = try Kubeconfig.parse(String(decoding: data, as: UTF8.self), file: "secret \(cluster.namespace ?? "")/\(reference.secretName)")
        for user in kubeconfig.users.values where user.exec != nil || user.tokenFile != nil || user.clientCertificate != nil || user.clientKey != nil {
            throw FleetDryRunError(description: "the kubeconfig in secret \(cluster.namespace ?? "")/\(reference.secretName) uses an exec plugin or files (user \(user.name)): refused")
        }
        for entry in kubeconfig.clusters.values where entry.certificateAuthority != nil {
            throw FleetDryRunError(description: "the kubeconfig in secret \(cluster.namespace ?? "")/\(reference.secretName) names a CA file (cluster \(entry.name)): refused")
        }
        var connection = try kubeconfig.connection()
        connection.name = "\(cluster.namespace ?? "")/\(cluster.name)"
        connection.rateLimit = workloadRateLimit
        return try KubernetesClient(connection: connection, logger: logger)
    }
}

public struct FleetDryRunError: Error, Sendable, CustomStringConvertible {
    public var description: String
}
