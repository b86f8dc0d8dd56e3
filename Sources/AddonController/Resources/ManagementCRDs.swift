import AddonCatalog
import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// The CustomResourceDefinitions of the management plane (Cluster, ClusterAddon, AddonVersion, AddonChannel, AddonRollout), shipped with
/// the binary (the same files as `deploy/crds/`, which a test keeps equal), and their install.
public enum ManagementCRDs {
    public static let fileNames = ["clusters.addon-manager.io.yaml", "clusteraddons.addon-manager.io.yaml", "addonversions.addon-manager.io.yaml", "addonchannels.addon-manager.io.yaml", "addonrollouts.addon-manager.io.yaml", "machines.addon-manager.io.yaml"]

    /// The CRD objects.
    public static func objects() throws -> [KubeObject] {
        try fileNames.map { name in
            guard let url = Bundle.module.url(forResource: "crds/\(name)", withExtension: nil) ?? Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "crds") else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "crds/\(name)"])
            }
            let text = try String(contentsOf: url, encoding: .utf8)
            return KubeObject(try YAML.parse(text, file: name))
        }
    }

    /// Installs or upgrades the CRDs with server-side apply and waits until they are Established.
    public static func install(client: KubernetesClient, logger: Logger) async throws {
        for crd in try objects() {
            _ = try await client.apply(crd, options: ApplyOptions(fieldManager: OwnershipLabels.fieldManager, force: true))
        }
        for crd in try objects() { try await client.waitForEstablished(crdName: crd.name) }
        _ = try await client.refreshDiscovery()
        logger.info("management CRDs installed", metadata: ["crds": "\(fileNames.joined(separator: ", "))"])
    }
}
