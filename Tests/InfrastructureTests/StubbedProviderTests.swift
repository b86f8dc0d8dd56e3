import Foundation
import Logging
import Testing
@testable import Infrastructure

/// The provider against a scripted OpenStack: what the real one cannot be made to do on demand.
@Suite struct StubbedProviderTests {
    static let serverJSON = #"{"server": {"id": "s1", "name": "c1-w-0", "status": "BUILD", "metadata": {"cluster": "c1"}}}"#

    func provider(_ stub: StubOpenStack, margin: Duration = .seconds(300)) throws -> OpenStackProvider {
        var configuration = OpenStackProvider.Configuration()
        configuration.retryBaseDelay = .milliseconds(10)
        configuration.tokenRenewalMargin = margin
        let credentials = try OpenStackCredentials(secretData: [
            "auth_url": stub.url + "/v3", "application_credential_id": "ac", "application_credential_secret": "stub-secret",
        ])
        return OpenStackProvider(credentials: credentials, configuration: configuration, logger: Logger(label: "stub"))
    }

    @Test func readsAreRetriedThroughUnavailabilityCreatesAreNot() async throws {
        let stub = StubOpenStack { request in
            switch (request.method, request.path) {
            case ("GET", "/compute/servers/detail"):
                if request.seen < 2 { return .init(status: 503, body: "<html>503 Service Unavailable</html>") }
                if request.seen == 2 { return .init(status: 429, headers: [("Retry-After", "0")]) }
                return .init(status: 200, body: #"{"servers": []}"#)
            case ("GET", "/compute/flavors"): return .init(status: 200, body: #"{"flavors": [{"id": "f1", "name": "m1"}]}"#)
            case ("GET", "/image/v2/images"): return .init(status: 200, body: #"{"images": [{"id": "i1", "name": "img", "status": "active"}]}"#)
            case ("GET", "/network/v2.0/networks"): return .init(status: 200, body: #"{"networks": [{"id": "n1", "name": "net", "status": "ACTIVE"}]}"#)
            case ("POST", "/compute/servers"):
                if request.seen == 0 { return .init(status: 503, body: #"{"computeFault": {"code": 503, "message": "try later"}}"#) }
                return .init(status: 202, body: #"{"server": {"id": "s1"}}"#)
            case ("GET", "/compute/servers/s1"): return .init(status: 200, body: Self.serverJSON)
            default: return nil
            }
        }
        try await stub.start()
        let provider = try provider(stub)
        #expect(try await provider.servers(cluster: "c1").isEmpty)
        #expect(stub.count("GET /compute/servers/detail") == 4)  // 503, 503, 429, 200

        let spec = ServerSpec(
            name: "c1-w-0", flavor: "m1", image: "img", network: "net", availabilityZone: "az1", serverGroupID: "g1",
            userData: "#cloud-config\n", metadata: ["cluster": "c1", "pool": "w", "machine": "0"])
        let error = await #expect(throws: ProviderError.self) { try await provider.createServer(spec) }
        #expect(error?.kind == .unavailable && error?.httpStatus == 503 && error?.message == "try later")
        #expect(error?.operation == "create server" && error?.serverName == "c1-w-0")
        #expect(stub.count("POST /compute/servers") == 1)  // sent once: the caller retries, after a look-up

        let server = try await provider.createServer(spec)
        #expect(server.id == "s1" && server.state == .building)
        #expect(stub.count("POST /compute/servers") == 2)
        #expect(stub.count("GET /compute/flavors") == 1)  // names resolved once, then cached

        let post = try #require(stub.requests("POST /compute/servers").last)
        #expect(post.headers.first(name: "OpenStack-API-Version") == "compute 2.79")
        #expect(post.headers.first(name: "X-Auth-Token") == "token-1")
        let body = try #require(try JSONSerialization.jsonObject(with: post.body) as? [String: Any])
        let sent = try #require(body["server"] as? [String: Any])
        #expect(sent["name"] as? String == "c1-w-0")
        #expect(sent["flavorRef"] as? String == "f1" && sent["imageRef"] as? String == "i1")
        #expect(sent["networks"] as? [[String: String]] == [["uuid": "n1"]])
        #expect(sent["availability_zone"] as? String == "az1")
        #expect(sent["user_data"] as? String == Data("#cloud-config\n".utf8).base64EncodedString())
        #expect(sent["metadata"] as? [String: String] == ["cluster": "c1", "pool": "w", "machine": "0"])
        #expect((body["os:scheduler_hints"] as? [String: String])?["group"] == "g1")
        let lookup = try #require(stub.requests("GET /compute/servers/detail").last)
        #expect(lookup.query.contains("name=%5Ec1-w-0%24"))
        try await provider.shutdown()
        try await stub.stop()
    }

    @Test func aRefusedTokenIsReplacedOnceNotInALoop() async throws {
        let stub = StubOpenStack { request in
            guard request.method == "GET", request.path == "/compute/servers/detail" else { return nil }
            // token-1 is refused; token-2 works for one request; then every token is refused.
            let token = request.headers.first(name: "X-Auth-Token")
            if token == "token-2" && request.seen < 3 { return .init(status: 200, body: #"{"servers": []}"#) }
            return .init(status: 401, body: #"{"error": {"code": 401, "message": "The request you have made requires authentication."}}"#)
        }
        try await stub.start()
        let provider = try provider(stub)
        #expect(try await provider.servers(cluster: "c1").isEmpty)
        #expect(stub.tokensIssued == 2)
        _ = try await provider.servers(cluster: "c1")
        let error = await #expect(throws: ProviderError.self) { try await provider.servers(cluster: "c1") }
        #expect(error?.kind == .unauthorized)
        #expect(stub.tokensIssued == 3)
        #expect(!(error?.description.contains("stub-secret") ?? true))
        try await provider.shutdown()
        try await stub.stop()
    }

    @Test func shortLivedTokensAreRenewedBeforeTheyExpire() async throws {
        // 6 s tokens, renewed at half-life: two calls in a row fit well inside 3 s on a loaded machine.
        let stub = StubOpenStack(tokenLifetime: 6) { request in
            request.path == "/compute/servers/detail" ? .init(status: 200, body: #"{"servers": []}"#) : nil
        }
        try await stub.start()
        let provider = try provider(stub)  // margin 5 min > lifetime: renewed at half-life (3 s)
        _ = try await provider.servers(cluster: "c1")
        _ = try await provider.servers(cluster: "c1")
        #expect(stub.tokensIssued == 1)
        try await Task.sleep(for: .milliseconds(3100))
        _ = try await provider.servers(cluster: "c1")
        #expect(stub.tokensIssued == 2)
        #expect(stub.requests("GET /compute/servers/detail").last?.headers.first(name: "X-Auth-Token") == "token-2")
        try await provider.shutdown()
        try await stub.stop()
    }
}
