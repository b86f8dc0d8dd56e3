// Credentials never show in logs, errors or dumps: every type holding a token, password or
// private key describes (and mirrors) itself with the secret redacted.

extension Credentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        switch self {
        case .none: return "none"
        case .bearerToken: return "bearerToken(<redacted>)"
        case .tokenFile(let path, let interval): return "tokenFile(\(path), reread every \(interval))"
        case .exec(let config): return "exec(\(config.command))"
        case .basic(let username, _): return "basic(\(username), <redacted>)"
        }
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["credentials": description]) }
}

extension TLSSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var parts: [String] = []
        parts.append(certificateAuthorityPEM == nil ? "system trust" : "custom CA")
        if insecureSkipVerify { parts.append("insecure-skip-tls-verify") }
        if let serverName { parts.append("server name \(serverName)") }
        if clientCertificatePEM != nil { parts.append("client certificate") }
        if clientKeyPEM != nil { parts.append("client key <redacted>") }
        return "TLS(" + parts.joined(separator: ", ") + ")"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["tls": description]) }
}

extension ClusterConnection: CustomStringConvertible, CustomReflectable {
    public var description: String { "\(name) at \(server) [\(tls), credentials \(credentials), namespace \(namespace)]" }
    public var customMirror: Mirror { Mirror(self, children: ["connection": description]) }
}

extension ExecCredentialPlugin.Credential: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "ExecCredential(token: \(token == nil ? "none" : "<redacted>"), client certificate: \(clientCertificatePEM != nil), expiration: \(expiration.map { "\($0)" } ?? "none"))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["credential": description]) }
}

extension Kubeconfig.User: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var parts = [name]
        if token != nil { parts.append("token <redacted>") }
        if let tokenFile { parts.append("tokenFile \(tokenFile)") }
        if clientCertificate != nil || clientCertificateData != nil { parts.append("client certificate") }
        if clientKey != nil || clientKeyData != nil { parts.append("client key <redacted>") }
        if let exec { parts.append("exec \(exec.command)") }
        if username != nil { parts.append("basic auth <redacted>") }
        return "User(" + parts.joined(separator: ", ") + ")"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["user": description]) }
}
