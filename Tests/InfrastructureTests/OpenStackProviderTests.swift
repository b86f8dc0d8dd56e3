import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TestSupport
@testable import Infrastructure

/// The OpenStack provider against the real local OpenStack (Keystone, Nova with its fake driver,
/// Glance, Neutron) of `../shared/openstack-local/setup.sh`, in project `demo`.
@Suite(.enabled(if: OpenStackLocal.shouldRun, Comment(rawValue: OpenStackLocal.skipMessage)), .timeLimit(.minutes(5)))
struct OpenStackProviderTests {
    func spec(_ name: String, cluster: String, flavor: String = "m1.tiny", group: String? = nil) -> ServerSpec {
        ServerSpec(
            name: name, flavor: flavor, image: "cirros-fake", network: "private", serverGroupID: group,
            userData: "#cloud-config\nhostname: \(name)\n",
            metadata: ["cluster": cluster, "pool": "workers", "machine": name])
    }

    /// Deletes the servers and waits until Nova no longer lists them.
    func cleanUp(_ provider: OpenStackProvider, cluster: String) async throws {
        for server in try await provider.servers(cluster: cluster) { try await provider.deleteServer(id: server.id) }
        _ = try await OpenStackLocal.poll({ try await provider.servers(cluster: cluster) }, until: \.isEmpty)
    }

    @Test func threeServersInAnAntiAffinityGroupBecomeActive() async throws {
        let provider = try OpenStackLocal.provider()
        let cluster = OpenStackLocal.uniqueName("it-spread")
        let started = ContinuousClock.now
        let group = try await provider.ensureServerGroup(name: "\(cluster)-workers", policy: .antiAffinity)
        #expect(try await provider.ensureServerGroup(name: "\(cluster)-workers", policy: .antiAffinity) == group)
        let mismatch = await #expect(throws: ProviderError.self) {
            try await provider.ensureServerGroup(name: "\(cluster)-workers", policy: .softAntiAffinity)
        }
        #expect(mismatch?.kind == .conflict)

        var created: [Server] = []
        for index in 0..<3 {
            created.append(try await provider.createServer(spec("\(cluster)-workers-\(index)", cluster: cluster, group: group)))
        }
        #expect(Set(created.map(\.id)).count == 3)
        var active: [Server] = []
        for server in created {
            active.append(try await OpenStackLocal.poll({ try await provider.server(id: server.id) }, until: { $0?.state == .active || $0?.state == .error })!)
        }
        print("3 servers in an anti-affinity group ACTIVE after \(started.duration(to: .now))")
        for server in active {
            #expect(server.state == .active, "\(server.name): \(server.fault ?? "no fault")")
            #expect(server.addresses.contains { $0.hasPrefix("127.100.") })
            #expect(server.metadata["cluster"] == cluster && server.metadata["pool"] == "workers" && server.metadata["machine"] == server.name)
            #expect(server.created != nil && server.availabilityZone != nil && server.fault == nil)
        }
        let listed = try await provider.servers(cluster: cluster)
        #expect(listed.map(\.name).sorted() == (0..<3).map { "\(cluster)-workers-\($0)" })
        #expect(try await provider.servers(cluster: cluster + "-other").isEmpty)

        // A fourth member of an anti-affinity group on three hosts cannot be placed: ERROR, with why.
        let fourth = try await provider.createServer(spec("\(cluster)-workers-3", cluster: cluster, group: group))
        let unplaced = try await OpenStackLocal.poll({ try await provider.server(id: fourth.id) }, until: { $0?.state == .error || $0?.state == .active })
        #expect(unplaced?.state == .error)
        #expect(unplaced?.fault?.contains("No valid host was found") == true, "\(String(describing: unplaced?.fault))")

        try await cleanUp(provider, cluster: cluster)
        try await provider.deleteServerGroup(id: group)
        try await provider.deleteServerGroup(id: group)
        try await provider.shutdown()
    }

    @Test func createTwiceMakesOneServerAndDeleteMakesItGone() async throws {
        let provider = try OpenStackLocal.provider()
        let cluster = OpenStackLocal.uniqueName("it-once")
        let spec = spec("\(cluster)-cp-0", cluster: cluster)
        let first = try await provider.createServer(spec)
        let second = try await provider.createServer(spec)
        #expect(first.id == second.id)
        // Another cluster's server of the same name is not "the same server".
        var otherSpec = spec
        otherSpec.metadata["cluster"] = cluster + "-b"
        let other = try await provider.createServer(otherSpec)
        #expect(other.id != first.id)
        #expect(try await provider.servers(cluster: cluster).map(\.id) == [first.id])

        _ = try await OpenStackLocal.poll({ try await provider.server(id: first.id) }, until: { $0?.state == .active })
        let deleteStarted = ContinuousClock.now
        try await provider.deleteServer(id: first.id)
        _ = try await OpenStackLocal.poll({ try await provider.server(id: first.id) }, until: { $0 == nil })
        print("deleted server gone (server(id:) nil) after \(deleteStarted.duration(to: .now))")
        try await provider.deleteServer(id: first.id)  // gone already: success
        try await provider.deleteServer(id: other.id)
        try await cleanUp(provider, cluster: cluster + "-b")
        try await provider.shutdown()
    }

    @Test func noValidHostSurfacesNovasFault() async throws {
        let provider = try OpenStackLocal.provider()
        let cluster = OpenStackLocal.uniqueName("it-fault")
        let started = ContinuousClock.now
        let created = try await provider.createServer(spec("\(cluster)-w-0", cluster: cluster, flavor: "osf.novalidhost"))
        let failed = try await OpenStackLocal.poll({ try await provider.server(id: created.id) }, until: { $0?.state == .error || $0?.state == .active })
        print("osf.novalidhost server ERROR after \(started.duration(to: .now)): \(failed?.fault ?? "no fault")")
        #expect(failed?.state == .error)
        #expect(failed?.fault?.contains("No valid host was found") == true)
        try await cleanUp(provider, cluster: cluster)
        try await provider.shutdown()
    }

    @Test func unknownNamesAreNotFound() async throws {
        let provider = try OpenStackLocal.provider()
        for (flavor, image, network) in [("m1.nope", "cirros-fake", "private"), ("m1.tiny", "no-such-image", "private"), ("m1.tiny", "cirros-fake", "no-such-net")] {
            let spec = ServerSpec(name: OpenStackLocal.uniqueName("it-nf"), flavor: flavor, image: image, network: network, metadata: ["cluster": "it-nf"])
            let error = await #expect(throws: ProviderError.self) { try await provider.createServer(spec) }
            #expect(error?.kind == .notFound, "\(String(describing: error))")
            #expect(error?.operation == "create server" && error?.serverName == spec.name)
        }
        #expect(try await provider.server(id: UUID().uuidString.lowercased()) == nil)
        try await provider.deleteServer(id: UUID().uuidString.lowercased())
        try await provider.shutdown()
    }

    @Test func badCredentialsAreUnauthorizedWithoutTheSecret() async throws {
        let good = try OpenStackLocal.credentials()
        let secret = "wrong-\(UUID().uuidString)"
        for method: OpenStackCredentials.Method in [
            .password(username: "demo", password: secret, userDomainName: "Default", projectName: "demo", projectDomainName: "Default"),
            .applicationCredential(id: UUID().uuidString.replacingOccurrences(of: "-", with: ""), secret: secret),
        ] {
            let provider = OpenStackProvider(credentials: OpenStackCredentials(authURL: good.authURL, method: method, regionName: good.regionName),
                                             logger: .init(label: "test"))
            let error = await #expect(throws: ProviderError.self) { try await provider.servers(cluster: "any") }
            #expect(error?.kind == .unauthorized, "\(String(describing: error))")
            #expect([401, 404].contains(error?.httpStatus))  // Keystone: 401 for a password, 404 for an unknown application credential
            #expect(error?.isRetryable == false)
            let text = "\(String(describing: error)) \(String(reflecting: error)) \(provider.credentials)"
            #expect(!text.contains(secret), "\(text)")
            try await provider.shutdown()
        }
    }

    @Test func tokensAreRenewedWhenDueAndWhenRefused() async throws {
        let provider = try OpenStackLocal.provider()
        _ = try await provider.servers(cluster: "it-reauth")
        _ = try await provider.servers(cluster: "it-reauth")
        #expect(await provider.session.authentications == 1)

        // Due for renewal (the margin before expires_at reached): renewed before the request.
        let first = try #require(await provider.session.currentValue)
        await provider.session.makeDue()
        _ = try await provider.servers(cluster: "it-reauth")
        #expect(await provider.session.authentications == 2)
        #expect(await provider.session.currentValue != first)

        // A token Keystone never issued (as an expired or revoked one): Nova answers 401, the
        // provider authenticates again, once, and resends; concurrent callers share that once.
        // (Revoking a real token does not show at once: Nova's keystonemiddleware caches validations.)
        await provider.session.replaceValue(with: "gAAAAABnot-a-real-token")
        try await withThrowingTaskGroup(of: Server?.self) { group in
            for _ in 0..<8 { group.addTask { try await provider.server(id: UUID().uuidString.lowercased()) } }
            for try await server in group { #expect(server == nil) }
        }
        #expect(await provider.session.authentications == 3)
        #expect(try await provider.servers(cluster: "it-reauth").isEmpty)
        try await provider.shutdown()
    }

    @Test func concurrentCallersShareOneAuthentication() async throws {
        let provider = try OpenStackLocal.provider()
        try await withThrowingTaskGroup(of: Server?.self) { group in
            for _ in 0..<20 { group.addTask { try await provider.server(id: UUID().uuidString.lowercased()) } }
            for try await server in group { #expect(server == nil) }
        }
        #expect(await provider.session.authentications == 1)
        try await provider.shutdown()
    }

    @Test func applicationCredentialFromSecretData() async throws {
        let demo = try OpenStackLocal.credentials()
        guard case .password(let username, let password, let userDomain, let project, let projectDomain) = demo.method else {
            Issue.record("the demo cloud is expected to use a password")
            return
        }
        // A password token for the demo user, to create (and then delete) an application credential.
        let body = KeystoneToken.requestBody(for: .password(username: username, password: password, userDomainName: userDomain,
                                                            projectName: project, projectDomainName: projectDomain))
        let (token, auth) = try await keystone(.POST, demo.tokensURL, token: nil, json: body)
        let userID = try #require(((auth["token"] as? [String: Any])?["user"] as? [String: Any])?["id"] as? String)
        let base = demo.tokensURL.replacingOccurrences(of: "/auth/tokens", with: "")
        let name = OpenStackLocal.uniqueName("it-appcred")
        // With the one role the demo user is assigned (member), named: without roles, Keystone
        // gives the credential every role the token lists, and refused it (400, "Could not find
        // role assignment with role: <service>") in a CI run whose token listed one the user does
        // not hold.
        let (_, created) = try await keystone(.POST, "\(base)/users/\(userID)/application_credentials", token: token,
                                               json: ["application_credential": ["name": name, "roles": [["name": "member"]]]])
        let appCredential = try #require(created["application_credential"] as? [String: Any])
        let id = try #require(appCredential["id"] as? String)
        let secret = try #require(appCredential["secret"] as? String)

        for data in [
            ["auth_url": demo.authURL, "application_credential_id": id, "application_credential_secret": secret],
            ["auth_url": demo.authURL, "application_credential_name": name, "application_credential_secret": secret, "username": username],
        ] {
            let provider = OpenStackProvider(credentials: try OpenStackCredentials(secretData: data), logger: .init(label: "test"))
            #expect(try await provider.servers(cluster: "it-appcred").isEmpty)
            #expect(try await provider.server(id: UUID().uuidString.lowercased()) == nil)
            try await provider.shutdown()
        }
        _ = try await keystone(.DELETE, "\(base)/users/\(userID)/application_credentials/\(id)", token: token, json: nil)
    }

    // MARK: Keystone by hand

    func keystone(_ method: HTTPMethod, _ url: String, token: String?, json: [String: Any]?) async throws -> (String?, [String: Any]) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "X-Auth-Token", value: token) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        // Keystone says why it refused in the body (a 400 once, from this test's own request).
        #expect((200..<300).contains(Int(response.status.code)),
                "\(method) \(url): \(response.status): \(String(decoding: body.readableBytesView.prefix(500), as: UTF8.self))")
        let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]) ?? [:]
        return (response.headers.first(name: "X-Subject-Token"), object)
    }
}
