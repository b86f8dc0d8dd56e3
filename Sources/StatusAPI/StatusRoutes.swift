/// Every route of the status API, in one table: the router registers these and the OpenAPI
/// document describes these, so the two cannot drift (a test checks the document against it).
public struct StatusRoute: Sendable, Hashable {
    public enum Method: String, Sendable { case get = "GET", post = "POST" }
    /// Who may call it.
    public enum Access: String, Sendable {
        /// Anyone (the document, the sign-in page, static files).
        case anyone
        /// A valid token; the answer covers only the projects the caller may see.
        case authenticated
        /// A valid token of a user who may see the project in the path.
        case project
    }
    public enum Produces: String, Sendable { case json = "application/json", events = "text/event-stream", html = "text/html", javascript = "text/javascript", css = "text/css" }

    public var method: Method
    /// OpenAPI style: `/api/v1/projects/{project}`.
    public var path: String
    public var operationID: String
    public var summary: String
    public var access: Access
    public var produces: Produces
    public var paginated = false

    /// The same path in the router's syntax (`:project`).
    public var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : part
        }.joined(separator: "/")
    }

    public var pathParameters: [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
    }

    public static let projects = StatusRoute(method: .get, path: "/api/v1/projects", operationID: "listProjects",
                                             summary: "The projects the caller may see, with cluster and addon counts.", access: .authenticated, produces: .json, paginated: true)
    public static let clusters = StatusRoute(method: .get, path: "/api/v1/projects/{project}/clusters", operationID: "listClusters",
                                             summary: "A project's clusters, each with its addons summarised and those not healthy named.", access: .project, produces: .json, paginated: true)
    public static let cluster = StatusRoute(method: .get, path: "/api/v1/projects/{project}/clusters/{cluster}", operationID: "getCluster",
                                            summary: "One cluster: its conditions, every addon (version, phase, why), recent events and the rollouts moving it.", access: .project, produces: .json)
    public static let addon = StatusRoute(method: .get, path: "/api/v1/projects/{project}/clusters/{cluster}/addons/{addon}", operationID: "getClusterAddon",
                                          summary: "One addon on one cluster: versions, phase, conditions, per-object health, events.", access: .project, produces: .json)
    public static let projectWatch = StatusRoute(method: .get, path: "/api/v1/projects/{project}/watch", operationID: "watchProject",
                                                 summary: "Server-Sent Events: what changed in the project (cluster, addon, event, rollout).", access: .project, produces: .events)
    public static let clusterWatch = StatusRoute(method: .get, path: "/api/v1/projects/{project}/clusters/{cluster}/watch", operationID: "watchCluster",
                                                 summary: "Server-Sent Events: what changed on one cluster.", access: .project, produces: .events)
    public static let catalog = StatusRoute(method: .get, path: "/api/v1/catalog", operationID: "getCatalog",
                                            summary: "The published catalog: addons, their versions and what each supports, and the channels.", access: .authenticated, produces: .json)
    public static let fleet = StatusRoute(method: .get, path: "/api/v1/fleet/addons", operationID: "getFleetAddons",
                                          summary: "Per addon and version: how many clusters run it and how they are (operators: the whole fleet; others: their projects).", access: .authenticated, produces: .json)
    public static let rollouts = StatusRoute(method: .get, path: "/api/v1/rollouts", operationID: "listRollouts",
                                             summary: "Rollouts: phase, versions, wave, and the caller's clusters in each.", access: .authenticated, produces: .json, paginated: true)
    public static let openAPI = StatusRoute(method: .get, path: "/api/v1/openapi.json", operationID: "getOpenAPI",
                                            summary: "This document.", access: .anyone, produces: .json)
    public static let page = StatusRoute(method: .get, path: "/", operationID: "getPage", summary: "The status page (sign in).", access: .anyone, produces: .html)
    public static let pageSignedIn = StatusRoute(method: .post, path: "/", operationID: "postPage",
                                                 summary: "The status page for the token in the form (`token=`), rendered on the server.", access: .anyone, produces: .html)
    public static let script = StatusRoute(method: .get, path: "/ui/app.js", operationID: "getScript", summary: "The page's script (live updates).", access: .anyone, produces: .javascript)
    public static let style = StatusRoute(method: .get, path: "/ui/style.css", operationID: "getStyle", summary: "The page's style sheet.", access: .anyone, produces: .css)

    public static let all: [StatusRoute] = [projects, clusters, cluster, addon, projectWatch, clusterWatch, catalog, fleet, rollouts, openAPI, page, pageSignedIn, script, style]
}
