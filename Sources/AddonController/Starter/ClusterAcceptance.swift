import ControllerRuntime
import KubernetesClient
import KubernetesModel
import Logging

/// The Cluster's `Accepted` condition: whether the starter could run the cluster's addon
/// controller from what the Cluster and its kubeconfig Secret say and, when not, why — a
/// kubeconfig that is missing, refused (an exec plugin or a file path in a tenant's kubeconfig),
/// or invalid, or a spec that cannot be used (a refused `facts.secretNamespace`). Written with
/// its own field manager, beside the controller's `AddonsHealthy`, and only when it changes.
actor ClusterAcceptance {
    static let conditionType = "Accepted"
    static let fieldManager = "addon-manager-starter"

    private let client: any KubeClient
    private let logger: Logger
    /// The condition last written (or found on the Cluster) for each cluster.
    private var written: [ReconcileRequest: Condition] = [:]

    init(client: any KubeClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The cluster's controller runs.
    func accepted(_ cluster: KubeObject) async {
        await set(Condition(type: Self.conditionType, status: .true, reason: "Accepted", message: "the addon controller runs with this Cluster's kubeconfig"),
                  on: cluster)
    }

    /// The cluster's controller cannot run because of what its Cluster or Secret says.
    func refused(_ cluster: KubeObject, reason: String, message: String) async {
        await set(Condition(type: Self.conditionType, status: .false, reason: reason, message: message), on: cluster)
    }

    /// A deleted cluster is forgotten.
    func forget(_ key: ReconcileRequest) { written.removeValue(forKey: key) }

    /// The reason and message of an error from reading a Cluster's inputs, nil when the error is
    /// not about them (the cluster's API, a cancellation).
    nonisolated static func refusal(for error: any Error) -> (reason: String, message: String)? {
        switch error {
        case let error as KubeconfigError where error.kind == .notAllowed:
            return ("KubeconfigRefused", "\(error) (an operator may allow it: addon-manager run --allow-kubeconfig-exec / --allow-kubeconfig-files)")
        case let error as KubeconfigError:
            return ("KubeconfigInvalid", "\(error)")
        case let error as ClusterSpecError:
            return ("InvalidSpec", "\(error)")
        case let error as MissingKubeconfig:
            return ("KubeconfigMissing", error.description)
        case let error as SecretsForbidden:
            return ("SecretsForbidden", error.description)
        default:
            return nil
        }
    }

    private func set(_ condition: Condition, on cluster: KubeObject) async {
        let key = ReconcileRequest(namespace: cluster.namespace, name: cluster.name)
        var condition = condition
        condition.observedGeneration = cluster.generation
        let current = written[key] ?? (cluster.status["conditions"].arrayValue ?? []).lazy.compactMap(Condition.init(json:)).first { $0.type == Self.conditionType }
        if let current, current.status == condition.status, current.reason == condition.reason, current.message == condition.message,
           current.observedGeneration == condition.observedGeneration {
            written[key] = current
            return
        }
        if let current, current.status == condition.status { condition.lastTransitionTime = current.lastTransitionTime }
        var object = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "Cluster", name: cluster.name, namespace: cluster.namespace)
        object["status"] = ["conditions": [condition.json]]
        do {
            // In a child task: this runs on the task that supervises the cluster's controller for
            // as long as the cluster is there, which would keep a request's frames for good.
            let (client, object) = (self.client, object)
            _ = try await inChildTask { try await client.applyStatus(object, options: ApplyOptions(fieldManager: Self.fieldManager, force: true)) }
            written[key] = condition
        } catch is CancellationError {
        } catch let error as KubernetesError where error.isNotFound {
            // The Cluster is gone; its deletion event follows.
        } catch {
            logger.warning("cannot write the Cluster's Accepted condition", metadata: ["cluster": "\(key)", "reason": "\(condition.reason)", "error": "\(error)"])
        }
    }
}

/// The Cluster names no kubeconfig Secret, or the Secret or its key is not there (yet).
struct MissingKubeconfig: Error, CustomStringConvertible {
    var description: String
}

/// The manager may not read Secrets in the Cluster's namespace: an operator has not granted it
/// that project yet.
struct SecretsForbidden: Error, CustomStringConvertible {
    var namespace: String
    var description: String {
        "the addon manager may not read Secrets in namespace \(namespace): bind the ClusterRole addon-manager-project-secrets there (see deploy/README.md)"
    }
}
