import AddonCatalog
import AddonController
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging

/// The embedded default: one LocalKube process serving the management plane and simulated
/// workload clusters, the management CRDs installed, the catalog published (AddonVersions and
/// AddonChannels, as `addonctl publish` writes them), a Cluster (with its kubeconfig Secret and
/// the credentials its addons reference) per workload cluster. `addon-manager dev` and the
/// end-to-end tests run the real controllers against it, over HTTPS, like against real clusters.
public final class DevFleet: Sendable {
    public static let managementName = "management"
    public static let managerNamespace = "addon-manager"

    public let server: LocalKubeServer
    public let management: KubernetesClient
    public let catalog: Catalog
    public let kubeconfigDirectory: String
    private let logger: Logger
    private let projects = Projects()

    /// Project namespaces being or already set up: each once, however many clusters it holds;
    /// a cluster created meanwhile waits for the same setup.
    private actor Projects {
        var setups: [String: Task<Void, any Error>] = [:]

        func ensure(_ project: String, _ setUp: @escaping @Sendable () async throws -> Void) async throws {
            let task = setups[project] ?? Task { try await setUp() }
            setups[project] = task
            do {
                try await task.value
            } catch {
                setups.removeValue(forKey: project)
                throw error
            }
        }
    }

    private init(server: LocalKubeServer, management: KubernetesClient, catalog: Catalog, kubeconfigDirectory: String, logger: Logger) {
        self.server = server
        self.management = management
        self.catalog = catalog
        self.kubeconfigDirectory = kubeconfigDirectory
        self.logger = logger
    }

    /// Starts LocalKube with the management cluster and installs the CRDs.
    /// - managementKubeconfig: a management plane served elsewhere (another LocalKube process,
    ///   say) instead of one in this LocalKube: the fleet benchmark keeps the management plane
    ///   apart from the simulated clusters, as a real one is. Its kubeconfig is copied to
    ///   `managementKubeconfigPath`. Users (`addProjectUser`) need the embedded one.
    public static func start(catalog: Catalog, port: Int = 0, kubeconfigDirectory: String, workloadSettings: ClusterSettings = ClusterSettings(),
                             managementKubeconfig: String? = nil, logger: Logger) async throws -> DevFleet {
        let server = try await LocalKubeServer.start(port: port, settings: workloadSettings, logger: logger)
        let management: KubernetesClient
        do {
            let path = kubeconfigPath(directory: kubeconfigDirectory, cluster: managementName)
            let kubeconfig: String
            if let managementKubeconfig {
                kubeconfig = try String(contentsOfFile: managementKubeconfig, encoding: .utf8)
                try LocalKubeServer.writeKubeconfig(kubeconfig, to: path)
            } else {
                try await server.addCluster(name: managementName, settings: ClusterSettings(initialNodes: 1))
                try server.writeKubeconfig(for: managementName, to: path)
                kubeconfig = try server.kubeconfig(for: managementName)
            }
            var connection = try Kubeconfig.parse(kubeconfig, file: path).connection()
            connection.rateLimit = .unlimited
            connection.role = "management"
            management = try KubernetesClient(connection: connection, logger: logger)
        } catch {
            await server.shutdown()
            throw error
        }
        do {
            try await ManagementCRDs.install(client: management, logger: logger)
            // The manager's own namespace, as deploy/ creates it: `addon-manager run` pointed at
            // this management plane keeps its shard Leases there.
            _ = try await management.apply(KubeObject(apiVersion: "v1", kind: "Namespace", name: managerNamespace),
                                           options: ApplyOptions(fieldManager: "addon-manager-dev", force: true))
            try await CatalogPublisher(client: management, fieldManager: "addon-manager-dev", logger: logger).publish(catalog)
        } catch {
            try? await management.shutdown()
            await server.shutdown()
            throw error
        }
        return DevFleet(server: server, management: management, catalog: catalog, kubeconfigDirectory: kubeconfigDirectory, logger: logger)
    }

    public static func kubeconfigPath(directory: String, cluster: String) -> String {
        URL(fileURLWithPath: directory).appendingPathComponent("\(cluster).kubeconfig").path
    }

    public var managementKubeconfigPath: String { Self.kubeconfigPath(directory: kubeconfigDirectory, cluster: Self.managementName) }

    /// A workload cluster as the addon manager sees one.
    public struct ClusterRequest: Sendable {
        public var name: String
        public var project: String
        public var channel: String
        public var kubernetesVersion: String
        public var labels: [String: String]
        /// `spec.addons` of the Cluster (overrides: enabled, version, values).
        public var addons: JSONValue
        /// `spec.nodePools` (null: none).
        public var nodePools: JSONValue = .null
        public var settings: ClusterSettings?

        public init(name: String, project: String = "dev", channel: String = "stable", kubernetesVersion: String = "1.30.4",
                    labels: [String: String] = [:], addons: JSONValue = [], settings: ClusterSettings? = nil) {
            self.name = name
            self.project = project
            self.channel = channel
            self.kubernetesVersion = kubernetesVersion
            self.labels = labels
            self.addons = addons
            self.settings = settings
        }
    }

    /// A cluster shaped like the catalog's example cluster number `index` (cycling): its channel,
    /// Kubernetes version, labels, opt-ins, opt-outs and value overrides, so that every addon the
    /// catalog ships renders as it would for that kind of cluster.
    public func request(named name: String, example index: Int, project: String = "dev") -> ClusterRequest {
        let examples = catalog.exampleClusters.sorted { $0.facts.name < $1.facts.name }
        guard !examples.isEmpty else { return ClusterRequest(name: name, project: project) }
        let example = examples[index % examples.count]
        var addons: [JSONValue] = []
        let names = Set(example.values.keys).union(example.optIn).union(example.optOut).sorted()
        for addon in names {
            var entry: JSONValue = ["name": .string(addon)]
            if example.optIn.contains(addon) { entry["enabled"] = true }
            if example.optOut.contains(addon) { entry["enabled"] = false }
            if let values = example.values[addon] { entry["values"] = values }
            addons.append(entry)
        }
        var labels = example.facts.labels
        labels["addon-manager.io/example"] = example.facts.name
        return ClusterRequest(name: name, project: project, channel: example.channel, kubernetesVersion: example.facts.kubernetesVersion.description,
                              labels: labels, addons: .array(addons))
    }

    /// Adds a simulated workload cluster and its Cluster object (kubeconfig Secret, credentials).
    @discardableResult
    public func addCluster(_ request: ClusterRequest) async throws -> LocalKubeCluster {
        let cluster = try await server.addCluster(name: request.name, settings: request.settings)
        let kubeconfig = try server.kubeconfig(for: request.name)
        try server.writeKubeconfig(for: request.name, to: Self.kubeconfigPath(directory: kubeconfigDirectory, cluster: request.name))
        try await ensureProject(request.project)
        let field = WriteOptions(fieldManager: "addon-manager-dev")

        var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: "\(request.name)-kubeconfig", namespace: request.project)
        secret["type"] = "Opaque"
        secret["data"] = ["kubeconfig": .string(Data(kubeconfig.utf8).base64EncodedString())]
        _ = try await management.apply(secret, options: ApplyOptions(fieldManager: field.fieldManager, force: true))

        var object = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "Cluster", name: request.name, namespace: request.project)
        object.labels = request.labels
        object["spec"] = [
            "kubeconfigSecretRef": ["name": .string("\(request.name)-kubeconfig"), "key": "kubeconfig"],
            "kubernetesVersion": .string(request.kubernetesVersion),
            "channel": .string(request.channel),
            "facts": [
                "region": "dev-1",
                "availabilityZones": ["dev-1a", "dev-1b"],
                "apiEndpoint": .string(cluster.baseURL),
                "podCIDR": "10.244.0.0/16",
                "serviceCIDR": "10.96.0.0/12",
                "objectStorage": ["endpoint": "https://s3.dev-1.localkube.invalid", "bucket": .string("\(request.project)-\(request.name)-backups")],
            ],
            "addons": request.addons,
        ]
        if !request.nodePools.isNull { object["spec"]["nodePools"] = request.nodePools }
        _ = try await management.apply(object, options: ApplyOptions(fieldManager: field.fieldManager, force: true))
        return cluster
    }

    /// The project namespace, with stand-in credentials for every Secret the catalog's addons
    /// reference (dev values, never real ones).
    private func ensureProject(_ project: String) async throws {
        try await projects.ensure(project) { try await self.setUpProject(project) }
    }

    private func setUpProject(_ project: String) async throws {
        let namespace = KubeObject(apiVersion: "v1", kind: "Namespace", name: project)
        _ = try await management.apply(namespace, options: ApplyOptions(fieldManager: "addon-manager-dev", force: true))
        var needed: [String: Set<String>] = [:]
        for name in catalog.addonNames {
            for version in catalog.versions(of: name) {
                for reference in catalog.definition(name: name, version: version)?.secrets ?? [] {
                    needed[reference.secretName, default: []].formUnion(reference.requiredKeys)
                }
            }
        }
        for (name, keys) in needed {
            var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: name, namespace: project)
            secret["type"] = "Opaque"
            var data: [String: JSONValue] = [:]
            for key in keys {
                let value = key.lowercased().contains("url") || key.lowercased().contains("endpoint") ? "https://\(key.lowercased()).dev.localkube.invalid" : "dev-\(key)"
                data[key] = .string(Data(value.utf8).base64EncodedString())
            }
            secret["data"] = .object(data)
            _ = try await management.apply(secret, options: ApplyOptions(fieldManager: "addon-manager-dev", force: true))
        }
    }

    public func shutdown() async {
        try? await management.shutdown()
        await server.shutdown()
    }
}
