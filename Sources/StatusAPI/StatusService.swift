import AddonCatalog
import AddonController
import ControllerRuntime
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import KubernetesClient
import KubernetesModel
import Logging
import NIOSSL
import ServiceLifecycle

/// Runs the status API: the management plane's Clusters, ClusterAddons, their Events and the
/// AddonRollouts are watched into a `FleetStatusStore`, and the API and page are served from it
/// over HTTPS (plain HTTP only on a loopback address, for `dev`).
public struct StatusService: Service {
    public struct Options: Sendable {
        public var host: String
        public var port: Int
        /// PEM files of the serving certificate (chain) and its key; nil: plain HTTP (loopback only).
        public var tlsCertificateFile: String?
        public var tlsKeyFile: String?

        public init(host: String = "127.0.0.1", port: Int = 8443, tlsCertificateFile: String? = nil, tlsKeyFile: String? = nil) {
            self.host = host
            self.port = port
            self.tlsCertificateFile = tlsCertificateFile
            self.tlsKeyFile = tlsKeyFile
        }

        /// Refuses plain HTTP on an address other machines reach, and half a TLS configuration.
        public func validate() throws(StatusServiceError) {
            switch (tlsCertificateFile, tlsKeyFile) {
            case (nil, nil):
                guard Self.isLoopback(host) else {
                    throw StatusServiceError("the status API serves plain HTTP only on a loopback address, not \(host): give --status-tls-cert and --status-tls-key")
                }
            case (.some, .some): break
            default: throw StatusServiceError("--status-tls-cert and --status-tls-key go together")
            }
        }

        static func isLoopback(_ host: String) -> Bool {
            host == "localhost" || host == "::1" || host.hasPrefix("127.")
        }
    }

    public let store: FleetStatusStore
    let management: any KubeClient
    let api: StatusAPI
    let options: Options
    let logger: Logger
    let onListening: (@Sendable (Int) async -> Void)?

    public init(management: any KubeClient, reviewer: any AccessReviewer, catalog: @escaping @Sendable () async -> Catalog?,
                options: Options, store: FleetStatusStore = FleetStatusStore(), logger: Logger,
                onListening: (@Sendable (Int) async -> Void)? = nil) {
        self.store = store
        self.management = management
        self.api = StatusAPI(store: store, reviewer: reviewer, catalog: catalog, logger: logger)
        self.options = options
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        try options.validate()
        let server: HTTPServerBuilder
        if let certificate = options.tlsCertificateFile, let key = options.tlsKeyFile {
            do {
                let tls = TLSConfiguration.makeServerConfiguration(
                    certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
                    privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
                server = try .tls(.http1(), tlsConfiguration: tls)
            } catch {
                throw StatusServiceError("the status API's TLS files cannot be used (\(certificate), \(key)): \(error)")
            }
        } else {
            server = .http1()
        }
        let onListening = self.onListening
        let app = Application(router: api.router(), server: server,
                              configuration: .init(address: .hostname(options.host, port: options.port), serverName: "addon-manager"),
                              onServerRunning: { channel in await onListening?(channel.localAddress?.port ?? 0) },
                              logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await cancelWhenGracefulShutdown { await self.watch() } }
            group.addTask { try await app.run() }
            try await group.waitForAll()
        }
    }

    /// Keeps the store in step with the management plane until cancelled.
    func watch() async {
        let store = self.store
        func informer(_ kind: GroupVersionKind, transform: @escaping @Sendable (KubeObject) -> KubeObject,
                      include: (@Sendable (KubeObject) -> Bool)? = nil,
                      apply: @escaping @Sendable (KubeObject, Bool) -> Void) -> Informer {
            // The store keeps its own records: the caches keep only what names an object, for a
            // relist that finds it gone (a whole ClusterAddon is some 2.5 KB of text).
            Informer(kind: kind, client: management, storage: .compact, transform: transform, keep: Self.identity, include: include, logger: logger) { event in
                switch event {
                case .added(let object), .resync(let object): apply(object, false)
                case .updated(_, let object): apply(object, false)
                case .deleted(let object): apply(object, true)
                }
            }
        }
        let informers = [
            informer(ManagementKinds.cluster, transform: Self.slimCluster) { store.clusterChanged($0, deleted: $1) },
            informer(ManagementKinds.clusterAddon, transform: ObjectCache.withoutManagedFields) { store.clusterAddonChanged($0, deleted: $1) },
            informer(ManagementKinds.addonRollout, transform: ObjectCache.withoutManagedFields) { store.rolloutChanged($0, deleted: $1) },
            informer(ManagementKinds.event, transform: ObjectCache.withoutManagedFields, include: Self.concernsClusters) { store.eventChanged($0, deleted: $1) },
        ]
        await withTaskGroup(of: Void.self) { group in
            for informer in informers { group.addTask { await informer.run() } }
        }
    }

    /// A Cluster as the store reads it: never its facts, values or kubeconfig reference.
    @Sendable static func slimCluster(_ object: KubeObject) -> KubeObject {
        var slim = KubeObject(apiVersion: object.apiVersion, kind: object.kind, name: object.name, namespace: object.namespace)
        for key in ["uid", "resourceVersion", "generation", "creationTimestamp", "labels"] { slim.body.setValue(object.metadata[key], at: ["metadata", key]) }
        var spec: JSONValue = [:]
        for key in ["channel", "kubernetesVersion", "paused"] where !object["spec"][key].isNull { spec[key] = object["spec"][key] }
        slim["spec"] = spec
        slim["status"] = object.status
        return slim
    }

    /// What the status informers' caches keep of an object: what the store needs to drop it
    /// (its name and namespace; a ClusterAddon's or an AddonRollout's cluster and addon).
    @Sendable static func identity(_ object: KubeObject) -> KubeObject {
        var kept = KubeObject(apiVersion: object.apiVersion, kind: object.kind, name: object.name, namespace: object.namespace)
        for key in ["uid", "labels"] where !object.metadata[key].isNull { kept.body.setValue(object.metadata[key], at: ["metadata", key]) }
        for key in ["cluster", "addon"] where !object["spec"][key].isNull { kept.body.setValue(object["spec"][key], at: ["spec", key]) }
        return kept
    }

    @Sendable static func concernsClusters(_ object: KubeObject) -> Bool {
        let kind = object["involvedObject"]["kind"].stringValue
        return (kind == "Cluster" || kind == "ClusterAddon") && object["involvedObject"]["apiVersion"].stringValue?.hasPrefix(ManagementKinds.group + "/") == true
    }
}

public struct StatusServiceError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
