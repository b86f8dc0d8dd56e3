import TestSupport
import AsyncHTTPClient
import Foundation
import KubernetesModel
import LocalKube
import NIOHTTP1
import Testing

/// Paths without the `/clusters/NAME` prefix (kubectl's `--raw` drops it) reach the cluster whose
/// bearer token the request carries.
@Suite struct RawPathTests {
    private func raw(_ f: LocalKubeFixture, _ path: String, token: String?) async throws -> (status: Int, text: String) {
        var request = HTTPClientRequest(url: f.server.baseURL + path)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await f.http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    @Test func unprefixedPathsGoToTheTokensCluster() async throws {
        try await LocalKubeFixture.with { f in
            let other = try await f.server.addCluster(name: "other")
            try await f.createNamespace("only-in-test")
            #expect(try await raw(f, "/readyz", token: f.cluster.token) == (200, "ok"))
            #expect(try await raw(f, "/api/v1/namespaces/only-in-test", token: f.cluster.token).status == 200)
            #expect(try await raw(f, "/api/v1/namespaces/only-in-test", token: other.token).status == 404)
            // No cluster to speak for: no token is not found, an unknown or removed token is refused.
            #expect(try await raw(f, "/readyz", token: nil).status == 404)
            #expect(try await raw(f, "/readyz", token: "localkube-unknown").status == 401)
            await f.server.removeCluster(name: "other")
            #expect(try await raw(f, "/readyz", token: other.token).status == 401)
        }
    }

    @Test(.enabled(if: KubectlRunner.shouldRun, "kubectl is not installed"))
    func kubectlGetRaw() async throws {
        try await LocalKubeFixture.with { f in
            let kubectl = try KubectlRunner(server: f.server, cluster: "test")
            for path in ["/readyz", "/livez", "/healthz"] {
                let answer = try await kubectl.run(["get", "--raw", path])
                #expect(answer.status == 0, "\(path): \(answer.error)")
                #expect(answer.output == "ok", "\(path)")
            }
            let version = try await kubectl.run(["get", "--raw", "/version"])
            #expect(version.status == 0, "\(version.error)")
            #expect(try JSONValue.parse(Array(version.output.utf8))["gitVersion"].stringValue?.hasPrefix("v1.24") == true, "\(version.output)")
            let namespaces = try await kubectl.run(["get", "--raw", "/api/v1/namespaces/default"])
            #expect(try JSONValue.parse(Array(namespaces.output.utf8))["metadata"]["name"] == "default", "\(namespaces.output)")
        }
    }
}
