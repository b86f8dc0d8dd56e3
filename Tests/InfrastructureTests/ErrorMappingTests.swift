import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Testing
@testable import Infrastructure

/// How answers and transport failures become `ProviderError`s, and Nova's servers become `Server`s.
@Suite struct ErrorMappingTests {
    static let request = ServiceRequest(method: .GET, url: "http://nova:8774/v2.1/servers/x?a=b", idempotent: true, operation: "get server", serverID: "x")

    func error(_ status: Int, _ body: String) -> ProviderError {
        OpenStackHTTP.apiError(status: status, headers: [:], body: Data(body.utf8), request: Self.request)
    }

    @Test func statusesAndServiceMessages() {
        let notFound = error(404, #"{"itemNotFound": {"code": 404, "message": "Instance x could not be found."}}"#)
        #expect(notFound.kind == .notFound)
        #expect(notFound.message == "Instance x could not be found.")
        #expect(notFound.serverID == "x" && notFound.httpStatus == 404 && !notFound.isRetryable)
        #expect(error(401, #"{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}"#).kind == .unauthorized)
        #expect(error(403, #"{"forbidden": {"code": 403, "message": "Policy doesn't allow os_compute_api:servers:create to be performed."}}"#).kind == .forbidden)
        let quota = error(403, #"{"forbidden": {"code": 403, "message": "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances"}}"#)
        #expect(quota.kind == .quotaExceeded)
        #expect(error(413, #"{"overLimit": {"code": 413, "message": "Quota exceeded for cores"}}"#).kind == .quotaExceeded)
        #expect(error(409, #"{"conflictingRequest": {"code": 409, "message": "Cannot 'stop' instance while it is in vm_state stopped"}}"#).kind == .conflict)
        let neutron = error(400, #"{"NeutronError": {"type": "HTTPBadRequest", "message": "Invalid input", "detail": ""}}"#)
        #expect(neutron.kind == .badRequest && neutron.message == "Invalid input")
        let glance = error(503, "<html><body>503 Service Unavailable\n  No server is available</body></html>")
        #expect(glance.kind == .unavailable && glance.isRetryable)
        #expect(glance.message == "<html><body>503 Service Unavailable No server is available</body></html>")
        #expect(error(429, "").kind == .unavailable)
        #expect(error(302, "").kind == .invalidResponse)
        #expect(error(422, "{}").kind == .badRequest)
    }

    @Test func retryAfterIsKept() {
        let answer = OpenStackHTTP.apiError(status: 429, headers: ["Retry-After": "7"], body: Data(), request: Self.request)
        #expect(answer.retryAfter == .seconds(7))
        let policy = OpenStackHTTP.RetryPolicy(attempts: 4, baseDelay: .milliseconds(500))
        #expect(policy.delay(after: 1, retryAfter: nil) == .milliseconds(500))
        #expect(policy.delay(after: 3, retryAfter: nil) == .seconds(2))
        #expect(policy.delay(after: 1, retryAfter: .seconds(7)) == .seconds(7))
        #expect(policy.delay(after: 10, retryAfter: .seconds(60)) == .seconds(8))
    }

    @Test func transportFailuresAreUnavailable() {
        let refused = OpenStackHTTP.transportError(IOError(errnoCode: ECONNREFUSED, reason: "connect"), request: Self.request)
        #expect(refused.kind == .unavailable && refused.isRetryable)
        #expect(refused.message == "connection refused (GET http://nova:8774/v2.1/servers/x)")
        #expect(OpenStackHTTP.transportError(HTTPClientError.deadlineExceeded, request: Self.request).message.hasPrefix("no answer in time"))
        #expect(OpenStackHTTP.transportError(HTTPClientError.remoteConnectionClosed, request: Self.request).kind == .unavailable)
    }

    @Test func descriptionNamesTheOperationAndServer() {
        let text = error(404, #"{"itemNotFound": {"message": "gone"}}"#).about(name: "c1-pool-0", id: nil).during("delete server").description
        #expect(text == "infrastructure provider error (notFound) during delete server of server c1-pool-0 (x): HTTP 404: gone")
    }

    /// A Keystone that refuses connections: the provider retries authentication, then reports the
    /// service unavailable, without the secret.
    @Test func unreachableKeystone() async throws {
        let credentials = try OpenStackCredentials(secretData: [
            "auth_url": "http://127.0.0.1:9/v3", "username": "u", "password": "hunter2-secret", "project_name": "p",
        ])
        var configuration = OpenStackProvider.Configuration()
        configuration.attempts = 3
        configuration.retryBaseDelay = .milliseconds(20)
        let provider = OpenStackProvider(credentials: credentials, configuration: configuration, logger: Logger(label: "test"))
        let started = ContinuousClock.now
        let error = await #expect(throws: ProviderError.self) { try await provider.servers(cluster: "c") }
        #expect(error?.kind == .unavailable)
        #expect(error?.isRetryable == true)
        #expect(error?.operation == "list servers (authenticate)")
        #expect(!(error?.description.contains("hunter2") ?? true))
        #expect(started.duration(to: .now) >= .milliseconds(60))  // 20 ms + 40 ms between three attempts
        #expect(await provider.session.authentications == 1)
        try await provider.shutdown()
    }
}

@Suite struct NovaServerTests {
    @Test func statusesMapToStates() {
        #expect(ServerState(novaStatus: "BUILD") == .building)
        #expect(ServerState(novaStatus: "ACTIVE") == .active)
        #expect(ServerState(novaStatus: "HARD_REBOOT") == .active)
        #expect(ServerState(novaStatus: "ERROR") == .error)
        #expect(ServerState(novaStatus: "SHUTOFF") == .shutoff)
        #expect(ServerState(novaStatus: "SHELVED_OFFLOADED") == .shutoff)
        #expect(ServerState(novaStatus: "SOFT_DELETED") == .deleting)
        #expect(ServerState(novaStatus: "ACTIVE", taskState: "deleting") == .deleting)
        #expect(ServerState(novaStatus: "UNKNOWN") == .unknown)
        #expect(ServerState(novaStatus: "SOMETHING_NEW") == .unknown)
    }

    @Test func decodesAServerWithAFault() throws {
        let json = """
        {"server": {"id": "8c1e", "name": "c1-workers-abc", "status": "ERROR", "OS-EXT-STS:task_state": null,
         "OS-EXT-AZ:availability_zone": "", "created": "2026-12-03T11:00:00Z",
         "addresses": {"b-net": [{"addr": "10.0.0.5", "version": 4}], "a-net": [{"addr": "127.100.0.9", "version": 4}]},
         "fault": {"code": 500, "created": "2026-12-03T11:00:02Z", "message": "No valid host was found. "},
         "metadata": {"cluster": "c1", "pool": "workers", "machine": "abc"}}}
        """
        let server = try JSONDecoder().decode(NovaServer.One.self, from: Data(json.utf8)).server.server
        #expect(server == Server(
            id: "8c1e", name: "c1-workers-abc", state: .error, addresses: ["127.100.0.9", "10.0.0.5"], fault: "No valid host was found. ",
            availabilityZone: nil, metadata: ["cluster": "c1", "pool": "workers", "machine": "abc"],
            created: OpenStackTime.parse("2026-12-03T11:00:00Z")))
    }
}
