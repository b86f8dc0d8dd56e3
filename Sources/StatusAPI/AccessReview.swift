import Crypto
import Foundation
import KubernetesClient
import KubernetesModel
import Logging
import Synchronization

/// Who is calling, as the management plane's TokenReview said.
public struct Caller: Sendable, Hashable {
    public var username: String
    public var uid: String?
    public var groups: [String]

    public init(username: String, uid: String? = nil, groups: [String] = []) {
        self.username = username
        self.uid = uid
        self.groups = groups
    }
}

/// What a caller may do, decided by the management plane (as Kubernetes aggregated API servers
/// delegate): a bearer token is checked with a `TokenReview`, access with a `SubjectAccessReview`.
/// A user may see project P when they may `get` `clusters.addon-manager.io` in namespace P; an
/// operator is whoever may `list` them in every namespace.
public protocol AccessReviewer: Sendable {
    /// The caller the token belongs to; nil when the management plane does not accept it.
    func authenticate(token: String) async throws(AccessReviewError) -> Caller?
    /// Whether the caller may `verb` Clusters in `namespace` (nil: in every namespace).
    func may(_ caller: Caller, verb: String, namespace: String?) async throws(AccessReviewError) -> Bool
}

extension AccessReviewer {
    public func mayView(project: String, caller: Caller) async throws(AccessReviewError) -> Bool {
        try await may(caller, verb: "get", namespace: project)
    }

    public func isOperator(_ caller: Caller) async throws(AccessReviewError) -> Bool {
        try await may(caller, verb: "list", namespace: nil)
    }
}

/// The management plane could not answer a review: the caller gets 503, not a guess.
public struct AccessReviewError: Error, CustomStringConvertible {
    public var review: String
    public var reason: String
    public var description: String { "the management plane did not answer the \(review): \(reason)" }
}

/// Reviews through the management plane's API, with answers cached briefly (tokens by their
/// SHA-256, never the token itself): a page that refreshes, or many clients of one user, cost one
/// review per `ttl`.
public final class ManagementAccessReviewer: AccessReviewer {
    public static let tokenReview = GroupVersionKind(group: "authentication.k8s.io", version: "v1", kind: "TokenReview")
    public static let subjectAccessReview = GroupVersionKind(group: "authorization.k8s.io", version: "v1", kind: "SubjectAccessReview")

    private let client: any ObjectWriter
    private let ttl: Duration
    private let deniedTTL: Duration
    private let tokens: ReviewCache<Caller?>
    private let decisions: ReviewCache<Bool>
    private let logger: Logger

    public init(client: any ObjectWriter, ttl: Duration = .seconds(30), deniedTTL: Duration = .seconds(5), maxEntries: Int = 10_000, logger: Logger) {
        self.client = client
        self.ttl = ttl
        self.deniedTTL = deniedTTL
        tokens = ReviewCache(limit: maxEntries)
        decisions = ReviewCache(limit: maxEntries)
        self.logger = logger
    }

    public func authenticate(token: String) async throws(AccessReviewError) -> Caller? {
        let key = SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
        let (ttl, deniedTTL, client) = (self.ttl, self.deniedTTL, self.client)
        return try await tokens.value(for: key, lifetime: { $0 == nil ? deniedTTL : ttl }) { () async throws(AccessReviewError) -> Caller? in
            try await Self.tokenReview(token, client: client)
        }
    }

    static func tokenReview(_ token: String, client: any ObjectWriter) async throws(AccessReviewError) -> Caller? {
        var review = KubeObject(["apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "metadata": [:]])
        review["spec"] = ["token": .string(token)]
        let answer: KubeObject
        do {
            answer = try await client.create(review, options: WriteOptions(fieldManager: "addon-manager"))
        } catch {
            throw AccessReviewError(review: "TokenReview", reason: token.isEmpty ? "\(error)" : "\(error)".replacingOccurrences(of: token, with: "[redacted]"))
        }
        var caller: Caller?
        if answer.status["authenticated"].boolValue == true, let name = answer.status["user"]["username"].stringValue, !name.isEmpty {
            caller = Caller(username: name, uid: answer.status["user"]["uid"].stringValue,
                            groups: (answer.status["user"]["groups"].arrayValue ?? []).compactMap(\.stringValue))
        }
        return caller
    }

    public func may(_ caller: Caller, verb: String, namespace: String?) async throws(AccessReviewError) -> Bool {
        let key = ([caller.username, caller.uid ?? ""] + caller.groups.sorted() + [verb, namespace ?? "*"]).joined(separator: "\u{0}")
        let (ttl, deniedTTL, client) = (self.ttl, self.deniedTTL, self.client)
        return try await decisions.value(for: key, lifetime: { $0 ? ttl : deniedTTL }) { () async throws(AccessReviewError) -> Bool in
            try await Self.subjectAccessReview(caller, verb: verb, namespace: namespace, client: client)
        }
    }

    static func subjectAccessReview(_ caller: Caller, verb: String, namespace: String?, client: any ObjectWriter) async throws(AccessReviewError) -> Bool {
        var attributes: JSONValue = ["verb": .string(verb), "group": .string("addon-manager.io"), "resource": "clusters"]
        if let namespace { attributes["namespace"] = .string(namespace) }
        var spec: JSONValue = ["user": .string(caller.username), "groups": .array(caller.groups.map(JSONValue.string)), "resourceAttributes": attributes]
        if let uid = caller.uid { spec["uid"] = .string(uid) }
        var review = KubeObject(["apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "metadata": [:]])
        review["spec"] = spec
        let answer: KubeObject
        do {
            answer = try await client.create(review, options: WriteOptions(fieldManager: "addon-manager"))
        } catch {
            throw AccessReviewError(review: "SubjectAccessReview", reason: "\(error)")
        }
        return answer.status["allowed"].boolValue == true && answer.status["denied"].boolValue != true
    }
}
