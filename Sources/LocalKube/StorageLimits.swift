import KubernetesModel

/// The size limits of a real API server: request bodies above 3 MiB are refused with 413
/// (`--max-request-bytes` of kube-apiserver's handler chain), and etcd refuses to store a
/// value above 1.5 MiB (`--max-request-bytes` of etcd), which the API server passes on as a
/// 500 without a reason. Dry-run writes never reach etcd, so only the body limit applies to them.
enum StorageLimits {
    static let maxRequestBytes = 3 * 1024 * 1024
    static let maxObjectBytes = 1_572_864

    static let requestTooLarge = APIError(KubeStatus(message: "Request entity too large: limit is \(maxRequestBytes)", reason: "RequestEntityTooLarge",
                                                     code: 413, details: .init()))

    /// Refuses an object etcd would not store.
    static func checkStorable(_ object: JSONValue) throws(APIError) {
        guard object.serializedCount > maxObjectBytes else { return }
        throw APIError(KubeStatus(message: "etcdserver: request is too large", reason: "", code: 500, details: .init()))
    }
}
