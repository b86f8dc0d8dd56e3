import Foundation
import Testing
@testable import Infrastructure

/// The token's catalog, lifetime arithmetic and the request body.
@Suite struct KeystoneTokenTests {
    static let catalogJSON = """
    {"token": {"issued_at": "2026-12-03T11:00:00.000000Z", "expires_at": "2026-12-03T12:00:00.000000Z", "catalog": [
      {"type": "compute", "name": "nova", "endpoints": [
        {"interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": "http://one:8774/v2.1/"},
        {"interface": "internal", "region": "RegionOne", "region_id": "RegionOne", "url": "http://one-internal:8774/v2.1"},
        {"interface": "public", "region": "RegionTwo", "region_id": "RegionTwo", "url": "http://two:8774/v2.1"}]},
      {"type": "image", "name": "glance", "endpoints": [
        {"interface": "public", "region_id": "RegionOne", "url": "http://one:9292"}]},
      {"type": "network", "name": "neutron", "endpoints": [
        {"interface": "public", "region_id": "RegionOne", "url": "http://one:9696/v2.0"}]}
    ]}}
    """

    func catalog() throws -> ServiceCatalog {
        let response = try JSONDecoder().decode(KeystoneToken.Response.self, from: Data(Self.catalogJSON.utf8))
        return ServiceCatalog(services: response.token.catalog ?? [])
    }

    @Test func endpointByTypeRegionAndInterface() throws {
        let catalog = try catalog()
        #expect(catalog.endpoint(type: "compute", region: "RegionOne", interface: "public") == "http://one:8774/v2.1")
        #expect(catalog.endpoint(type: "compute", region: "RegionOne", interface: "internalURL") == "http://one-internal:8774/v2.1")
        #expect(catalog.endpoint(type: "compute", region: "RegionTwo", interface: "public") == "http://two:8774/v2.1")
        #expect(catalog.endpoint(type: "compute", region: nil, interface: "public") == "http://one:8774/v2.1")
        #expect(catalog.endpoint(type: "compute", region: "RegionThree", interface: "public") == nil)
        #expect(catalog.endpoint(type: "compute", region: "RegionTwo", interface: "admin") == nil)
        #expect(catalog.endpoint(type: "volumev3", region: nil, interface: "public") == nil)
        #expect(catalog.endpoint(type: "image", region: "RegionOne", interface: "public") == "http://one:9292")
    }

    @Test func serviceURLsGetOneAPIVersion() {
        #expect(OpenStackProvider.url(base: "http://one:9696/v2.0", service: "network") == "http://one:9696")
        #expect(OpenStackProvider.url(base: "http://one:9696", service: "network") == "http://one:9696")
        #expect(OpenStackProvider.url(base: "http://one:9292/v2", service: "image") == "http://one:9292")
        #expect(OpenStackProvider.url(base: "http://one:8774/v2.1", service: "compute") == "http://one:8774/v2.1")
    }

    @Test func timestamps() throws {
        let keystone = try #require(OpenStackTime.parse("2026-12-03T11:00:00.250000Z"))
        let nova = try #require(OpenStackTime.parse("2026-12-03T11:00:00Z"))
        let offset = try #require(OpenStackTime.parse("2026-12-03T12:00:00+01:00"))
        #expect(abs(keystone.timeIntervalSince(nova) - 0.25) < 0.001)
        #expect(offset == nova)
        #expect(OpenStackTime.parse("yesterday") == nil)
    }

    @Test func renewedMarginBeforeExpiryOrAtHalfLife() {
        let issued = Date(timeIntervalSince1970: 1_000_000)
        let margin = Duration.seconds(300)
        #expect(KeystoneToken.usableLifetime(issuedAt: issued, expiresAt: issued + 3600, margin: margin) == .seconds(3300))
        // A short-lived token (8 minutes) is renewed at half its life, not a minute before it dies... or after.
        #expect(KeystoneToken.usableLifetime(issuedAt: issued, expiresAt: issued + 480, margin: margin) == .seconds(240))
        #expect(KeystoneToken.usableLifetime(issuedAt: issued, expiresAt: issued - 10, margin: margin) == .zero)
        #expect(KeystoneToken.usableLifetime(issuedAt: nil, expiresAt: issued, margin: margin) == .seconds(3600))
    }

    @Test func requestBodies() throws {
        func json(_ method: OpenStackCredentials.Method) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: KeystoneToken.requestBody(for: method), options: [.sortedKeys]), as: UTF8.self)
        }
        #expect(try json(.applicationCredential(id: "i", secret: "s"))
            == #"{"auth":{"identity":{"application_credential":{"id":"i","secret":"s"},"methods":["application_credential"]}}}"#)
        #expect(try json(.password(username: "u", password: "p", userDomainName: "D", projectName: "pr", projectDomainName: "PD"))
            == #"{"auth":{"identity":{"methods":["password"],"password":{"user":{"domain":{"name":"D"},"name":"u","password":"p"}}},"scope":{"project":{"domain":{"name":"PD"},"name":"pr"}}}}"#)
        #expect(try json(.applicationCredentialByName(name: "n", secret: "s", username: "u", userDomainName: "D"))
            == #"{"auth":{"identity":{"application_credential":{"name":"n","secret":"s","user":{"domain":{"name":"D"},"name":"u"}},"methods":["application_credential"]}}}"#)
    }
}
