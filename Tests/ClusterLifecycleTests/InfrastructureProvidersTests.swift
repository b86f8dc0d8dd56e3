import AddonController
import ClusterLifecycle
import DevFleet
import Foundation
import Infrastructure
import KubernetesClient
import KubernetesModel
import LocalKube
import Logging
import Testing

/// Providers made from the credentials Secret a Cluster names, in its own namespace only;
/// errors name the Secret and never its values.
@Suite struct InfrastructureProvidersTests {
    static let password = "s3cret-never-shown"

    static func withManagement(_ body: (KubernetesClient) async throws -> Void) async throws {
        var logger = Logger(label: "providers-test")
        logger.logLevel = .critical
        let server = try await LocalKubeServer.start(logger: logger)
        do {
            _ = try await server.addCluster(name: "management")
            let client = try server.client(for: "management", logger: logger)
            for namespace in ["p", "q"] {
                _ = try await client.create(KubeObject(apiVersion: "v1", kind: "Namespace", name: namespace), options: WriteOptions(fieldManager: "test"))
            }
            do { try await body(client) } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    static func secret(_ name: String, namespace: String, _ data: [String: String]) -> KubeObject {
        var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: name, namespace: namespace)
        secret["data"] = .object(data.mapValues { .string(Data($0.utf8).base64EncodedString()) })
        return secret
    }

    static func cluster(namespace: String, secret: String?) -> KubeObject {
        var cluster = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "Cluster", name: "c1", namespace: namespace)
        cluster["spec"] = ["kubernetesVersion": "1.29.7"]
        if let secret { cluster["spec"]["infrastructure"] = ["credentialsSecretRef": ["name": .string(secret)], "network": "private"] }
        return cluster
    }

    static let goodData = ["auth_url": "http://127.0.0.1:5000/v3", "username": "demo", "password": password, "project_name": "demo"]

    @Test func aClusterGetsAProviderFromItsOwnNamespacesSecret() async throws {
        try await Self.withManagement { management in
            _ = try await management.create(Self.secret("openstack", namespace: "p", Self.goodData), options: WriteOptions(fieldManager: "test"))
            let providers = InfrastructureProviders(management: management, recheck: .zero, logger: Logger(label: "t"))
            let provider = try #require(try await providers.provider(for: Self.cluster(namespace: "p", secret: "openstack")) as? OpenStackProvider)
            #expect(provider.credentials.authURL == "http://127.0.0.1:5000/v3")
            // Unchanged Secret: the same provider (its token and connections are kept).
            let again = try #require(try await providers.provider(for: Self.cluster(namespace: "p", secret: "openstack")) as? OpenStackProvider)
            #expect(again === provider)
            // Rotated credentials: a new provider.
            var rotated = Self.goodData
            rotated["password"] = "rotated"
            _ = try await management.update(Self.secret("openstack", namespace: "p", rotated), options: WriteOptions(fieldManager: "test"))
            let renewed = try #require(try await providers.provider(for: Self.cluster(namespace: "p", secret: "openstack")) as? OpenStackProvider)
            #expect(renewed !== provider)
            // Project q names the same Secret name: it is looked for in q, where there is none.
            await #expect {
                _ = try await providers.provider(for: Self.cluster(namespace: "q", secret: "openstack"))
            } throws: { error in
                "\(error)" == "cluster q/c1: credentials Secret q/openstack not found"
            }
            await providers.shutdown()
        }
    }

    @Test func unusableCredentialsSayWhatIsWrongAndNotTheirValues() async throws {
        try await Self.withManagement { management in
            var partial = Self.goodData
            partial["project_name"] = nil
            _ = try await management.create(Self.secret("partial", namespace: "p", partial), options: WriteOptions(fieldManager: "test"))
            let providers = InfrastructureProviders(management: management, logger: Logger(label: "t"))
            await #expect {
                _ = try await providers.provider(for: Self.cluster(namespace: "p", secret: "partial"))
            } throws: { error in
                let text = "\(error)"
                return text.contains("credentials Secret p/partial") && text.contains("missing project_name") && !text.contains(Self.password)
            }
            await #expect {
                _ = try await providers.provider(for: Self.cluster(namespace: "p", secret: nil))
            } throws: { error in
                "\(error)" == "cluster p/c1: spec.infrastructure is not set: node pools need a provider and its credentials Secret"
            }
            await providers.shutdown()
        }
    }
}
