import AddonCatalog
import Foundation
import HTTPTypes
import Hummingbird
import KubernetesModel
import Logging

/// The project-scoped status API and page: JSON under `/api/v1`, live updates as Server-Sent
/// Events, the page at `/`. Everything is served from `FleetStatusStore` (the manager's watches);
/// who may see what is the management plane's decision (`AccessReviewer`). A caller never gets
/// data of a project they may not see — a project they may not see answers 403 whether it exists
/// or not.
public struct StatusAPI: Sendable {
    public static let defaultPageSize = 100
    public static let maxPageSize = 1000
    /// A live stream ends after this long; the client reconnects (and is authorised again).
    public static let streamLifetime: Duration = .seconds(300)

    let store: FleetStatusStore
    let reviewer: any AccessReviewer
    let catalog: @Sendable () async -> Catalog?
    let heartbeat: Duration
    let logger: Logger
    let answers = RenderedAnswers()

    public init(store: FleetStatusStore, reviewer: any AccessReviewer, catalog: @escaping @Sendable () async -> Catalog?,
                heartbeat: Duration = .seconds(15), logger: Logger) {
        self.store = store
        self.reviewer = reviewer
        self.catalog = catalog
        self.heartbeat = heartbeat
        self.logger = logger
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        for route in StatusRoute.all {
            let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
                await self.respond(route, request: request, context: context)
            }
            switch route.method {
            case .get: router.get(RouterPath(route.routerPath), use: handler)
            case .post: router.post(RouterPath(route.routerPath), use: handler)
            }
        }
        return router
    }

    // MARK: Dispatch

    func respond(_ route: StatusRoute, request: Request, context: BasicRequestContext) async -> Response {
        do {
            switch route {
            case .openAPI: return Self.json(OpenAPIDocument.document(routes: StatusRoute.all))
            case .page: return Self.html(StatusPage.signIn(message: nil))
            case .pageSignedIn: return await signedInPage(request)
            case .script: return Self.text(StatusPage.script, type: .javascript)
            case .style: return Self.text(StatusPage.style, type: .css)
            default: break
            }
            let scope = try await authorize(route, request: request, context: context)
            switch route {
            case .projects: return Self.json(try page(projects(scope), request: request))
            case .clusters:
                return try rendered(route, scope: scope, request: request, context: context) { try page(clusters(scope), request: request) }
            case .cluster:
                return try rendered(route, scope: scope, request: request, context: context) { try cluster(scope, context: context) }
            case .addon: return Self.json(try addon(scope, context: context))
            case .projectWatch: return stream(project: scope.project!, cluster: nil)
            case .clusterWatch: return stream(project: scope.project!, cluster: try cluster(named: context, in: scope).name)
            case .catalog:
                guard let catalog = await catalog() else { throw APIError(.serviceUnavailable, "CatalogNotRead", "the catalog has not been read yet") }
                return Self.json(StatusViews.catalog(catalog))
            case .fleet: return Self.json(StatusViews.fleet(store.snapshot, projects: scope.projects.sorted()))
            case .rollouts: return Self.json(try page(rollouts(scope), request: request))
            default: throw APIError(.notFound, "NotFound", "no such route")
            }
        } catch let error as APIError {
            return error.response
        } catch {
            logger.error("status API request failed", metadata: ["route": "\(route.operationID)", "error": "\(error)"])
            return APIError(.internalServerError, "InternalError", "the request failed; the manager's log says why").response
        }
    }

    /// A project-scoped answer, rendered once per version of its project (and of the rollouts):
    /// many readers of an unchanged project get the same bytes without building them again.
    func rendered(_ route: StatusRoute, scope: Scope, request: Request, context: BasicRequestContext,
                  _ render: () throws -> JSONValue) throws -> Response {
        guard let project = scope.project else { return Self.json(try render()) }
        let key = [route.operationID, project, context.parameters.get("cluster") ?? "", request.uri.query ?? ""].joined(separator: "\u{0}")
        let version = store.snapshot.version(of: project)
        if let cached = answers.get(key, version: version) { return Self.json(bytes: cached) }
        let bytes = ByteBuffer(string: try render().jsonString() + "\n")
        answers.set(key, version: version, bytes: bytes)
        return Self.json(bytes: bytes)
    }

    // MARK: Who may see what

    /// What one request may see.
    struct Scope {
        var caller: Caller
        var isOperator: Bool
        /// The projects the caller may see (every project for operators).
        var projects: Set<String>
        /// The project in the path, when the route has one (already authorised).
        var project: String?
    }

    func authorize(_ route: StatusRoute, request: Request, context: BasicRequestContext) async throws -> Scope {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "), header.count > 7 else {
            throw APIError(.unauthorized, "Unauthorized", "a bearer token is required (Authorization: Bearer <token>)")
        }
        return try await authorize(route, token: String(header.dropFirst(7)), project: context.parameters.get("project"))
    }

    func authorize(_ route: StatusRoute, token: String, project: String?) async throws -> Scope {
        let caller: Caller
        do {
            guard let known = try await reviewer.authenticate(token: token) else {
                throw APIError(.unauthorized, "Unauthorized", "the token is not valid")
            }
            caller = known
            let isOperator = try await reviewer.isOperator(caller)
            if route.access == .project {
                guard let project else { throw APIError(.notFound, "NotFound", "no project in the path") }
                let allowed = isOperator ? true : try await reviewer.mayView(project: project, caller: caller)
                guard allowed else { throw APIError(.forbidden, "Forbidden", "you may not see project \"\(project)\"") }
                return Scope(caller: caller, isOperator: isOperator, projects: [project], project: project)
            }
            let all = Array(store.snapshot.projects.keys)
            if isOperator { return Scope(caller: caller, isOperator: true, projects: Set(all)) }
            var visible: Set<String> = []
            for name in all where try await reviewer.mayView(project: name, caller: caller) { visible.insert(name) }
            return Scope(caller: caller, isOperator: false, projects: visible)
        } catch let error as AccessReviewError {
            logger.warning("status API could not review a caller", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, "ReviewUnavailable", "the management plane could not be asked who you are; try again")
        }
    }

    // MARK: Views

    func projects(_ scope: Scope) -> [(key: String, value: JSONValue)] {
        let snapshot = store.snapshot
        return scope.projects.sorted().compactMap { name in
            snapshot.projects[name].map { (name, StatusViews.project(name, $0)) }
        }
    }

    func clusters(_ scope: Scope) -> [(key: String, value: JSONValue)] {
        guard let project = scope.project, let state = store.snapshot.projects[project] else { return [] }
        return state.clusters.keys.sorted().map { name in
            (name, StatusViews.clusterSummary(state.clusters[name]!, addons: state.addons[name] ?? [:]))
        }
    }

    func cluster(named context: BasicRequestContext, in scope: Scope) throws -> ClusterRecord {
        let name = context.parameters.get("cluster") ?? ""
        guard let project = scope.project, let cluster = store.snapshot.projects[project]?.clusters[name] else {
            throw APIError(.notFound, "NotFound", "project \"\(scope.project ?? "")\" has no cluster \"\(name)\"")
        }
        return cluster
    }

    func cluster(_ scope: Scope, context: BasicRequestContext) throws -> JSONValue {
        let snapshot = store.snapshot
        let record = try cluster(named: context, in: scope)
        let state = snapshot.projects[record.project]!
        return StatusViews.cluster(record, addons: state.addons[record.name] ?? [:], events: state.events[record.name] ?? [],
                                   rollouts: snapshot.rollouts.values.sorted { $0.name < $1.name })
    }

    func addon(_ scope: Scope, context: BasicRequestContext) throws -> JSONValue {
        let record = try cluster(named: context, in: scope)
        let name = context.parameters.get("addon") ?? ""
        let state = store.snapshot.projects[record.project]!
        guard let addon = state.addons[record.name]?[name] else {
            throw APIError(.notFound, "NotFound", "cluster \"\(record.name)\" has no addon \"\(name)\"")
        }
        return StatusViews.addon(addon, events: state.events[record.name] ?? [])
    }

    func rollouts(_ scope: Scope) -> [(key: String, value: JSONValue)] {
        store.snapshot.rollouts.keys.sorted().map { name in
            (name, StatusViews.rollout(store.snapshot.rollouts[name]!, visibleProjects: scope.projects, isOperator: scope.isOperator))
        }
    }

    /// `?limit=N&continue=TOKEN` over items sorted by key; the token is the last key returned.
    func page(_ items: [(key: String, value: JSONValue)], request: Request) throws -> JSONValue {
        let query = request.uri.queryParameters
        var limit = Self.defaultPageSize
        if let text = query["limit"] {
            guard let value = Int(text), value > 0 else { throw APIError(.badRequest, "BadRequest", "limit must be a positive number, not \"\(text)\"") }
            limit = min(value, Self.maxPageSize)
        }
        var rest = items[...]
        if let token = query["continue"], !token.isEmpty {
            guard let after = Self.decodeContinue(String(token)) else { throw APIError(.badRequest, "BadRequest", "the continue token is not one this API gave") }
            rest = items.drop { $0.key <= after }
        }
        let pageItems = rest.prefix(limit)
        var result: JSONValue = ["items": .array(pageItems.map(\.value))]
        if rest.count > limit, let last = pageItems.last { result["continue"] = .string(Self.encodeContinue(last.key)) }
        return result
    }

    static func encodeContinue(_ key: String) -> String {
        Data(key.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeContinue(_ token: String) -> String? {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).flatMap { String(data: $0, encoding: .utf8) }
    }

    // MARK: Live updates

    func stream(project: String, cluster: String?) -> Response {
        let changes = store.changes.subscribe(project: project, cluster: cluster, heartbeat: heartbeat)
        let lifetime = Self.streamLifetime
        let body = ResponseBody { writer in
            let deadline = ContinuousClock.now + lifetime
            try await writer.write(ByteBuffer(string: "retry: 2000\nevent: ready\ndata: {}\n\n"))
            for await change in changes {
                if ContinuousClock.now > deadline { break }
                if change.kind == ChangeFeed.heartbeatKind {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                } else {
                    try await writer.write(ByteBuffer(string: "event: change\ndata: \(change.json.jsonString())\n\n"))
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    // MARK: The page without JavaScript

    func signedInPage(_ request: Request) async -> Response {
        var request = request
        guard let body = try? await request.collectBody(upTo: 64 * 1024),
              let token = StatusPage.formValue("token", in: String(buffer: body)), !token.isEmpty else {
            return Self.html(StatusPage.signIn(message: "Paste a token to sign in."), status: .badRequest)
        }
        do {
            let scope = try await authorize(.projects, token: token, project: nil)
            let snapshot = store.snapshot
            return Self.html(StatusPage.dashboard(snapshot: snapshot, scope: .init(username: scope.caller.username, isOperator: scope.isOperator, projects: scope.projects)))
        } catch let error as APIError {
            return Self.html(StatusPage.signIn(message: error.message), status: error.status)
        } catch {
            return Self.html(StatusPage.signIn(message: "The request failed."), status: .internalServerError)
        }
    }

    // MARK: Responses

    static let securityHeaders: HTTPFields = [
        .cacheControl: "no-store",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        HTTPField.Name("Content-Security-Policy")!: "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'",
    ]

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        json(bytes: ByteBuffer(string: value.jsonString() + "\n"), status: status)
    }

    static func json(bytes: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: bytes))
    }

    static func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        text(page, type: .html, status: status)
    }

    static func text(_ text: String, type: StatusRoute.Produces, status: HTTPResponse.Status = .ok) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type.rawValue + "; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// An error answer: a status, a code and a message a person can act on.
struct APIError: Error {
    var status: HTTPResponse.Status
    var code: String
    var message: String

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    var response: Response {
        var response = StatusAPI.json(["code": .string(code), "message": .string(message)], status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}
