import AsyncHTTPClient
import Foundation
import KubernetesModel
import Logging
import NIOCore
import NIOHTTP1

/// A client of one Kubernetes API server: discovery, get/list/watch, create/update/server-side
/// apply/delete on untyped objects, and the status subresource. Sendable: share one per cluster
/// between all tasks (it holds one HTTP client: connections are reused and, where the server
/// offers HTTP/2, requests are multiplexed over one connection). Call `shutdown()` when done.
///
/// Every method throws `KubernetesError` (or `CancellationError`).
public final class KubernetesClient: KubeClient {
    /// Where and how this client connects.
    public let connection: ClusterConnection
    let transport: Transport
    let discovery: DiscoveryCache
    let logger: Logger

    /// A client for `connection`. `logger` receives request failures and retries (never credentials).
    /// Throws `KubernetesError` (`.configuration`) when a certificate or key cannot be read.
    /// - eventLoopGroup: the event loops its connection runs on; by default the process-wide ones
    ///   every client shares. A client whose answers must not wait behind the others' (the
    ///   Leases') gets its own.
    public init(connection: ClusterConnection, logger: Logger, eventLoopGroup: (any EventLoopGroup)? = nil) throws {
        self.connection = connection
        self.logger = logger
        transport = try Transport(connection: connection, logger: logger, eventLoopGroup: eventLoopGroup)
        discovery = DiscoveryCache(transport: transport)
    }

    /// A client configured as kubectl would be (`--kubeconfig`, `$KUBECONFIG`, `~/.kube/config`,
    /// in-cluster), with `--context`. Throws `KubeconfigError` for an unusable configuration.
    public convenience init(kubeconfig: String? = nil, context: String? = nil, logger: Logger) throws {
        try self.init(connection: ClusterConnection.load(kubeconfig: kubeconfig, context: context), logger: logger)
    }

    /// Closes the connections. The client is unusable afterwards.
    public func shutdown() async throws {
        try await transport.shutdown()
    }

    /// The kubeconfig cluster name (or "in-cluster"): what errors and logs call this cluster.
    public var clusterName: String { connection.name }
    /// The namespace used for namespaced objects that name none.
    public var defaultNamespace: String { connection.namespace }

    /// When the server last answered a request of this client with 2xx or sent anything on one
    /// of its open watches, bookmarks included (nil: never). Proof that it is reachable and
    /// accepts the client, without asking it.
    public var lastAnswered: ContinuousClock.Instant? { transport.contact.lastAnswered }

    /// When the server last answered a request of this client with 2xx, a watch's head
    /// included, but not what open watches send (nil: never): the last proof that it accepts
    /// the client's credentials, which watches, authenticated when they opened, do not renew.
    public var lastRequestAnswered: ContinuousClock.Instant? { transport.contact.lastRequestAnswered }

    /// When a request or an open watch of this client last failed for want of an answer
    /// (connection refused, reset or closed, TLS, a timeout); nil: never. An answer that
    /// refuses (4xx, 5xx) is an answer. With `lastAnswered`, what a reachability probe weighs.
    public var lastFailure: ContinuousClock.Instant? { transport.contact.lastFailure }

    /// When the server last refused this client's credentials (401; nil: never), which open
    /// watches, authenticated when they opened, do not tell.
    public var lastCredentialsRefused: ContinuousClock.Instant? { transport.contact.lastCredentialsRefused }

    // MARK: Discovery

    /// What the server serves (discovered once, then cached).
    public func discoveredAPIs() async throws -> DiscoveredAPIs { try await discovery.apis() }

    /// Discovers again (after installing CRDs, or to pick up an API that was unavailable).
    @discardableResult
    public func refreshDiscovery() async throws -> DiscoveredAPIs { try await discovery.refresh() }

    /// The resource serving a kind; discovery is refreshed once when the kind is unknown.
    public func resource(for kind: GroupVersionKind) async throws -> APIResource {
        try await discovery.resource(for: kind)
    }

    /// Resolves a kind as kubectl accepts it on its command line ("deploy", "deployments.apps",
    /// "ConfigMap", "configmaps.v1."): the best match, refreshing discovery once when nothing matches.
    public func resource(named text: String) async throws -> APIResource {
        if let found = try await discovery.apis().resources(matching: text).first { return found }
        if let found = try await discovery.refresh().resources(matching: text).first { return found }
        throw KubernetesError(kind: .unknownKind, context: context(verb: "discovery", path: nil),
                              message: "the server doesn't have a resource type \"\(text)\"")
    }

    /// `/version` of the server (gitVersion, major, minor, ...).
    public func serverVersion() async throws -> JSONValue {
        let context = context(verb: "get", path: "/version")
        return try await transport.send(APIRequest(method: .GET, path: "/version", retry: .read, context: context)).json(context: context)
    }

    /// Waits until the CustomResourceDefinition `crdName` reports `Established`, then refreshes
    /// discovery so its kinds resolve. Throws `.timeout` after `timeout`.
    public func waitForEstablished(crdName: String, timeout: Duration = .seconds(60)) async throws {
        let crdKind = GroupVersionKind(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition")
        let deadline = ContinuousClock.now + timeout
        var delay = Duration.milliseconds(50)
        while true {
            do {
                let crd = try await get(crdKind, name: crdName, namespace: nil)
                if Self.isEstablished(crd) { break }
            } catch let error as KubernetesError where error.isNotFound {
                // Not visible yet: keep waiting.
            }
            if ContinuousClock.now + delay > deadline {
                throw KubernetesError(kind: .timeout, context: context(verb: "wait", object: ObjectReference(groupKind: crdKind.groupKind, namespace: nil, name: crdName)),
                                      message: "CustomResourceDefinition \(crdName) was not Established within \(timeout)")
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(500))
        }
        try await refreshDiscovery()
    }

    /// Whether a CRD's `status.conditions` has `Established` = True.
    public static func isEstablished(_ crd: KubeObject) -> Bool {
        (crd.status["conditions"].arrayValue ?? []).contains { $0["type"].stringValue == "Established" && $0["status"].stringValue == "True" }
    }

    // MARK: Reading

    public func get(_ kind: GroupVersionKind, name: String, namespace: String?) async throws -> KubeObject {
        let resource = try await resource(for: kind)
        let ns = effectiveNamespace(resource, namespace)
        let context = context(verb: "get", object: ObjectReference(groupKind: kind.groupKind, namespace: ns, name: name))
        let path = resource.objectPath(name: name, namespace: ns)
        let response = try await transport.send(APIRequest(method: .GET, path: path, retry: .read, context: context))
        return try object(from: response, context: context, kind: kind)
    }

    public func list(_ kind: GroupVersionKind, namespace: String?, options: ListOptions = ListOptions()) async throws -> KubeObjectList {
        var items: [KubeObject] = []
        let resourceVersion = try await listPages(kind, namespace: namespace, options: options) { page, first in
            if first { items.removeAll() }
            items += page
        }
        return KubeObjectList(items: items, resourceVersion: resourceVersion)
    }

    public func listPages(_ kind: GroupVersionKind, namespace: String?, options: ListOptions,
                          _ page: (_ items: [KubeObject], _ first: Bool) async throws -> Void) async throws -> String {
        let resource = try await resource(for: kind)
        let ns = resource.namespaced ? namespace : nil
        let context = context(verb: "list", object: ObjectReference(groupKind: kind.groupKind, namespace: ns, name: ""))
        let path = resource.collectionPath(namespace: ns)
        var restarts = 0
        restart: while true {
            var resourceVersion = ""
            var continueToken: String?
            var first = true
            repeat {
                var query: [(String, String)] = []
                if let selector = options.labelSelector, !selector.isEmpty { query.append(("labelSelector", selector)) }
                if let selector = options.fieldSelector, !selector.isEmpty { query.append(("fieldSelector", selector)) }
                if let limit = options.pageSize, limit > 0 { query.append(("limit", String(limit))) }
                if let token = continueToken {
                    query.append(("continue", token))
                } else if let rv = options.resourceVersion {
                    query.append(("resourceVersion", rv))
                }
                let response: APIResponse
                do {
                    response = try await transport.send(APIRequest(method: .GET, path: path, query: query, retry: .read, context: context))
                } catch let error as KubernetesError where error.isGone && continueToken != nil && restarts < 3 {
                    // The continue token expired mid-list: start over, as client-go does.
                    restarts += 1
                    logger.debug("list continue token expired, restarting", metadata: ["cluster": "\(clusterName)", "kind": "\(kind)"])
                    continue restart
                }
                let json = try response.json(context: context)
                var items: [KubeObject] = []
                for item in json["items"].arrayValue ?? [] {
                    var object = KubeObject(item)
                    if object.kind.isEmpty { object.kind = kind.kind }
                    if object.apiVersion.isEmpty { object.apiVersion = kind.apiVersion }
                    items.append(object)
                }
                if resourceVersion.isEmpty { resourceVersion = json["metadata"]["resourceVersion"].stringValue ?? "" }
                let token = json["metadata"]["continue"].stringValue ?? ""
                continueToken = token.isEmpty ? nil : token
                try await page(items, first)
                first = false
            } while continueToken != nil
            return resourceVersion
        }
    }

    // MARK: Writing

    public func create(_ object: KubeObject, options: WriteOptions) async throws -> KubeObject {
        let (resource, ns) = try await target(of: object, verb: "create")
        let context = context(verb: "create", object: reference(object, ns))
        var query = [("fieldManager", options.fieldManager)]
        if options.dryRun { query.append(("dryRun", "All")) }
        let request = APIRequest(method: .POST, path: resource.collectionPath(namespace: ns), query: query,
                                 body: object.body.serialized(), contentType: "application/json", retry: .write, context: context)
        return try self.object(from: try await transport.send(request), context: context, kind: object.groupVersionKind)
    }

    public func update(_ object: KubeObject, options: WriteOptions) async throws -> KubeObject {
        try await put(object, subresource: nil, options: options)
    }

    public func apply(_ object: KubeObject, options: ApplyOptions) async throws -> KubeObject {
        try await patchApply(object, subresource: nil, options: options)
    }

    public func delete(_ kind: GroupVersionKind, name: String, namespace: String?, options: DeleteOptions = DeleteOptions()) async throws -> DeleteOutcome {
        let resource = try await resource(for: kind)
        let ns = effectiveNamespace(resource, namespace)
        let context = context(verb: "delete", object: ObjectReference(groupKind: kind.groupKind, namespace: ns, name: name))
        var query: [(String, String)] = []
        if options.dryRun { query.append(("dryRun", "All")) }
        let request = APIRequest(method: .DELETE, path: resource.objectPath(name: name, namespace: ns), query: query,
                                 body: options.json.serialized(), contentType: "application/json", retry: .write, context: context)
        let response = try await transport.send(request)
        let json = try response.json(context: context)
        if json["kind"].stringValue == "Status" {
            return .deleted(uid: json["details"]["uid"].stringValue)
        }
        var object = KubeObject(json)
        if object.kind.isEmpty { object.kind = kind.kind }
        if object.apiVersion.isEmpty { object.apiVersion = kind.apiVersion }
        return object.deletionTimestamp == nil && object.finalizers.isEmpty ? .deleted(uid: object.uid) : .terminating(object)
    }

    // MARK: Patching

    public func patch(_ kind: GroupVersionKind, name: String, namespace: String?, patch: JSONValue, type: PatchType,
                      subresource: String?, options: WriteOptions) async throws -> KubeObject {
        let resource = try await resource(for: kind)
        let ns = effectiveNamespace(resource, namespace)
        let context = context(verb: "patch", object: ObjectReference(groupKind: kind.groupKind, namespace: ns, name: name))
        var query = [("fieldManager", options.fieldManager)]
        if options.dryRun { query.append(("dryRun", "All")) }
        let request = APIRequest(method: .PATCH, path: resource.objectPath(name: name, namespace: ns, subresource: subresource), query: query,
                                 body: patch.serialized(), contentType: type.rawValue, retry: .write, context: context)
        return try object(from: try await transport.send(request), context: context, kind: kind)
    }

    // MARK: Status

    public func applyStatus(_ object: KubeObject, options: ApplyOptions) async throws -> KubeObject {
        try await patchApply(object, subresource: "status", options: options)
    }

    public func updateStatus(_ object: KubeObject, options: WriteOptions) async throws -> KubeObject {
        try await put(object, subresource: "status", options: options)
    }

    // MARK: Watching

    public func watch(_ kind: GroupVersionKind, namespace: String?, options: WatchOptions = WatchOptions()) async throws -> WatchEvents {
        let resource = try await resource(for: kind)
        let ns = resource.namespaced ? namespace : nil
        let context = context(verb: "watch", object: ObjectReference(groupKind: kind.groupKind, namespace: ns, name: ""))
        var query: [(String, String)] = [("watch", "1")]
        if let rv = options.resourceVersion, !rv.isEmpty { query.append(("resourceVersion", rv)) }
        if let selector = options.labelSelector, !selector.isEmpty { query.append(("labelSelector", selector)) }
        if let selector = options.fieldSelector, !selector.isEmpty { query.append(("fieldSelector", selector)) }
        if options.allowBookmarks { query.append(("allowWatchBookmarks", "true")) }
        if let timeout = options.timeoutSeconds { query.append(("timeoutSeconds", String(timeout))) }
        let request = APIRequest(method: .GET, path: resource.collectionPath(namespace: ns), query: query, retry: .read, context: context)
        let deadline: NIODeadline = options.timeoutSeconds.map { .now() + .seconds(Int64($0) + 30) } ?? .distantFuture
        return try await transport.openWatch(request, kind: kind, deadline: deadline, holdBookmarks: options.holdBookmarks)
    }

    // MARK: Helpers

    private func put(_ object: KubeObject, subresource: String?, options: WriteOptions) async throws -> KubeObject {
        let verb = subresource == nil ? "update" : "update \(subresource!)"
        let (resource, ns) = try await target(of: object, verb: verb)
        let context = context(verb: verb, object: reference(object, ns))
        var query = [("fieldManager", options.fieldManager)]
        if options.dryRun { query.append(("dryRun", "All")) }
        let request = APIRequest(method: .PUT, path: resource.objectPath(name: object.name, namespace: ns, subresource: subresource), query: query,
                                 body: object.body.serialized(), contentType: "application/json", retry: .write, context: context)
        return try self.object(from: try await transport.send(request), context: context, kind: object.groupVersionKind)
    }

    private func patchApply(_ object: KubeObject, subresource: String?, options: ApplyOptions) async throws -> KubeObject {
        let verb = subresource == nil ? "apply" : "apply \(subresource!)"
        let (resource, ns) = try await target(of: object, verb: verb)
        let context = context(verb: verb, object: reference(object, ns))
        guard !options.fieldManager.isEmpty else {
            throw KubernetesError(kind: .invalidObject, context: context, message: "a server-side apply needs a field manager")
        }
        var body = object.body
        body.removeValue(at: ["metadata", "managedFields"])
        var query = [("fieldManager", options.fieldManager)]
        if options.force { query.append(("force", "true")) }
        if options.dryRun { query.append(("dryRun", "All")) }
        let request = APIRequest(method: .PATCH, path: resource.objectPath(name: object.name, namespace: ns, subresource: subresource), query: query,
                                 body: body.serialized(), contentType: "application/apply-patch+yaml", retry: .apply, context: context)
        return try self.object(from: try await transport.send(request), context: context, kind: object.groupVersionKind)
    }

    /// The resource and namespace an object is written to; checks what the request needs.
    private func target(of object: KubeObject, verb: String) async throws -> (APIResource, String?) {
        guard !object.apiVersion.isEmpty, !object.kind.isEmpty else {
            throw KubernetesError(kind: .invalidObject, context: context(verb: verb, object: object.name.isEmpty ? nil : object.reference),
                                  message: "the object has no \(object.apiVersion.isEmpty ? "apiVersion" : "kind")")
        }
        let nameless = object.name.isEmpty && !(verb == "create" && object.generateName != nil)
        guard !nameless || verb == "create" else { throw nameMissing(object, verb: verb) }
        let resource = try await resource(for: object.groupVersionKind)
        // A create-only kind (TokenReview, SubjectAccessReview) is nameless: the server refuses a name.
        if nameless, resource.verbs != ["create"] { throw nameMissing(object, verb: verb) }
        return (resource, effectiveNamespace(resource, object.namespace))
    }

    private func nameMissing(_ object: KubeObject, verb: String) -> KubernetesError {
        KubernetesError(kind: .invalidObject, context: context(verb: verb, object: nil), message: "the \(object.kind) has no metadata.name")
    }

    func effectiveNamespace(_ resource: APIResource, _ namespace: String?) -> String? {
        guard resource.namespaced else { return nil }
        if let namespace, !namespace.isEmpty { return namespace }
        return connection.namespace
    }

    private func reference(_ object: KubeObject, _ namespace: String?) -> ObjectReference {
        ObjectReference(groupKind: object.groupVersionKind.groupKind, namespace: namespace, name: object.name)
    }

    func context(verb: String, object: ObjectReference? = nil, path: String? = nil) -> KubernetesError.RequestContext {
        KubernetesError.RequestContext(cluster: connection.name, server: connection.server, verb: verb, object: object, path: path)
    }

    private func object(from response: APIResponse, context: KubernetesError.RequestContext, kind: GroupVersionKind) throws -> KubeObject {
        let json = try response.json(context: context)
        guard case .object = json else {
            throw KubernetesError(kind: .invalidResponse, context: context, httpStatus: response.status, message: "the answer is a \(json.typeName), not an object")
        }
        var object = KubeObject(json)
        if object.kind.isEmpty { object.kind = kind.kind }
        if object.apiVersion.isEmpty { object.apiVersion = kind.apiVersion }
        return object
    }
}
