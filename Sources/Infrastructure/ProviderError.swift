/// The one error of an infrastructure provider: what went wrong (`kind`) and the request it
/// answers (operation, server, HTTP status, the service's own message).
///
/// Credentials never appear in it: passwords, application credential secrets and tokens are not
/// recorded, and service messages are cut short.
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in the terms a caller decides on. Compare with the static members
    /// (`error.kind == .quotaExceeded`); new kinds may be added.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Code: String, Hashable, Sendable {
            case unauthorized, forbidden, notFound, badRequest, conflict, quotaExceeded
            case unavailable, invalidResponse, configuration
        }
        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// 401: the credentials are wrong (or the token could not be renewed).
        public static let unauthorized = Kind(.unauthorized)
        /// 403: the credentials may not do this.
        public static let forbidden = Kind(.forbidden)
        /// 404: the resource, or a flavor, image or network named in a spec, does not exist.
        public static let notFound = Kind(.notFound)
        /// 400 and other 4xx: the request is not acceptable (ambiguous name, bad value, ...).
        public static let badRequest = Kind(.badRequest)
        /// 409: the resource is in a state that forbids this now, or exists otherwise than asked.
        public static let conflict = Kind(.conflict)
        /// 403/413 "Quota exceeded": the project is out of instances, cores, RAM, ports, ...
        public static let quotaExceeded = Kind(.quotaExceeded)
        /// 5xx, 429, connection refused, timeouts: the service may answer a later attempt.
        public static let unavailable = Kind(.unavailable)
        /// The service answered something its API does not promise.
        public static let invalidResponse = Kind(.invalidResponse)
        /// The provider's own configuration is unusable: missing credential fields, no endpoint of
        /// the service in the catalog for the region and interface.
        public static let configuration = Kind(.configuration)

        public var description: String { code.rawValue }
    }

    public let kind: Kind
    /// "authenticate", "create server", "get server", "list servers", "delete server",
    /// "ensure server group", "read OpenStack credentials", ...
    public let operation: String
    public let serverName: String?
    public let serverID: String?
    /// HTTP status when the service answered.
    public let httpStatus: Int?
    /// The service's message (or the provider's own description of a transport failure).
    public let message: String
    /// How long the service asked to wait (`Retry-After` of a 429 or 503).
    public internal(set) var retryAfter: Duration?

    public init(
        kind: Kind, operation: String, serverName: String? = nil, serverID: String? = nil, httpStatus: Int? = nil,
        message: String = ""
    ) {
        self.kind = kind
        self.operation = operation
        self.serverName = serverName
        self.serverID = serverID
        self.httpStatus = httpStatus
        self.message = message
    }

    /// Whether the same call may succeed later without any change: the service was unavailable.
    public var isRetryable: Bool { kind == .unavailable }

    /// The same error, about this server (where it did not name one already).
    func about(name: String?, id: String?) -> ProviderError {
        copy(operation: operation, serverName: serverName ?? name, serverID: serverID ?? id)
    }

    /// The same error, for the operation the caller asked for.
    func during(_ operation: String) -> ProviderError {
        copy(operation: operation, serverName: serverName, serverID: serverID)
    }

    private func copy(operation: String, serverName: String?, serverID: String?) -> ProviderError {
        var copy = ProviderError(
            kind: kind, operation: operation, serverName: serverName, serverID: serverID, httpStatus: httpStatus, message: message)
        copy.retryAfter = retryAfter
        return copy
    }

    public var description: String {
        var text = "infrastructure provider error (\(kind)) during \(operation)"
        if let serverName { text += " of server \(serverName)" }
        if let serverID { text += serverName == nil ? " of server \(serverID)" : " (\(serverID))" }
        if let httpStatus { text += ": HTTP \(httpStatus)" }
        if !message.isEmpty { text += ": \(message)" }
        return text
    }
}
