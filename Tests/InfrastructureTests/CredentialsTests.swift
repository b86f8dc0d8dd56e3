import Testing
@testable import Infrastructure

/// Reading OpenStack credentials from a Secret, a clouds.yaml cloud and `OS_*` variables.
@Suite struct CredentialsTests {
    @Test func applicationCredentialByID() throws {
        let credentials = try OpenStackCredentials(secretData: [
            "auth_url": "https://keystone.example:5000/v3/", "application_credential_id": "ac-1",
            "application_credential_secret": "s3cr3t-value", "region_name": "RegionTwo", "interface": "internalURL",
            "username": "ignored", "password": "ignored",
        ])
        #expect(credentials.method == .applicationCredential(id: "ac-1", secret: "s3cr3t-value"))
        #expect(credentials.regionName == "RegionTwo")
        #expect(credentials.interface == "internal")
        #expect(credentials.tokensURL == "https://keystone.example:5000/v3/auth/tokens")
    }

    @Test func applicationCredentialByNameNeedsItsUser() throws {
        let credentials = try OpenStackCredentials(secretData: [
            "auth_url": "http://127.0.0.1:5000", "application_credential_name": "ci",
            "application_credential_secret": "x", "username": "demo",
        ])
        #expect(credentials.method == .applicationCredentialByName(name: "ci", secret: "x", username: "demo", userDomainName: "Default"))
        #expect(credentials.tokensURL == "http://127.0.0.1:5000/v3/auth/tokens")
        #expect(credentials.interface == "public")
        #expect(throws: ProviderError.self) {
            try OpenStackCredentials(secretData: ["auth_url": "http://k", "application_credential_name": "ci", "application_credential_secret": "x"])
        }
    }

    @Test func passwordWithDefaultDomains() throws {
        let credentials = try OpenStackCredentials(secretData: [
            "auth_url": "http://k:5000/v3", "username": "demo", "password": "pw", "project_name": "demo",
        ])
        #expect(credentials.method == .password(username: "demo", password: "pw", userDomainName: "Default", projectName: "demo", projectDomainName: "Default"))
        #expect(credentials.regionName == nil)
    }

    @Test func missingFieldsAreConfigurationErrors() {
        for data in [
            ["username": "demo", "password": "pw", "project_name": "demo"],
            ["auth_url": "http://k"],
            ["auth_url": "http://k", "username": "demo", "project_name": "demo"],
            ["auth_url": "http://k", "username": "demo", "password": "pw"],
            ["auth_url": "http://k", "application_credential_secret": "x"],
            ["auth_url": "  ", "username": "demo", "password": "pw", "project_name": "demo"],
        ] {
            let error = #expect(throws: ProviderError.self) { try OpenStackCredentials(secretData: data) }
            #expect(error?.kind == .configuration)
        }
    }

    @Test func cloudsYAMLCloudAndEnvironment() throws {
        let cloud: [String: any Sendable] = [
            "auth": ["auth_url": "http://127.0.0.1:5000/v3", "username": "demo", "password": "demo", "project_name": "demo",
                     "user_domain_name": "Default", "project_domain_name": "Default"] as [String: any Sendable],
            "region_name": "RegionOne", "interface": "public", "identity_api_version": 3,
        ]
        let fromCloud = try OpenStackCredentials(cloud: cloud)
        let fromEnvironment = try OpenStackCredentials(environment: [
            "OS_AUTH_URL": "http://127.0.0.1:5000/v3", "OS_USERNAME": "demo", "OS_PASSWORD": "demo", "OS_PROJECT_NAME": "demo",
            "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default", "OS_REGION_NAME": "RegionOne", "HOME": "/root",
        ])
        #expect(fromCloud == fromEnvironment)
    }

    @Test func secretsNeverShow() throws {
        let password = try OpenStackCredentials(secretData: ["auth_url": "http://k", "username": "u", "password": "hunter2-pw", "project_name": "p"])
        let appCredential = try OpenStackCredentials(secretData: ["auth_url": "http://k", "application_credential_id": "id", "application_credential_secret": "hunter2-ac"])
        for credentials in [password, appCredential] {
            for text in ["\(credentials)", String(reflecting: credentials), "\(credentials.method)", String(reflecting: credentials.method), credentials.principal] {
                #expect(!text.contains("hunter2"), "\(text)")
            }
            var dumped = ""
            dump(credentials, to: &dumped)
            #expect(!dumped.contains("hunter2"), "\(dumped)")
        }
    }
}
