import KubernetesModel

/// An answer that is a Kubernetes `Status` failure (404 NotFound, 409 Conflict, 422 Invalid, ...),
/// thrown by request handling and written as the Status body with its code.
struct APIError: Error, Sendable, CustomStringConvertible {
    var status: KubeStatus
    /// Extra response headers (Retry-After on 429).
    var headers: [(String, String)] = []
    /// A plain-text body instead of a Status (the real server's `404 page not found`).
    var plainText: String? = nil

    init(_ status: KubeStatus, headers: [(String, String)] = []) {
        self.status = status
        self.headers = headers
    }

    var description: String { status.description }

    static func notFound(_ resource: ResourceType, name: String) -> APIError {
        APIError(KubeStatus(message: "\(qualified(resource)) \"\(name)\" not found", reason: "NotFound", code: 404,
                            details: .init(name: name, group: resource.group.isEmpty ? nil : resource.group, kind: resource.plural)))
    }

    static func namespaceNotFound(_ namespace: String) -> APIError {
        APIError(KubeStatus(message: "namespaces \"\(namespace)\" not found", reason: "NotFound", code: 404,
                            details: .init(name: namespace, kind: "namespaces")))
    }

    /// A resource the server does not know (under a known group version).
    static let resourceNotFound = APIError(KubeStatus(message: "the server could not find the requested resource", reason: "NotFound", code: 404, details: .init()))

    /// A path the server does not route at all (unknown group): plain text, as the real mux answers.
    static var pageNotFound: APIError {
        var e = APIError(KubeStatus(message: "404 page not found", reason: "NotFound", code: 404))
        e.plainText = "404 page not found\n"
        return e
    }

    static func alreadyExists(_ resource: ResourceType, name: String) -> APIError {
        APIError(KubeStatus(message: "\(qualified(resource)) \"\(name)\" already exists", reason: "AlreadyExists", code: 409,
                            details: .init(name: name, group: resource.group.isEmpty ? nil : resource.group, kind: resource.plural)))
    }

    static func staleResourceVersion(_ resource: ResourceType, name: String) -> APIError {
        APIError(KubeStatus(message: "Operation cannot be fulfilled on \(qualified(resource)) \"\(name)\": the object has been modified; please apply your changes to the latest version and try again",
                            reason: "Conflict", code: 409,
                            details: .init(name: name, group: resource.group.isEmpty ? nil : resource.group, kind: resource.plural)))
    }

    static func badRequest(_ message: String) -> APIError {
        APIError(KubeStatus(message: message, reason: "BadRequest", code: 400))
    }

    static func methodNotAllowed(_ message: String = "the server does not allow this method on the requested resource") -> APIError {
        APIError(KubeStatus(message: message, reason: "MethodNotAllowed", code: 405, details: .init()))
    }

    static func unsupportedMediaType(_ contentType: String) -> APIError {
        APIError(KubeStatus(message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json",
                            reason: "UnsupportedMediaType", code: 415, details: .init()))
    }

    static func invalid(kind: String, group: String, name: String, causes: [KubeStatus.Cause]) -> APIError {
        // The message names each distinct error once (apimachinery's aggregate drops repeats); the causes keep them all.
        var seen = Set<String>()
        let list = causes.map { c in [c.field, c.message].compactMap { $0 }.joined(separator: ": ") }.filter { seen.insert($0).inserted }
        let joined = list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]"
        return APIError(KubeStatus(message: "\(kind)\(group.isEmpty ? "" : ".\(group)") \"\(name)\" is invalid: \(joined)", reason: "Invalid", code: 422,
                                   details: .init(name: name.isEmpty ? nil : name, group: group.isEmpty ? nil : group, kind: kind, causes: causes)))
    }

    static func internalError(_ message: String) -> APIError {
        APIError(KubeStatus(message: message, reason: "InternalError", code: 500, details: .init(causes: [.init(reason: nil, message: message, field: nil)])))
    }

    static func unauthorized() -> APIError {
        APIError(KubeStatus(message: "Unauthorized", reason: "Unauthorized", code: 401))
    }

    static func tooManyRequests(retryAfter: Int) -> APIError {
        APIError(KubeStatus(message: "Too many requests, please try again later.", reason: "TooManyRequests", code: 429,
                            details: .init(retryAfterSeconds: retryAfter)), headers: [("Retry-After", String(retryAfter))])
    }

    static func gone(_ message: String) -> APIError {
        APIError(KubeStatus(message: message, reason: "Expired", code: 410))
    }

    /// `configmaps` or `deployments.apps`, as the server names a resource in messages.
    static func qualified(_ resource: ResourceType) -> String {
        resource.group.isEmpty ? resource.plural : "\(resource.plural).\(resource.group)"
    }
}
