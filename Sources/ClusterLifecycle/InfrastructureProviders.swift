import AddonController
import Foundation
import Infrastructure
import KubernetesClient
import KubernetesModel
import Logging

/// The infrastructure provider of each Cluster, made from the credentials Secret its
/// `spec.infrastructure` names — always in the Cluster's own namespace, so that a project can
/// only spend its own cloud credentials. One provider per Secret, shared by the Clusters that
/// name it, kept while the Secret is unchanged: the Secret is read again after `recheck`, and a
/// changed one (rotated credentials) gets a new provider. Credentials never reach an error, a
/// log line or a condition: only the Secret's name and what is wrong with it.
public actor InfrastructureProviders {
    /// Why a Cluster has no provider.
    public struct SetupError: Error, CustomStringConvertible {
        public let cluster: String
        public let message: String
        /// Only an edit of the Cluster's spec can fix it (no `spec.infrastructure`, or one that
        /// cannot be read): not worth a retry, the Cluster's next change brings the next try. A
        /// Secret that is missing, unreadable or not permitted may be fixed without one: retried.
        public var inClusterSpec = false
        public var description: String { "cluster \(cluster): \(message)" }

        public init(cluster: String, message: String, inClusterSpec: Bool = false) {
            self.cluster = cluster
            self.message = message
            self.inClusterSpec = inClusterSpec
        }
    }

    private struct Entry {
        let provider: OpenStackProvider
        let resourceVersion: String
        var checked: ContinuousClock.Instant
    }

    private let management: any ObjectReader
    private let recheck: Duration
    private let logger: Logger
    private var entries: [String: Entry] = [:]
    /// Providers replaced by a changed Secret: reconciles may still hold them, so they are
    /// closed at shutdown rather than at once.
    private var retired: [OpenStackProvider] = []

    public init(management: any ObjectReader, recheck: Duration = .seconds(120), logger: Logger) {
        self.management = management
        self.recheck = recheck
        self.logger = logger
    }

    /// The Cluster's provider; throws `SetupError` when it has none that can be used.
    public func provider(for cluster: KubeObject) async throws -> any InfrastructureProvider {
        let key = "\(cluster.namespace ?? "")/\(cluster.name)"
        let infrastructure: ClusterInfrastructure
        do {
            guard let parsed = try ClusterInfrastructure(spec: cluster["spec"]) else {
                throw SetupError(cluster: key, message: "spec.infrastructure is not set: node pools need a provider and its credentials Secret",
                                 inClusterSpec: true)
            }
            infrastructure = parsed
        } catch let error as NodePoolError {
            throw SetupError(cluster: key, message: error.description, inClusterSpec: true)
        }
        guard let namespace = cluster.namespace else { throw SetupError(cluster: key, message: "a Cluster without a namespace") }
        let secretKey = "\(namespace)/\(infrastructure.credentialsSecretName)"
        if let entry = entries[secretKey], entry.checked.duration(to: .now) < recheck { return entry.provider }

        let secret: KubeObject
        do {
            secret = try await management.get(ManagementKinds.secret, name: infrastructure.credentialsSecretName, namespace: namespace)
        } catch let error as KubernetesError where error.isNotFound {
            throw SetupError(cluster: key, message: "credentials Secret \(secretKey) not found")
        } catch let error as KubernetesError where error.kind == .forbidden {
            throw SetupError(cluster: key, message: "the manager may not read Secrets in namespace \(namespace) (see deploy/: it is granted per project)")
        }
        let resourceVersion = secret.resourceVersion ?? ""
        if var entry = entries[secretKey], entry.resourceVersion == resourceVersion {
            entry.checked = .now
            entries[secretKey] = entry
            return entry.provider
        }
        let credentials: OpenStackCredentials
        do {
            credentials = try OpenStackCredentials(secretData: try Self.textValues(secret))
        } catch {
            throw SetupError(cluster: key, message: "credentials Secret \(secretKey): \(error)")
        }
        let provider = OpenStackProvider(credentials: credentials, logger: logger)
        if let previous = entries[secretKey] {
            retired.append(previous.provider)
            logger.info("infrastructure credentials changed, new provider", metadata: ["secret": "\(secretKey)"])
        }
        entries[secretKey] = Entry(provider: provider, resourceVersion: resourceVersion, checked: .now)
        return provider
    }

    /// Closes every provider's connections.
    public func shutdown() async {
        let all = entries.values.map(\.provider) + retired
        entries = [:]
        retired = []
        for provider in all { try? await provider.shutdown() }
    }

    /// A Secret's values as text; a value that is not UTF-8 is refused by its key alone.
    static func textValues(_ secret: KubeObject) throws -> [String: String] {
        try ManagementSecretSource.values(of: secret).reduce(into: [:]) { text, entry in
            guard let string = String(validating: entry.value, as: UTF8.self) else {
                throw ProviderError(kind: .configuration, operation: "read OpenStack credentials", message: "key \(entry.key) is not UTF-8 text")
            }
            text[entry.key] = string
        }
    }
}
