/// An error from LocalKube's own API (starting the server, controlling a cluster).
public struct LocalKubeError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case clusterExists
        case clusterNotFound
        case objectNotFound
        case certificate
        case serverStart
        case invalidName
    }

    private let code: Code
    /// What went wrong, naming the cluster, object or file concerned.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public static func clusterExists(_ name: String) -> LocalKubeError { .init(.clusterExists, "a LocalKube cluster named \"\(name)\" already exists") }
    public static func clusterNotFound(_ name: String) -> LocalKubeError { .init(.clusterNotFound, "no LocalKube cluster named \"\(name)\"") }
    public static func objectNotFound(cluster: String, object: String) -> LocalKubeError { .init(.objectNotFound, "cluster \(cluster): \(object) not found") }
    public static func certificate(_ reason: String) -> LocalKubeError { .init(.certificate, "cannot create LocalKube's TLS certificates: \(reason)") }
    public static func serverStart(_ reason: String) -> LocalKubeError { .init(.serverStart, "cannot start LocalKube: \(reason)") }
    public static func invalidName(_ name: String) -> LocalKubeError {
        .init(.invalidName, "invalid LocalKube cluster name \"\(name)\": use lowercase letters, digits and '-'")
    }

    public static func == (a: LocalKubeError, b: LocalKubeError) -> Bool { a.code == b.code }
    public static func ~= (a: LocalKubeError, b: any Error) -> Bool { (b as? LocalKubeError).map { $0 == a } ?? false }
}
