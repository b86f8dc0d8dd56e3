import Foundation
import Logging

/// Keeps one Keystone token: authenticates on first use, renews `margin` before the token expires,
/// and again when a service refuses it. Callers that need a token while one is being obtained wait
/// for that one: a hundred concurrent requests cause one authentication.
actor KeystoneSession {
    private let credentials: OpenStackCredentials
    private let http: OpenStackHTTP
    private let margin: Duration
    private let logger: Logger
    private var current: KeystoneToken?
    private var inFlight: Task<Result<KeystoneToken, ProviderError>, Never>?
    /// How many times it asked Keystone for a token (tests check that concurrent callers share one).
    private(set) var authentications = 0

    init(credentials: OpenStackCredentials, http: OpenStackHTTP, margin: Duration, logger: Logger) {
        self.credentials = credentials
        self.http = http
        self.margin = margin
        self.logger = logger
    }

    /// A token that stays valid for at least `margin` (short-lived tokens: half their lifetime).
    func token() async throws(ProviderError) -> KeystoneToken {
        if let current, ContinuousClock.now < current.renewAt { return current }
        if let inFlight { return try await inFlight.value.get() }
        authentications += 1
        let (credentials, http, margin, logger) = (credentials, http, margin, logger)
        let task = Task { await Self.authenticate(credentials: credentials, http: http, margin: margin, logger: logger) }
        inFlight = task
        let result = await task.value
        inFlight = nil
        if case .success(let token) = result { current = token }
        return try result.get()
    }

    /// A service refused `value` (401): forget it, unless another caller has replaced it already.
    func invalidate(_ value: String) {
        if current?.value == value { current = nil }
    }

    /// The token value in use (tests revoke or replace it).
    var currentValue: String? { current?.value }

    /// Makes the cached token due for renewal now (tests: the renewal before expiry, without waiting an hour).
    func makeDue() {
        guard let current else { return }
        self.current = KeystoneToken(value: current.value, catalog: current.catalog, renewAt: .now, expiresAt: current.expiresAt)
    }

    /// Replaces the cached token's value, keeping its catalog (tests: a token Keystone does not know).
    func replaceValue(with value: String) {
        guard let current else { return }
        self.current = KeystoneToken(value: value, catalog: current.catalog, renewAt: current.renewAt, expiresAt: current.expiresAt)
    }

    private static func authenticate(
        credentials: OpenStackCredentials, http: OpenStackHTTP, margin: Duration, logger: Logger
    ) async -> Result<KeystoneToken, ProviderError> {
        let operation = "authenticate"
        let body: Data
        do {
            body = try JSONSerialization.data(withJSONObject: KeystoneToken.requestBody(for: credentials.method))
        } catch {
            return .failure(ProviderError(kind: .configuration, operation: operation, message: "cannot encode the request"))
        }
        let request = ServiceRequest(method: .POST, url: credentials.tokensURL, body: body, idempotent: true, operation: operation)
        do throws(ProviderError) {
            let sent = ContinuousClock.now
            let response = try await http.send(request)
            guard let value = response.headers.first(name: "X-Subject-Token"), !value.isEmpty else {
                throw ProviderError(kind: .invalidResponse, operation: operation, httpStatus: response.status, message: "Keystone answered without X-Subject-Token")
            }
            let decoded = try response.decode(KeystoneToken.Response.self, operation: operation)
            let issuedAt = decoded.token.issued_at.flatMap(OpenStackTime.parse)
            let expiresAt = decoded.token.expires_at.flatMap(OpenStackTime.parse)
            let usable = KeystoneToken.usableLifetime(issuedAt: issuedAt, expiresAt: expiresAt, margin: margin)
            let catalog = ServiceCatalog(services: decoded.token.catalog ?? [])
            logger.debug("authenticated to Keystone", metadata: [
                "principal": "\(credentials.principal)", "expires_at": "\(decoded.token.expires_at ?? "unknown")",
                "renew_in": "\(usable)", "services": "\(catalog.services.map(\.type).sorted().joined(separator: ","))",
            ])
            // Timed from when the request left: the token cannot have been issued earlier.
            return .success(KeystoneToken(value: value, catalog: catalog, renewAt: sent + usable, expiresAt: expiresAt))
        } catch {
            // Keystone answers an unknown application credential with 404: for the caller, wrong credentials.
            let error = error.kind == .notFound
                ? ProviderError(kind: .unauthorized, operation: operation, httpStatus: error.httpStatus, message: error.message)
                : error
            logger.debug("Keystone authentication failed", metadata: ["principal": "\(credentials.principal)", "error": "\(error)"])
            return .failure(error)
        }
    }
}
