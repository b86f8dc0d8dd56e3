/// A kubeconfig (or in-cluster configuration) that cannot be used: which file, which field, why.
public struct KubeconfigError: Error, Sendable, CustomStringConvertible {
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Code: String, Hashable, Sendable {
            case unreadable, malformed, missingField, invalidField, unknownContext, unknownCluster, unknownUser
            case conflictingFields, noConfiguration, notInCluster, notAllowed
        }
        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// A file could not be read.
        public static let unreadable = Kind(.unreadable)
        /// The file is not valid YAML, or not a kubeconfig.
        public static let malformed = Kind(.malformed)
        /// A required field is absent.
        public static let missingField = Kind(.missingField)
        /// A field has a wrong type or value.
        public static let invalidField = Kind(.invalidField)
        /// The context asked for (or current-context) is not defined.
        public static let unknownContext = Kind(.unknownContext)
        /// A context names a cluster that is not defined.
        public static let unknownCluster = Kind(.unknownCluster)
        /// A context names a user that is not defined.
        public static let unknownUser = Kind(.unknownUser)
        /// Two fields that exclude each other (a CA and insecure-skip-tls-verify).
        public static let conflictingFields = Kind(.conflictingFields)
        /// Neither a kubeconfig nor an in-cluster service account was found.
        public static let noConfiguration = Kind(.noConfiguration)
        /// In-cluster configuration asked for outside a pod.
        public static let notInCluster = Kind(.notInCluster)
        /// A field the `KubeconfigPolicy` refuses (an exec plugin or a file path in a tenant's kubeconfig).
        public static let notAllowed = Kind(.notAllowed)

        public var description: String { code.rawValue }
    }

    public let kind: Kind
    /// The file the problem is in.
    public let file: String?
    /// The field, as a path: `users[0].user.client-key-data`, `clusters[name=prod].cluster.server`.
    public let field: String?
    public let reason: String

    public init(kind: Kind, file: String?, field: String?, reason: String) {
        self.kind = kind
        self.file = file
        self.field = field
        self.reason = reason
    }

    public var description: String {
        var text = "kubeconfig"
        if let file { text += " \(file)" }
        if let field { text += ": field \(field)" }
        return "\(text): \(reason)"
    }
}
