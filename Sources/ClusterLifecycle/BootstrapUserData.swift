import AddonCatalog
import AddonController
import Foundation
import KubernetesClient
import KubernetesModel

/// The user data a pool's VM boots with: the pool's template (a ConfigMap of the Cluster's
/// namespace, key `userData`) rendered for one Machine, with the Secrets the pool lists — and no
/// others — as `secrets.<name>.<key>`. Everything it reads is in the Cluster's own namespace:
/// one project cannot render another's Secrets into its VMs.
///
/// The template's context:
/// - `cluster`: `name`, `namespace`, `kubernetesVersion` (when the spec has one);
/// - `pool`: `name`, `flavor`, `image`, `labels` (a map), `taints` (a list of key/value/effect),
///   and the kubelet's flag forms `nodeLabels` (`k=v,k2=v2`) and `nodeTaints` (`k=v:Effect,...`);
/// - `machine`: `name`, `serverName`, `availabilityZone` (empty when the pool has no zones);
/// - `secrets`: the listed Secrets' UTF-8 values; each must carry the label
///   `addon-manager.io/user-data: "true"` (the project opts a Secret in, so that whoever may edit
///   a Cluster cannot pour the project's cloud credentials or kubeconfigs into VM metadata).
public struct BootstrapUserData: Sendable {
    /// The ConfigMap key holding the template.
    public static let templateKey = "userData"
    /// What Nova accepts: the base64 form of user data may be at most 65535 bytes.
    public static let maximumEncodedBytes = 65535

    let management: any ObjectReader

    public init(management: any ObjectReader) {
        self.management = management
    }

    /// A Secret may be read into user data only with this label set to `true`.
    public static let optInLabel = "addon-manager.io/user-data"

    /// The rendered user data of the Machine, or nil when its pool has no template. Throws
    /// `BootstrapUserDataError` for what the project must fix; other errors (the API, RBAC) as
    /// they are.
    public func render(cluster: KubeObject, pool: NodePool, machine: KubeObject, serverName: String) async throws -> String? {
        guard let templateName = pool.userDataTemplate else { return nil }
        let namespace = cluster.namespace ?? "default"
        func fail(_ message: String) -> BootstrapUserDataError {
            BootstrapUserDataError(cluster: "\(namespace)/\(cluster.name)", pool: pool.name, message: message)
        }
        /// One object of the Cluster's namespace; a missing one is the project's to fix, any
        /// other failure (the API, permissions) is thrown as it is and retried with backoff.
        func read(_ kind: GroupVersionKind, _ name: String, as what: String) async throws -> KubeObject {
            do {
                return try await management.get(kind, name: name, namespace: namespace)
            } catch let error as KubernetesError where error.isNotFound {
                throw fail("\(what) \(namespace)/\(name) does not exist")
            }
        }
        let configMap = try await read(ManagementKinds.configMap, templateName, as: "the template ConfigMap")
        guard let text = configMap["data"][Self.templateKey].stringValue else {
            throw fail("the ConfigMap \(namespace)/\(templateName) has no key \(Self.templateKey) (the template)")
        }
        var secrets: [String: [String: String]] = [:]
        for name in pool.userDataSecrets {
            let object = try await read(ManagementKinds.secret, name, as: "the userDataSecrets Secret")
            // Opted in by whoever owns it: a Cluster's editor cannot pour the project's other
            // Secrets (cloud credentials, kubeconfigs) into VMs' metadata.
            guard object.labels[Self.optInLabel] == "true" else {
                throw fail("the Secret \(namespace)/\(name) is not labelled \(Self.optInLabel)=true (only Secrets so labelled reach user data)")
            }
            let values: [String: [UInt8]]
            do { values = try ManagementSecretSource.values(of: object) } catch { throw fail("\(error)") }
            var text: [String: String] = [:]
            for (key, bytes) in values {
                guard let value = String(validating: bytes, as: UTF8.self) else {
                    throw fail("the Secret \(namespace)/\(name) key \(key) is not UTF-8 text (user data is text: store it base64-encoded and decode it on the VM)")
                }
                text[key] = value
            }
            secrets[name] = text
        }
        let template = UserDataTemplate(source: "ConfigMap \(namespace)/\(templateName) key \(Self.templateKey)", text: text)
        let rendered: String
        do {
            rendered = try template.render(cluster: Self.clusterContext(cluster), pool: Self.poolContext(pool),
                                           machine: Self.machineContext(machine, serverName: serverName), secrets: secrets)
        } catch {
            throw fail("the template does not render: \(error)")
        }
        let encoded = (rendered.utf8.count + 2) / 3 * 4
        guard encoded <= Self.maximumEncodedBytes else {
            throw fail("the rendered user data is \(rendered.utf8.count) bytes (\(encoded) in base64); the cloud accepts at most \(Self.maximumEncodedBytes) in base64")
        }
        return rendered
    }

    static func clusterContext(_ cluster: KubeObject) -> JSONValue {
        var context: JSONValue = ["name": .string(cluster.name), "namespace": .string(cluster.namespace ?? "default")]
        if let version = cluster["spec"]["kubernetesVersion"].stringValue { context["kubernetesVersion"] = .string(version) }
        return context
    }

    static func poolContext(_ pool: NodePool) -> JSONValue {
        let labels = pool.labels.sorted { $0.key < $1.key }
        return [
            "name": .string(pool.name), "flavor": .string(pool.flavor), "image": .string(pool.image),
            "labels": .object(pool.labels.mapValues(JSONValue.string)),
            "taints": .array(pool.taints.map { taint in
                ["key": .string(taint.key), "value": .string(taint.value ?? ""), "effect": .string(taint.effect)]
            }),
            "nodeLabels": .string(labels.map { "\($0.key)=\($0.value)" }.joined(separator: ",")),
            "nodeTaints": .string(pool.taints.map { "\($0.key)\($0.value.map { "=\($0)" } ?? ""):\($0.effect)" }.joined(separator: ",")),
        ]
    }

    static func machineContext(_ machine: KubeObject, serverName: String) -> JSONValue {
        ["name": .string(machine.name), "serverName": .string(serverName),
         "availabilityZone": .string(machine["spec"]["availabilityZone"].stringValue ?? "")]
    }
}

/// User data that cannot be made: which cluster and pool, and why (never a secret value).
public struct BootstrapUserDataError: Error, CustomStringConvertible, Equatable {
    public var cluster: String
    public var pool: String
    public var message: String
    public var description: String { "cluster \(cluster) pool \(pool): user data: \(message)" }
}
