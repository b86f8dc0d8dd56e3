import Foundation
import KubernetesModel

/// Supplies the Authorization header of every request: a fixed token, a token file re-read
/// periodically, or an exec plugin re-run shortly before its credential expires (or after a 401).
actor CredentialProvider {
    private let credentials: Credentials
    private let clusterInfo: ExecCredentialPlugin.ClusterInfo
    private var cachedToken: String?
    private var validUntil: ContinuousClock.Instant?
    private var execCredential: ExecCredentialPlugin.Credential?
    private var refreshing: Task<ExecCredentialPlugin.Credential, any Error>?

    init(credentials: Credentials, clusterInfo: ExecCredentialPlugin.ClusterInfo) {
        self.credentials = credentials
        self.clusterInfo = clusterInfo
    }

    /// The value of the Authorization header, or nil for none.
    func authorization() async throws -> String? {
        switch credentials {
        case .none:
            return nil
        case .bearerToken(let token):
            return "Bearer \(token)"
        case .basic(let username, let password):
            return "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        case .tokenFile(let path, let interval):
            if let cachedToken, let validUntil, ContinuousClock.now < validUntil { return "Bearer \(cachedToken)" }
            guard let data = FileManager.default.contents(atPath: path) else {
                if let cachedToken { return "Bearer \(cachedToken)" }  // keep the last good token through a rotation hiccup
                throw KubernetesError(kind: .credentials, message: "cannot read the token file \(path)")
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            cachedToken = token
            validUntil = .now + interval
            return "Bearer \(token)"
        case .exec:
            let credential = try await currentExecCredential()
            return credential.token.map { "Bearer \($0)" }
        }
    }

    /// The client certificate an exec plugin supplies (nil when it gives a token, or for other credentials).
    func execClientCertificate() async throws -> (certificate: [UInt8], key: [UInt8])? {
        guard case .exec = credentials else { return nil }
        let credential = try await currentExecCredential()
        guard let certificate = credential.clientCertificatePEM, let key = credential.clientKeyPEM else { return nil }
        return (certificate, key)
    }

    /// After a 401: forget cached credentials so the next request re-reads or re-runs.
    func invalidate() {
        cachedToken = nil
        validUntil = nil
        execCredential = nil
    }

    /// Whether a 401 may be cured by fetching credentials again.
    nonisolated var canRefresh: Bool {
        switch credentials {
        case .exec, .tokenFile: return true
        default: return false
        }
    }

    private func currentExecCredential() async throws -> ExecCredentialPlugin.Credential {
        guard case .exec(let config) = credentials else { throw KubernetesError(kind: .credentials, message: "no exec plugin configured") }
        if let execCredential {
            // Re-run a little before it expires.
            if let expiration = execCredential.expiration {
                if expiration.timeIntervalSinceNow > 10 { return execCredential }
            } else {
                return execCredential
            }
        }
        if let refreshing { return try await refreshing.value }
        let plugin = ExecCredentialPlugin(config: config, clusterInfo: clusterInfo)
        let task = Task { try await plugin.run() }
        refreshing = task
        defer { refreshing = nil }
        let credential = try await task.value
        execCredential = credential
        return credential
    }
}
