import Foundation
import KubernetesModel

/// A kubeconfig: clusters, users and contexts, possibly merged from several files the way
/// kubectl merges `$KUBECONFIG` (for each name the first file that defines it wins; the first
/// `current-context` set wins). Relative paths are resolved against the directory of the file
/// that holds them.
public struct Kubeconfig: Sendable {
    public struct Cluster: Sendable, Hashable {
        public var name: String
        public var server: String?
        /// Absolute path of the CA file.
        public var certificateAuthority: String?
        public var certificateAuthorityData: [UInt8]?
        public var insecureSkipTLSVerify: Bool
        public var tlsServerName: String?
        /// The file that defined this cluster.
        public var file: String?
    }

    public struct User: Sendable, Hashable {
        public var name: String
        public var token: String?
        /// Absolute path of the token file.
        public var tokenFile: String?
        public var clientCertificate: String?
        public var clientCertificateData: [UInt8]?
        public var clientKey: String?
        public var clientKeyData: [UInt8]?
        public var exec: ExecConfig?
        public var username: String?
        public var password: String?
        public var file: String?
    }

    public struct Context: Sendable, Hashable {
        public var name: String
        public var cluster: String
        public var user: String
        public var namespace: String?
        public var file: String?
    }

    public var clusters: [String: Cluster]
    public var users: [String: User]
    public var contexts: [String: Context]
    public var currentContext: String?

    public init(clusters: [String: Cluster] = [:], users: [String: User] = [:], contexts: [String: Context] = [:], currentContext: String? = nil) {
        self.clusters = clusters
        self.users = users
        self.contexts = contexts
        self.currentContext = currentContext
    }

    // MARK: Loading

    /// Loads and merges kubeconfig files in precedence order. Files in `paths` that do not exist
    /// are skipped (as kubectl skips them in `$KUBECONFIG`) unless `requireAll`.
    public static func load(paths: [String], requireAll: Bool = false) throws(KubeconfigError) -> Kubeconfig {
        var merged = Kubeconfig()
        var loadedAny = false
        for path in paths where !path.isEmpty {
            let absolute = absolutePath(path, relativeTo: FileManager.default.currentDirectoryPath)
            guard FileManager.default.fileExists(atPath: absolute) else {
                if requireAll { throw KubeconfigError(kind: .unreadable, file: path, field: nil, reason: "no such file") }
                continue
            }
            let text: String
            do {
                text = try String(contentsOfFile: absolute, encoding: .utf8)
            } catch {
                throw KubeconfigError(kind: .unreadable, file: path, field: nil, reason: "cannot read: \(error.localizedDescription)")
            }
            let config = try parse(text, file: absolute)
            merged.merge(config)
            loadedAny = true
        }
        if !loadedAny {
            throw KubeconfigError(kind: .noConfiguration, file: paths.joined(separator: ":"), field: nil, reason: "no kubeconfig file found")
        }
        return merged
    }

    /// Adds what `other` defines and this does not (this one takes precedence).
    public mutating func merge(_ other: Kubeconfig) {
        for (name, cluster) in other.clusters where clusters[name] == nil { clusters[name] = cluster }
        for (name, user) in other.users where users[name] == nil { users[name] = user }
        for (name, context) in other.contexts where contexts[name] == nil { contexts[name] = context }
        if currentContext == nil || currentContext == "" { currentContext = other.currentContext }
    }

    /// Parses one kubeconfig file's text. `file` is its path: relative paths inside are resolved
    /// against its directory, and errors name it.
    public static func parse(_ text: String, file: String?) throws(KubeconfigError) -> Kubeconfig {
        let root: JSONValue
        do {
            root = try YAML.parse(text, file: file)
        } catch {
            throw KubeconfigError(kind: .malformed, file: file, field: nil, reason: error.description)
        }
        let reader = KubeconfigReader(file: file)
        return try reader.read(root)
    }

    // MARK: Resolving a context

    /// The connection settings of a context (nil: `current-context`). `policy` says whether the
    /// context's user may run an exec plugin and whether its cluster and user may name files:
    /// what it refuses is an error naming the field, before anything runs or is read.
    public func connection(context contextName: String? = nil, policy: KubeconfigPolicy = .trusted) throws(KubeconfigError) -> ClusterConnection {
        let name: String
        if let contextName, !contextName.isEmpty {
            name = contextName
        } else if let currentContext, !currentContext.isEmpty {
            name = currentContext
        } else {
            throw KubeconfigError(kind: .missingField, file: nil, field: "current-context", reason: "no context given and current-context is not set")
        }
        guard let context = contexts[name] else {
            throw KubeconfigError(kind: .unknownContext, file: nil, field: contextName == nil ? "current-context" : nil,
                                  reason: "context \"\(name)\" is not defined (contexts: \(contexts.keys.sorted().joined(separator: ", ")))")
        }
        guard let cluster = clusters[context.cluster] else {
            throw KubeconfigError(kind: .unknownCluster, file: context.file, field: "contexts[name=\(name)].context.cluster",
                                  reason: "cluster \"\(context.cluster)\" is not defined")
        }
        let user: User
        if context.user.isEmpty {
            user = User(name: "", insecureDefault: ())
        } else if let found = users[context.user] {
            user = found
        } else {
            throw KubeconfigError(kind: .unknownUser, file: context.file, field: "contexts[name=\(name)].context.user",
                                  reason: "user \"\(context.user)\" is not defined")
        }
        let clusterField = "clusters[name=\(cluster.name)].cluster"
        try Self.check(cluster: cluster, user: user, field: (clusterField, "users[name=\(user.name)].user"), against: policy)
        guard let server = cluster.server, !server.isEmpty else {
            throw KubeconfigError(kind: .missingField, file: cluster.file, field: "\(clusterField).server", reason: "the API server URL is required")
        }
        guard server.hasPrefix("https://") || server.hasPrefix("http://") else {
            throw KubeconfigError(kind: .invalidField, file: cluster.file, field: "\(clusterField).server", reason: "\"\(server)\" is not an http(s) URL")
        }
        var tls = TLSSettings(insecureSkipVerify: cluster.insecureSkipTLSVerify, serverName: cluster.tlsServerName)
        if let data = cluster.certificateAuthorityData {
            tls.certificateAuthorityPEM = data
        } else if let path = cluster.certificateAuthority {
            tls.certificateAuthorityPEM = try Self.readFile(path, file: cluster.file, field: "\(clusterField).certificate-authority")
        }
        if tls.certificateAuthorityPEM != nil && cluster.insecureSkipTLSVerify {
            throw KubeconfigError(kind: .conflictingFields, file: cluster.file, field: "\(clusterField).insecure-skip-tls-verify",
                                  reason: "specifying a root certificate authority with insecure-skip-tls-verify is not allowed")
        }
        let userField = "users[name=\(user.name)].user"
        if let data = user.clientCertificateData {
            tls.clientCertificatePEM = data
        } else if let path = user.clientCertificate {
            tls.clientCertificatePEM = try Self.readFile(path, file: user.file, field: "\(userField).client-certificate")
        }
        if let data = user.clientKeyData {
            tls.clientKeyPEM = data
        } else if let path = user.clientKey {
            tls.clientKeyPEM = try Self.readFile(path, file: user.file, field: "\(userField).client-key")
        }
        if tls.clientCertificatePEM != nil && tls.clientKeyPEM == nil {
            throw KubeconfigError(kind: .missingField, file: user.file, field: "\(userField).client-key", reason: "a client certificate needs its key (client-key or client-key-data)")
        }
        if tls.clientKeyPEM != nil && tls.clientCertificatePEM == nil {
            throw KubeconfigError(kind: .missingField, file: user.file, field: "\(userField).client-certificate", reason: "a client key needs its certificate (client-certificate or client-certificate-data)")
        }
        let credentials: Credentials
        if let token = user.token, !token.isEmpty {
            credentials = .bearerToken(token)
        } else if let tokenFile = user.tokenFile {
            credentials = .tokenFile(path: tokenFile, rereadInterval: .seconds(60))
        } else if let exec = user.exec {
            credentials = .exec(exec)
        } else if let username = user.username, let password = user.password {
            credentials = .basic(username: username, password: password)
        } else {
            credentials = .none
        }
        let namespace = (context.namespace?.isEmpty ?? true) ? "default" : context.namespace!
        return ClusterConnection(name: cluster.name, server: server, tls: tls, credentials: credentials, namespace: namespace)
    }

    /// Refuses what `policy` does not allow in the cluster and user a context uses.
    private static func check(cluster: Cluster, user: User, field: (cluster: String, user: String), against policy: KubeconfigPolicy) throws(KubeconfigError) {
        if !policy.allowsExecPlugins, let exec = user.exec {
            throw KubeconfigError(kind: .notAllowed, file: user.file, field: "\(field.user).exec",
                                  reason: "exec credential plugins are not allowed in this kubeconfig (it would run \"\(exec.command)\" inside this process); use an inline token or client certificate")
        }
        guard !policy.allowsFilePaths else { return }
        let paths: [(String, String?)] = [
            ("\(field.cluster).certificate-authority", cluster.certificateAuthority),
            ("\(field.user).tokenFile", user.tokenFile),
            ("\(field.user).client-certificate", user.clientCertificate),
            ("\(field.user).client-key", user.clientKey),
        ]
        for (name, path) in paths where path != nil {
            let file = name.hasPrefix(field.cluster) ? cluster.file : user.file
            throw KubeconfigError(kind: .notAllowed, file: file, field: name,
                                  reason: "file paths are not allowed in this kubeconfig (it would read this process's own files); use the inline -data field or token instead")
        }
    }

    private static func readFile(_ path: String, file: String?, field: String) throws(KubeconfigError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeconfigError(kind: .unreadable, file: file, field: field, reason: "cannot read \(path)")
        }
        return [UInt8](data)
    }

    static func absolutePath(_ path: String, relativeTo directory: String?) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") {
            return NSString(string: path).expandingTildeInPath
        }
        guard let directory, !directory.isEmpty else { return path }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }
}

extension Kubeconfig.User {
    /// A context without a user: anonymous.
    init(name: String, insecureDefault: Void) {
        self.init(name: name, token: nil, tokenFile: nil, clientCertificate: nil, clientCertificateData: nil, clientKey: nil,
                  clientKeyData: nil, exec: nil, username: nil, password: nil, file: nil)
    }
}
