import ClusterLifecycle
import KubernetesModel
import Testing

/// `spec.infrastructure` as tenant input: each field checked, each error naming its path.
@Suite struct ClusterInfrastructureTests {
    @Test func aClusterWithoutInfrastructureHasNone() throws {
        #expect(try ClusterInfrastructure(spec: ["kubernetesVersion": "1.29.7"]) == nil)
    }

    @Test func theProviderDefaultsToOpenStack() throws {
        let parsed = try #require(try ClusterInfrastructure(spec: ["infrastructure": ["credentialsSecretRef": ["name": "openstack"], "network": "private"]]))
        #expect(parsed.provider == .openstack)
        #expect(parsed.credentialsSecretName == "openstack")
        #expect(parsed.network == "private")
        let noNetwork = try #require(try ClusterInfrastructure(spec: ["infrastructure": ["provider": "openstack", "credentialsSecretRef": ["name": "os.creds"]]]))
        #expect(noNetwork.network == nil)
    }

    @Test(arguments: [
        (["infrastructure": "openstack"], "spec.infrastructure: an object"),
        (["infrastructure": ["provider": "aws", "credentialsSecretRef": ["name": "x"]]], "spec.infrastructure.provider: one of openstack, not \"aws\""),
        (["infrastructure": ["network": "private"]], "spec.infrastructure.credentialsSecretRef.name: required: the name of a Secret in the cluster's namespace"),
        (["infrastructure": ["credentialsSecretRef": ["name": "../other-project/secret"]]], "spec.infrastructure.credentialsSecretRef.name: required: the name of a Secret in the cluster's namespace"),
        (["infrastructure": ["credentialsSecretRef": ["name": "x"], "network": ""]], "spec.infrastructure.network: a network name or ID"),
    ] as [(JSONValue, String)])
    func badInfrastructureIsRefusedWithItsPath(spec: JSONValue, message: String) {
        #expect {
            _ = try ClusterInfrastructure(spec: spec)
        } throws: { error in
            "\(error)" == message
        }
    }
}
