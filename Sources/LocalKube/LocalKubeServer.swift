import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdTLS
import KubernetesModel
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// An in-process Kubernetes API server serving many independent clusters on one port, each at
/// `https://127.0.0.1:PORT/clusters/NAME` with its own storage, resourceVersions and bearer token.
/// Paths without that prefix (kubectl's `get --raw /readyz`) reach the cluster whose token the
/// request carries (see `LocalKubeResponder`).
///
/// ```swift
/// let server = try await LocalKubeServer.start(logger: logger)
/// let cluster = try await server.addCluster(name: "dev-1")
/// try server.writeKubeconfig(for: "dev-1", to: "/tmp/dev-1.kubeconfig")
/// ...
/// await server.shutdown()
/// ```
public final class LocalKubeServer: Sendable {
    /// The port the server listens on.
    public let port: Int
    public let host: String
    /// PEM of the certificate authority that signed the serving certificate (trust it to connect).
    public let caCertificatePEM: String
    /// Whether the server speaks TLS (always, except in the plain-HTTP debugging mode).
    public let usesTLS: Bool

    private let registry: ClusterRegistry
    private let defaultSettings: ClusterSettings
    private let logger: Logger
    private let serverTask: Task<Void, any Error>
    private let serviceGroup: ServiceGroup
    private let connections: OpenConnections

    private init(port: Int, host: String, caCertificatePEM: String, usesTLS: Bool, registry: ClusterRegistry,
                 defaultSettings: ClusterSettings, logger: Logger, serverTask: Task<Void, any Error>, serviceGroup: ServiceGroup,
                 connections: OpenConnections) {
        self.port = port
        self.host = host
        self.caCertificatePEM = caCertificatePEM
        self.usesTLS = usesTLS
        self.registry = registry
        self.defaultSettings = defaultSettings
        self.logger = logger
        self.serverTask = serverTask
        self.serviceGroup = serviceGroup
        self.connections = connections
    }

    /// Start listening on `host:port` (0 = any free port) over HTTPS with HTTP/2 (ALPN h2, http/1.1).
    /// - offersHTTP2: false to offer only HTTP/1.1 over TLS (ALPN http/1.1), as some proxies and
    ///   load balancers in front of an API server do.
    public static func start(port: Int = 0, host: String = "127.0.0.1", settings: ClusterSettings = ClusterSettings(),
                             plainHTTP: Bool = false, offersHTTP2: Bool = true, logger: Logger) async throws(LocalKubeError) -> LocalKubeServer {
        let identity = try ServingIdentity.generate()
        let registry = ClusterRegistry()
        let connections = OpenConnections()
        let serverBuilder: HTTPServerBuilder
        do {
            if plainHTTP {
                serverBuilder = .http1()
            } else {
                var tls = TLSConfiguration.makeServerConfiguration(
                    certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(identity.certificatePEM.utf8), format: .pem))],
                    privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.privateKeyPEM.utf8), format: .pem)))
                if !offersHTTP2 { tls.applicationProtocols = ["http/1.1"] }
                let serving = tls
                serverBuilder = offersHTTP2
                    // (HummingbirdHTTP2 offers h2 and http/1.1 by ALPN.)
                    ? HTTPServerBuilder { responder in
                        TLSConnectionChannel(upgrade: try HTTP2UpgradeChannel(tlsConfiguration: serving, responder: responder), connections: connections)
                    }
                    : HTTPServerBuilder { responder in
                        TLSConnectionChannel(upgrade: try TLSChannel(HTTP1Channel(responder: responder), tlsConfiguration: serving), connections: connections)
                    }
            }
        } catch {
            throw LocalKubeError.certificate("\(error)")
        }
        let started = StartSignal()
        var hbLogger = logger
        hbLogger.logLevel = max(logger.logLevel, .notice)
        let app = Application(
            responder: LocalKubeResponder(registry: registry),
            server: serverBuilder,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in started.resume(.success(channel.localAddress?.port ?? 0)) },
            logger: hbLogger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: hbLogger))
        let task = Task {
            do {
                try await group.run()
                started.resume(.failure(LocalKubeError.serverStart("the server stopped before it started")))
            } catch {
                started.resume(.failure(LocalKubeError.serverStart("\(error)")))
                throw error
            }
        }
        let boundPort: Int
        do {
            boundPort = try await started.value()
        } catch {
            task.cancel()
            throw (error as? LocalKubeError) ?? LocalKubeError.serverStart("\(error)")
        }
        logger.info("LocalKube listening", metadata: ["address": "\(plainHTTP ? "http" : "https")://\(host):\(boundPort)"])
        return LocalKubeServer(port: boundPort, host: host, caCertificatePEM: identity.caCertificatePEM, usesTLS: !plainHTTP,
                               registry: registry, defaultSettings: settings, logger: logger, serverTask: task, serviceGroup: group,
                               connections: connections)
    }

    /// `https://127.0.0.1:PORT`.
    /// TLS connections open now, and accepted since the start: what a test of a client's
    /// connection reuse counts.
    public var openConnectionCount: Int { connections.count }
    public var acceptedConnectionCount: Int { connections.accepted }

    /// Closes every TLS connection open now, as a restarted API server or a load balancer
    /// would; clients connect again for their next requests.
    public func closeConnections() async { await connections.closeOpen() }

    /// Makes every TLS connection open now go silent while it stays open, as one does to a client
    /// when the server's host freezes or a network path drops it without a reset: nothing read
    /// from it is taken, nothing written reaches the client (a PING goes unanswered), until the
    /// client closes it. New connections are served as before.
    public func silenceConnections() async { await connections.silenceOpen() }

    /// Sends GOAWAY on every HTTP/2 connection open now, as a kube-apiserver started with
    /// `--goaway-chance` does now and then (to spread its clients over its replicas): the client
    /// opens another connection for new requests, while the streams open on this one (watches) go
    /// on; the connection stays open until the client closes it. New connections are taken as
    /// before. (Not Hummingbird's graceful shutdown, which also ends the responses in flight.)
    ///
    /// Unlike kube-apiserver: a stream the client opens on the connection before it has read the
    /// GOAWAY makes LocalKube close the connection, with its watches. swift-nio-http2 refuses such
    /// a stream (it refuses every new stream after its own GOAWAY) and reports an error; an
    /// absorber of stream errors right after its handler did not keep the connection open, so
    /// what closes it is not found yet. Tests wait until the client has read the GOAWAY.
    public func askConnectionsToGoAway() { connections.sendGoAway() }

    public var baseURL: String { "\(usesTLS ? "https" : "http")://\(host):\(port)" }

    /// Create a fresh cluster (namespaces default, kube-system, kube-public, kube-node-lease and Ready nodes).
    @discardableResult
    public func addCluster(name: String, settings: ClusterSettings? = nil) async throws(LocalKubeError) -> LocalKubeCluster {
        guard ObjectValidation.isLabel(name) else { throw LocalKubeError.invalidName(name) }
        let token = UserDirectory.randomToken(prefix: "localkube-")
        let cluster = LocalKubeCluster(name: name, token: token, baseURL: "\(baseURL)/clusters/\(name)",
                                       serverAddress: "\(host):\(port)", settings: settings ?? defaultSettings, logger: logger)
        await cluster.bootstrap()
        guard registry.insert(cluster) else { throw LocalKubeError.clusterExists(name) }
        return cluster
    }

    /// Remove a cluster: its watches end and its URL answers 404 from now on.
    public func removeCluster(name: String) async {
        guard let cluster = registry.remove(name) else { return }
        await cluster.shutdown()
    }

    public func cluster(named name: String) -> LocalKubeCluster? { registry.get(name) }

    public var clusterNames: [String] { registry.names }

    /// A kubeconfig for one cluster (the CA inline, the bearer token, the cluster's base URL as `server`).
    public func kubeconfig(for name: String) throws(LocalKubeError) -> String {
        guard let cluster = registry.get(name) else { throw LocalKubeError.clusterNotFound(name) }
        let ca = Data(caCertificatePEM.utf8).base64EncodedString()
        // A cluster named `off` or `yes` must stay a string for YAML 1.1 readers.
        let quoted = YAML.quoteIfNeeded(name)
        let user = YAML.quoteIfNeeded("\(name)-admin")
        let clusterEntry = usesTLS
            ? "- cluster:\n    certificate-authority-data: \(ca)\n    server: \(cluster.baseURL)\n  name: \(quoted)\n"
            : "- cluster:\n    server: \(cluster.baseURL)\n  name: \(quoted)\n"
        return """
            apiVersion: v1
            kind: Config
            clusters:
            \(clusterEntry)contexts:
            - context:
                cluster: \(quoted)
                user: \(user)
              name: \(quoted)
            current-context: \(quoted)
            preferences: {}
            users:
            - name: \(user)
              user:
                token: \(cluster.token)

            """
    }

    /// Write the cluster's kubeconfig to `path` (mode 0600).
    public func writeKubeconfig(for name: String, to path: String) throws(LocalKubeError) {
        try Self.writeKubeconfig(try kubeconfig(for: name), to: path)
    }

    /// Write a kubeconfig to `path`, its directory created, readable by its owner only (mode
    /// 0600: it carries credentials).
    public static func writeKubeconfig(_ text: String, to path: String) throws(LocalKubeError) {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        } catch {
            throw LocalKubeError.serverStart("cannot write kubeconfig \(path): \(error)")
        }
    }

    /// End every watch, stop the clusters and close the listener.
    public func shutdown() async {
        for cluster in registry.all { await cluster.shutdown() }
        await connections.closeAll()
        await serviceGroup.triggerGracefulShutdown()
        _ = await serverTask.result
    }
}

/// A one-time result handed from the server's start callback to `start`.
private final class StartSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Int, any Error>?
    private var waiter: CheckedContinuation<Int, any Error>?

    func resume(_ value: Result<Int, any Error>) {
        lock.lock()
        if result != nil {
            lock.unlock()
            return
        }
        result = value
        let w = waiter
        waiter = nil
        lock.unlock()
        w?.resume(with: value)
    }

    func value() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            lock.lock()
            if let result {
                lock.unlock()
                continuation.resume(with: result)
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }
}
