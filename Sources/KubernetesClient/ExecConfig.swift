/// An `exec` credential plugin of a kubeconfig user (client.authentication.k8s.io v1 / v1beta1).
public struct ExecConfig: Sendable, Hashable {
    public enum InteractiveMode: String, Sendable, Hashable {
        case never = "Never"
        case ifAvailable = "IfAvailable"
        case always = "Always"
    }

    public var apiVersion: String
    public var command: String
    public var args: [String]
    /// Extra environment variables, in order.
    public var env: [EnvVar]
    /// Required by v1; v1beta1 defaults to IfAvailable.
    public var interactiveMode: InteractiveMode
    public var provideClusterInfo: Bool
    public var installHint: String?
    /// Directory relative commands are resolved against (the kubeconfig's directory).
    public var baseDirectory: String?

    public struct EnvVar: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(apiVersion: String, command: String, args: [String] = [], env: [EnvVar] = [], interactiveMode: InteractiveMode = .never,
                provideClusterInfo: Bool = false, installHint: String? = nil, baseDirectory: String? = nil) {
        self.apiVersion = apiVersion
        self.command = command
        self.args = args
        self.env = env
        self.interactiveMode = interactiveMode
        self.provideClusterInfo = provideClusterInfo
        self.installHint = installHint
        self.baseDirectory = baseDirectory
    }
}
