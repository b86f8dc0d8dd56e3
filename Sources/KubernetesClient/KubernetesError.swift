import KubernetesModel

/// The one error of the Kubernetes client: what went wrong (`kind`), the API server's `Status`
/// when it answered one, and the request it answered (cluster, server, verb, object).
///
/// Credentials never appear in it: tokens, keys and Authorization headers are not recorded.
public struct KubernetesError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in the terms a caller decides on. Compare with the static members
    /// (`error.kind == .notFound`); new kinds may be added.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Code: String, Hashable, Sendable {
            case badRequest, unauthorized, forbidden, notFound, methodNotAllowed
            case alreadyExists, conflict, applyConflict, gone, invalid, unsupportedMediaType
            case tooManyRequests, serverError, permanentServerError, serviceUnavailable, serverTimeout
            case unreachable, tls, timeout, transport, invalidResponse
            case unknownKind, invalidObject, configuration, credentials
        }
        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// 400 (a bad request, a bad continue token, ...).
        public static let badRequest = Kind(.badRequest)
        /// 401: no or wrong credentials.
        public static let unauthorized = Kind(.unauthorized)
        /// 403: the credentials may not do this.
        public static let forbidden = Kind(.forbidden)
        /// 404: the object (or the resource) does not exist.
        public static let notFound = Kind(.notFound)
        /// 405: the verb is not supported on the resource.
        public static let methodNotAllowed = Kind(.methodNotAllowed)
        /// 409 `AlreadyExists`: create of a name that exists.
        public static let alreadyExists = Kind(.alreadyExists)
        /// 409 `Conflict` without field-manager causes: optimistic concurrency (stale resourceVersion,
        /// failed uid precondition). Re-read and retry.
        public static let conflict = Kind(.conflict)
        /// 409 `Conflict` of a server-side apply: fields owned by other managers (`applyConflicts`).
        public static let applyConflict = Kind(.applyConflict)
        /// 410 `Gone` / `Expired`: the resourceVersion or continue token is too old; relist.
        public static let gone = Kind(.gone)
        /// 422 `Invalid`: the object does not validate (`causes` say which fields).
        public static let invalid = Kind(.invalid)
        /// 415: the content type is not accepted.
        public static let unsupportedMediaType = Kind(.unsupportedMediaType)
        /// 429: rate limited by the server (`retryAfter`).
        public static let tooManyRequests = Kind(.tooManyRequests)
        /// 500 and other 5xx that may be transient.
        public static let serverError = Kind(.serverError)
        /// 500 that is permanent: `failed to create typed patch object` / `failed to merge config`
        /// (an apply body that does not fit the schema, v1.24). Never retried.
        public static let permanentServerError = Kind(.permanentServerError)
        /// 503: the server (or an aggregated API) is not available.
        public static let serviceUnavailable = Kind(.serviceUnavailable)
        /// 504 / `Timeout` Status: the server gave up on the request.
        public static let serverTimeout = Kind(.serverTimeout)
        /// The server could not be reached (connection refused, DNS, reset), or did not act on the
        /// request (an HTTP/2 stream it refused, or that never opened): safe to send again.
        public static let unreachable = Kind(.unreachable)
        /// The TLS handshake failed (unknown CA, wrong name, bad client certificate).
        public static let tls = Kind(.tls)
        /// No answer in time (connect or read timeout).
        public static let timeout = Kind(.timeout)
        /// Another transport failure.
        public static let transport = Kind(.transport)
        /// The server answered something that is not what the API promises (not JSON, ...).
        public static let invalidResponse = Kind(.invalidResponse)
        /// Discovery does not know the kind (or the resource name) asked for.
        public static let unknownKind = Kind(.unknownKind)
        /// The object handed to the client lacks what the request needs (kind, name, ...).
        public static let invalidObject = Kind(.invalidObject)
        /// The client's configuration is not usable (malformed kubeconfig, missing file, ...).
        public static let configuration = Kind(.configuration)
        /// Credentials could not be obtained (exec plugin failed, token file unreadable).
        public static let credentials = Kind(.credentials)

        public var description: String { code.rawValue }

        /// Transport kinds: the request may not have reached the server.
        public var isTransport: Bool {
            switch code {
            case .unreachable, .tls, .timeout, .transport: return true
            default: return false
            }
        }
    }

    /// One field of a server-side apply conflict and the manager that owns it.
    public struct ApplyConflict: Hashable, Sendable, CustomStringConvertible {
        public var manager: String
        public var field: String
        public init(manager: String, field: String) {
            self.manager = manager
            self.field = field
        }
        public var description: String { "\(field) (owned by \"\(manager)\")" }
    }

    /// The request an error answers.
    public struct RequestContext: Hashable, Sendable, CustomStringConvertible {
        /// The kubeconfig cluster (or context) name, or "in-cluster".
        public var cluster: String
        /// Base URL of the API server.
        public var server: String
        /// "get", "list", "watch", "create", "update", "apply", "delete", "discovery", ...
        public var verb: String
        /// The object (for a list or watch: the kind and namespace with an empty name).
        public var object: ObjectReference?
        /// The request path without query (no credentials are ever in it).
        public var path: String?

        public init(cluster: String, server: String, verb: String, object: ObjectReference? = nil, path: String? = nil) {
            self.cluster = cluster
            self.server = server
            self.verb = verb
            self.object = object
            self.path = path
        }

        public var description: String {
            var text = verb
            if let object { text += object.name.isEmpty ? " \(object.groupKind)\(object.namespace.map { " in namespace \($0)" } ?? "")" : " \(object)" }
            else if let path { text += " \(path)" }
            return "\(text) on cluster \(cluster) (\(server))"
        }
    }

    public let kind: Kind
    /// The API server's Status, when it answered one.
    public let status: KubeStatus?
    /// The request, when the error answers one.
    public let context: RequestContext?
    /// HTTP status code when the server answered.
    public let httpStatus: Int?
    /// How long the server asked to wait (`Retry-After` or `details.retryAfterSeconds`).
    public let retryAfter: Duration?
    private let detail: String

    public init(kind: Kind, status: KubeStatus? = nil, context: RequestContext? = nil, httpStatus: Int? = nil, retryAfter: Duration? = nil, message: String = "") {
        self.kind = kind
        self.status = status
        self.context = context
        self.httpStatus = httpStatus ?? status.map(\.code)
        self.retryAfter = retryAfter ?? status?.details?.retryAfterSeconds.map { .seconds($0) }
        self.detail = message
    }

    /// The message: the server's, or the client's own description.
    public var message: String {
        if let status, !status.message.isEmpty { return status.message }
        return detail
    }

    /// `details.causes` of the Status (for `invalid`: the fields; for `applyConflict`: the conflicts).
    public var causes: [KubeStatus.Cause] { status?.details?.causes ?? [] }

    /// For an apply conflict: each conflicting field and the manager that owns it.
    public var applyConflicts: [ApplyConflict] { Self.applyConflicts(in: status) }

    public var isNotFound: Bool { kind == .notFound }
    public var isAlreadyExists: Bool { kind == .alreadyExists }
    /// Optimistic-concurrency conflict (not an apply conflict).
    public var isConflict: Bool { kind == .conflict }
    public var isApplyConflict: Bool { kind == .applyConflict }
    public var isInvalid: Bool { kind == .invalid }
    public var isGone: Bool { kind == .gone }

    /// Whether sending the same request again may succeed without changing it: 429, transient 5xx,
    /// server timeouts and transport failures. (Whether the verb is safe to resend is
    /// `RetryPolicy`'s question.)
    public var isRetryable: Bool {
        switch kind {
        case .tooManyRequests, .serverError, .serviceUnavailable, .serverTimeout, .unreachable, .timeout, .transport: return true
        default: return false
        }
    }

    public var description: String {
        var text = "Kubernetes error (\(kind))"
        if let context { text += " during \(context)" }
        if let httpStatus { text += ": HTTP \(httpStatus)" }
        if let status, !status.reason.isEmpty { text += " \(status.reason)" }
        let message = self.message
        if !message.isEmpty { text += ": \(message)" }
        return text
    }

    // MARK: Classification of answers

    /// Classifies an API answer: HTTP status code and the Status body (when there is one).
    public static func classify(httpStatus: Int, status: KubeStatus?) -> Kind {
        let reason = status?.reason ?? ""
        let message = status?.message ?? ""
        switch httpStatus {
        case 400: return reason == "Expired" || reason == "Gone" ? .gone : .badRequest
        case 401: return .unauthorized
        case 403: return .forbidden
        case 404: return .notFound
        case 405: return .methodNotAllowed
        case 409:
            if reason == "AlreadyExists" { return .alreadyExists }
            if !applyConflicts(in: status).isEmpty { return .applyConflict }
            return .conflict
        case 410: return .gone
        case 415: return .unsupportedMediaType
        case 422: return .invalid
        case 429: return .tooManyRequests
        case 500:
            if isPermanentServerMessage(message) { return .permanentServerError }
            return .serverError
        case 503: return .serviceUnavailable
        case 504: return .serverTimeout
        case 501, 505...599, 502: return .serverError
        default:
            if httpStatus >= 500 { return .serverError }
            return .badRequest
        }
    }

    /// The v1.24 answers to apply bodies that do not fit the schema: a 500 that never heals.
    static func isPermanentServerMessage(_ message: String) -> Bool {
        message.hasPrefix("failed to create typed patch object") || message.hasPrefix("failed to merge config")
            || message.contains("failed to create typed patch object") || message.contains("failed to merge config")
    }

    /// Conflicts from the causes of an apply 409: `reason: FieldManagerConflict`,
    /// message `conflict with "MANAGER"` (or `... with "MANAGER" using apps/v1`), field `.data.a`.
    static func applyConflicts(in status: KubeStatus?) -> [ApplyConflict] {
        guard let status, status.code == 409 || status.reason == "Conflict" else { return [] }
        var result: [ApplyConflict] = []
        for cause in status.details?.causes ?? [] where cause.reason == "FieldManagerConflict" {
            result.append(ApplyConflict(manager: managerName(in: cause.message ?? ""), field: cause.field ?? ""))
        }
        return result
    }

    private static func managerName(in message: String) -> String {
        // `conflict with "one"`, `conflicts with "a" using v1`
        guard let open = message.firstIndex(of: "\"") else { return message }
        let rest = message[message.index(after: open)...]
        guard let close = rest.firstIndex(of: "\"") else { return String(rest) }
        return String(rest[..<close])
    }
}
