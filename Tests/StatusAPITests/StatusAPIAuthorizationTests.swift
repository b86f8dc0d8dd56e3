import Foundation
import KubernetesModel
import StatusAPI
import Testing

/// Every route × every kind of caller → the status the API must answer, and no answer to a
/// user of project P ever holds anything of project Q (not even its name).
@Suite struct StatusAPIAuthorizationTests {
    static let p = StatusAPIFixture.projectP, q = StatusAPIFixture.projectQ
    /// Callers: no token, a token nobody has, a user of P, a user of Q, an operator, a user granted nothing here.
    static let callers: [String?] = [nil, "bad", "p", "q", "operator", "nobody"]

    struct Case {
        var path: String
        /// Expected status per caller, in the order of `callers`.
        var expected: [Int]
    }

    static let cases: [Case] = [
        Case(path: "/api/v1/projects", expected: [401, 401, 200, 200, 200, 200]),
        Case(path: "/api/v1/projects/\(p)/clusters", expected: [401, 401, 200, 403, 200, 403]),
        Case(path: "/api/v1/projects/\(p)/clusters/p-alpha", expected: [401, 401, 200, 403, 200, 403]),
        Case(path: "/api/v1/projects/\(p)/clusters/not-there", expected: [401, 401, 404, 403, 404, 403]),
        Case(path: "/api/v1/projects/\(p)/clusters/p-alpha/addons/logging", expected: [401, 401, 200, 403, 200, 403]),
        Case(path: "/api/v1/projects/\(p)/clusters/p-alpha/addons/not-there", expected: [401, 401, 404, 403, 404, 403]),
        Case(path: "/api/v1/projects/\(p)/watch", expected: [401, 401, 200, 403, 200, 403]),
        Case(path: "/api/v1/projects/\(p)/clusters/p-alpha/watch", expected: [401, 401, 200, 403, 200, 403]),
        Case(path: "/api/v1/projects/\(q)/clusters", expected: [401, 401, 403, 200, 200, 403]),
        Case(path: "/api/v1/projects/\(q)/clusters/q-secretive", expected: [401, 401, 403, 200, 200, 403]),
        // A project that does not exist answers as one the caller may not see.
        Case(path: "/api/v1/projects/no-such-project/clusters", expected: [401, 401, 403, 403, 200, 403]),
        Case(path: "/api/v1/catalog", expected: [401, 401, 200, 200, 200, 200]),
        Case(path: "/api/v1/fleet/addons", expected: [401, 401, 200, 200, 200, 200]),
        Case(path: "/api/v1/rollouts", expected: [401, 401, 200, 200, 200, 200]),
        Case(path: "/api/v1/openapi.json", expected: [200, 200, 200, 200, 200, 200]),
        Case(path: "/", expected: [200, 200, 200, 200, 200, 200]),
        Case(path: "/ui/app.js", expected: [200, 200, 200, 200, 200, 200]),
    ]

    @Test func everyRouteAnswersEachCallerAsItMayAndNeverWithAnotherProjectsData() async throws {
        try await StatusAPIFixture.with { f in
            for c in Self.cases {
                for (caller, expected) in zip(Self.callers, c.expected) {
                    let answer = try await f.get(c.path, as: caller)
                    #expect(answer.status == expected, "GET \(c.path) as \(caller ?? "no token"): \(answer.status) \(answer.body.prefix(300))")
                    // (A refusal may repeat the project the caller named in the path; nothing else of it.)
                    if caller == "p" || caller == "nobody", !c.path.contains(Self.q) {
                        #expect(!answer.body.contains(Self.q) && !answer.body.contains("q-secretive") && !answer.body.contains("quinn"),
                                "GET \(c.path) as \(caller!) shows project Q: \(answer.body.prefix(500))")
                    }
                    if caller == "q", !c.path.contains(Self.p) {
                        #expect(!answer.body.contains(Self.p) && !answer.body.contains("p-alpha"), "GET \(c.path) as q shows project P: \(answer.body.prefix(500))")
                    }
                    if c.path.contains(Self.q) && caller != "q" && caller != "operator" {
                        #expect(!answer.body.contains("q-secretive") && !answer.body.contains("quinn"), "GET \(c.path) as \(caller ?? "no token"): \(answer.body.prefix(500))")
                    }
                    if expected >= 400, answer.contentType?.hasPrefix("application/json") == true {
                        #expect(answer.json?["code"].stringValue != nil && answer.json?["message"].stringValue != nil, "\(c.path): \(answer.body)")
                    }
                }
            }
            // The signed-in page (no JavaScript): P's clusters, phases and reasons, nothing of Q.
            let page = try await f.postPage(token: f.token("p"))
            #expect(page.status == 200)
            #expect(page.body.contains("p-alpha") && page.body.contains("p-beta") && page.body.contains("data-phase=\"Failed\""))
            #expect(page.body.contains("logging is failed"), "the page does not say why: \(page.body)")
            #expect(!page.body.contains("q-secretive") && !page.body.contains(Self.q))
            let refused = try await f.postPage(token: "not-a-token-anyone-has")
            #expect(refused.status == 401 && refused.body.contains("not valid"))
        }
    }

    @Test func viewsSayWhatRunsAndWhyAndPaginate() async throws {
        try await StatusAPIFixture.with { f in
            let projects = try #require(try await f.get("/api/v1/projects", as: "operator").json)
            #expect(projects["items"].arrayValue?.map { $0["name"] } == [.string(Self.p), .string(Self.q)])
            let mine = try #require(try await f.get("/api/v1/projects", as: "p").json)
            #expect(mine["items"].arrayValue?.map { $0["name"] } == [.string(Self.p)])
            #expect(mine["items"][0]["clusters"] == 2 && mine["items"][0]["addons"]["Failed"] == 1)

            let cluster = try #require(try await f.get("/api/v1/projects/\(Self.p)/clusters/p-alpha", as: "p").json)
            let logging = cluster["addons"].arrayValue?.first { $0["name"] == "logging" }
            #expect(logging?["phase"] == "Failed" && logging?["version"] == "2.0.0" && logging?["reason"] == "AddonFailed" && logging?["message"] == "logging is failed")
            #expect(cluster["addonsHealthy"]["status"] == "False")

            let first = try #require(try await f.get("/api/v1/projects/\(Self.p)/clusters?limit=1", as: "p").json)
            #expect(first["items"].arrayValue?.map { $0["name"] } == ["p-alpha"])
            let token = try #require(first["continue"].stringValue)
            let second = try #require(try await f.get("/api/v1/projects/\(Self.p)/clusters?limit=1&continue=\(token)", as: "p").json)
            #expect(second["items"].arrayValue?.map { $0["name"] } == ["p-beta"] && second["continue"].isNull)
            #expect(try await f.get("/api/v1/projects/\(Self.p)/clusters?limit=0", as: "p").status == 400)
            #expect(try await f.get("/api/v1/projects/\(Self.p)/clusters?continue=%25%25", as: "p").status == 400)

            let fleet = try #require(try await f.get("/api/v1/fleet/addons", as: "p").json)
            let ingress = fleet["addons"].arrayValue?.first { $0["addon"] == "ingress" }
            #expect(ingress?["versions"].arrayValue?.map { $0["clusters"] } == [1, 1], "P's fleet view counted Q's cluster: \(fleet)")
        }
    }

    @Test func theOpenAPIDocumentDescribesExactlyTheRoutesServed() async throws {
        try await StatusAPIFixture.with { f in
            let document = try #require(try await f.get("/api/v1/openapi.json", as: nil).json)
            #expect(document["openapi"] == "3.0.3")
            let paths = document["paths"].objectValue ?? [:]
            var documented: Set<String> = []
            for (path, item) in paths {
                for method in (item.objectValue ?? [:]).keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            #expect(documented == Set(StatusRoute.all.map { "\($0.method.rawValue) \($0.path)" }))
            // Every documented GET is served (no 404 for its path with real parameters).
            for route in StatusRoute.all where route.method == .get {
                let path = route.path.replacingOccurrences(of: "{project}", with: Self.p).replacingOccurrences(of: "{cluster}", with: "p-alpha")
                    .replacingOccurrences(of: "{addon}", with: "ingress")
                let answer = try await f.get(path, as: "operator")
                #expect(answer.status == 200, "\(route.operationID) \(path): \(answer.status)")
                let produces = route.produces.rawValue
                #expect(answer.contentType?.hasPrefix(produces) == true, "\(path) answered \(answer.contentType ?? "-"), documented \(produces)")
            }
        }
    }
}
