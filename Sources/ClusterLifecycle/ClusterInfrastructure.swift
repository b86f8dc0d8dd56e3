import KubernetesModel

/// Where a Cluster's node pools get their servers (`spec.infrastructure`): the provider, the
/// Secret in the Cluster's own namespace holding its credentials, and the network the servers
/// join. Tenant input: each field is checked and an error names its path.
///
/// The credentials Secret is always read from the Cluster's namespace — a Cluster cannot name
/// another project's Secret (there is no namespace field to name one).
public struct ClusterInfrastructure: Sendable, Equatable {
    public enum Provider: String, Sendable, CaseIterable {
        case openstack
    }

    public var provider: Provider
    /// The Secret (in the Cluster's namespace) with the provider's credentials: for OpenStack the
    /// keys of `OpenStackCredentials(secretData:)` (`auth_url`, an application credential or a
    /// user's password, `region_name`, `interface`).
    public var credentialsSecretName: String
    /// The network (name or ID) the servers are attached to; nil lets the provider choose.
    public var network: String?

    /// Parses `spec.infrastructure`; nil when the Cluster has none.
    public init?(spec: JSONValue) throws(NodePoolError) {
        let json = spec["infrastructure"]
        guard !json.isNull else { return nil }
        guard case .object = json else { throw NodePoolError(field: "spec.infrastructure", message: "an object") }
        let providerName = json["provider"].stringValue ?? Provider.openstack.rawValue
        guard let provider = Provider(rawValue: providerName) else {
            throw NodePoolError(field: "spec.infrastructure.provider", message: "one of \(Provider.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(providerName)\"")
        }
        guard let secret = json["credentialsSecretRef"]["name"].stringValue, Self.isSecretName(secret) else {
            throw NodePoolError(field: "spec.infrastructure.credentialsSecretRef.name", message: "required: the name of a Secret in the cluster's namespace")
        }
        self.provider = provider
        credentialsSecretName = secret
        if json["network"].isNull {
            network = nil
        } else {
            guard let network = json["network"].stringValue, !network.isEmpty, network.count <= 255 else {
                throw NodePoolError(field: "spec.infrastructure.network", message: "a network name or ID")
            }
            self.network = network
        }
    }

    /// A DNS subdomain: DNS labels joined by dots, at most 253 characters.
    static func isSecretName(_ name: String) -> Bool {
        name.utf8.count <= 253 && name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { NodePool.isDNSLabel(String($0)) }
    }
}
