import Foundation

extension ClusterConnection {
    /// Where a pod's service account is mounted.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// Loads the connection as kubectl would: `kubeconfig` (an explicit file, which must exist),
    /// else `$KUBECONFIG` (several files separated by `:`, merged), else `~/.kube/config`, else the
    /// pod's service account when running in a cluster. `context` overrides current-context.
    public static func load(kubeconfig: String? = nil, context: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(KubeconfigError) -> ClusterConnection {
        if let kubeconfig, !kubeconfig.isEmpty {
            return try Kubeconfig.load(paths: [kubeconfig], requireAll: true).connection(context: context)
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            let paths = list.split(separator: ":", omittingEmptySubsequences: true).map(String.init)
            return try Kubeconfig.load(paths: paths).connection(context: context)
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let defaultPath = home + "/.kube/config"
        if FileManager.default.fileExists(atPath: defaultPath) {
            return try Kubeconfig.load(paths: [defaultPath], requireAll: true).connection(context: context)
        }
        if environment["KUBERNETES_SERVICE_HOST"] != nil {
            return try inCluster(environment: environment)
        }
        throw KubeconfigError(kind: .noConfiguration, file: nil, field: nil,
                              reason: "no kubeconfig (--kubeconfig, $KUBECONFIG, ~/.kube/config) and not running in a cluster")
    }

    /// The connection of a pod: `KUBERNETES_SERVICE_HOST`/`_PORT`, the service account's token
    /// (re-read every minute: it rotates), CA and namespace under `directory`.
    public static func inCluster(environment: [String: String] = ProcessInfo.processInfo.environment,
                                 directory: String = serviceAccountDirectory) throws(KubeconfigError) -> ClusterConnection {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
              let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw KubeconfigError(kind: .notInCluster, file: nil, field: "KUBERNETES_SERVICE_HOST",
                                  reason: "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set in a pod")
        }
        let tokenPath = directory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubeconfigError(kind: .unreadable, file: tokenPath, field: nil, reason: "the service account token is not readable")
        }
        let caPath = directory + "/ca.crt"
        guard let ca = FileManager.default.contents(atPath: caPath) else {
            throw KubeconfigError(kind: .unreadable, file: caPath, field: nil, reason: "the service account CA is not readable")
        }
        var namespace = "default"
        if let data = FileManager.default.contents(atPath: directory + "/namespace"),
           let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
            namespace = text
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return ClusterConnection(name: "in-cluster", server: "https://\(hostPart):\(port)",
                                 tls: TLSSettings(certificateAuthorityPEM: [UInt8](ca)),
                                 credentials: .tokenFile(path: tokenPath, rereadInterval: .seconds(60)), namespace: namespace)
    }
}
