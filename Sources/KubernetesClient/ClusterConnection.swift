import KubernetesModel

/// Everything the client needs to talk to one API server: where, how to trust it, who we are,
/// and how politely. Built from a kubeconfig (`Kubeconfig.connection(context:)`,
/// `ClusterConnection.load(...)`) or from a pod's service account (`ClusterConnection.inCluster()`).
public struct ClusterConnection: Sendable {
    /// The name errors and logs use for this cluster (kubeconfig cluster name, or "in-cluster").
    public var name: String
    /// Base URL of the API server ("https://10.0.0.1:6443"), without trailing slash.
    public var server: String
    public var tls: TLSSettings
    public var credentials: Credentials
    /// Default namespace for namespaced objects that name none.
    public var namespace: String
    public var rateLimit: RateLimit
    public var retryPolicy: RetryPolicy
    /// Sent as User-Agent.
    public var userAgent: String
    /// What the connection is for, as the request metrics name it (`workload`, `management`,
    /// `leases`; `client` when not said).
    public var role: String = "client"
    /// Timeout of a non-watch request.
    public var requestTimeout: Duration
    /// Connect timeout.
    public var connectTimeout: Duration
    /// When the client's own HTTP/2 connection, silent for a while, PINGs the server, and when it
    /// gives the connection up (client-go's defaults: 30 s, then 15 s).
    public var liveness = ConnectionLiveness()

    public init(name: String, server: String, tls: TLSSettings = TLSSettings(), credentials: Credentials = .none, namespace: String = "default",
                rateLimit: RateLimit = .init(), retryPolicy: RetryPolicy = .init(), userAgent: String = "addon-manager/0.1",
                requestTimeout: Duration = .seconds(60), connectTimeout: Duration = .seconds(10)) {
        self.name = name
        var server = server
        while server.hasSuffix("/") { server.removeLast() }
        self.server = server
        self.tls = tls
        self.credentials = credentials
        self.namespace = namespace
        self.rateLimit = rateLimit
        self.retryPolicy = retryPolicy
        self.userAgent = userAgent
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
    }
}

/// How the server's certificate is checked and which client certificate we present.
public struct TLSSettings: Sendable, Hashable {
    /// PEM of the CA bundle to trust (nil: the system trust store).
    public var certificateAuthorityPEM: [UInt8]?
    /// Skip verification of the server certificate (kubeconfig `insecure-skip-tls-verify`).
    public var insecureSkipVerify: Bool
    /// Name to verify the server certificate against (and send as SNI) instead of the URL's host.
    public var serverName: String?
    /// PEM of the client certificate (chain) and its key.
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?

    public init(certificateAuthorityPEM: [UInt8]? = nil, insecureSkipVerify: Bool = false, serverName: String? = nil,
                clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil) {
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.insecureSkipVerify = insecureSkipVerify
        self.serverName = serverName
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
    }
}

/// Who we are to the API server.
public enum Credentials: Sendable, Hashable {
    case none
    /// A fixed bearer token.
    case bearerToken(String)
    /// A bearer token read from a file and re-read periodically (a rotated service-account token).
    case tokenFile(path: String, rereadInterval: Duration)
    /// An exec credential plugin, re-run before its credential expires.
    case exec(ExecConfig)
    /// HTTP basic authentication (old kubeconfigs).
    case basic(username: String, password: String)
}

/// Per-client request rate limit: a token bucket of `burst` tokens refilled at `qps` per second.
public struct RateLimit: Sendable, Hashable {
    public var qps: Double
    public var burst: Int

    /// client-go's defaults are 5 QPS / burst 10; a controller talking to its own clusters usually
    /// raises them, and so do we.
    public init(qps: Double = 50, burst: Int = 100) {
        self.qps = qps
        self.burst = burst
    }

    /// No limit.
    public static let unlimited = RateLimit(qps: .infinity, burst: .max)
}
