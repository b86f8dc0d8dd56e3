import AsyncHTTPClient
import Foundation
import KubernetesModel
import Testing

/// The live streams: a change in LocalKube reaches the project's stream, and only its own.
@Suite struct StatusStreamTests {
    @Test func anAddonThatTurnsHealthyIsToldOnItsProjectsStreamAndNotOnOthers() async throws {
        try await StatusAPIFixture.with { f in
            var request = HTTPClientRequest(url: f.baseURL + "/api/v1/projects/\(StatusAPIFixture.projectP)/watch")
            request.headers.add(name: "Authorization", value: "Bearer \(f.token("p"))")
            let response = try await f.http.execute(request, timeout: .seconds(60))
            #expect(response.status == .ok && response.headers.first(name: "Content-Type") == "text/event-stream")
            var body = response.body.makeAsyncIterator()
            var text = ""
            // The stream says it is ready before anything changes.
            while !text.contains("event: ready") { text += String(buffer: try #require(try await body.next())) }

            // Q's addon changes first, then P's: P's stream tells of P's only.
            try await StatusAPIFixture.setAddon(f.fleet.management, project: StatusAPIFixture.projectQ, cluster: "q-secretive", addon: "ingress", version: "1.1.0", phase: "Healthy")
            try await StatusAPIFixture.setAddon(f.fleet.management, project: StatusAPIFixture.projectP, cluster: "p-alpha", addon: "logging", version: "2.0.0", phase: "Healthy")
            text = ""
            while !text.contains("\"logging\"") { text += String(buffer: try #require(try await body.next())) }
            #expect(text.contains("event: change") && text.contains("\"phase\":\"Healthy\"") && text.contains("\"cluster\":\"p-alpha\""), "\(text)")
            #expect(!text.contains("q-secretive") && !text.contains(StatusAPIFixture.projectQ), "P's stream told of Q: \(text)")

            // And the views say so at once (served from the same store).
            let cluster = try #require(try await f.get("/api/v1/projects/\(StatusAPIFixture.projectP)/clusters/p-alpha", as: "p").json)
            #expect(cluster["addons"].arrayValue?.first { $0["name"] == "logging" }?["phase"] == "Healthy")
        }
    }
}
