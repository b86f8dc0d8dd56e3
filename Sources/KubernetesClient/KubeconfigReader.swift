import Foundation
import KubernetesModel

/// Reads one kubeconfig document into `Kubeconfig`, naming the field of every problem.
struct KubeconfigReader {
    let file: String?
    var directory: String? {
        guard let file else { return nil }
        return (file as NSString).deletingLastPathComponent
    }

    func read(_ root: JSONValue) throws(KubeconfigError) -> Kubeconfig {
        if root.isNull { return Kubeconfig() }  // an empty file is an empty config, as kubectl treats it
        guard case .object = root else { throw error(.malformed, nil, "the document is a \(root.typeName), not a kubeconfig map") }
        if let kind = root["kind"].stringValue, kind != "Config" {
            throw error(.invalidField, "kind", "expected \"Config\", found \"\(kind)\"")
        }
        var config = Kubeconfig()
        config.currentContext = try optionalString(root, "current-context", at: "current-context")
        for (index, entry) in try list(root, "clusters").enumerated() {
            let cluster = try readCluster(entry, at: "clusters[\(index)]")
            if config.clusters[cluster.name] == nil { config.clusters[cluster.name] = cluster }
        }
        for (index, entry) in try list(root, "users").enumerated() {
            let user = try readUser(entry, at: "users[\(index)]")
            if config.users[user.name] == nil { config.users[user.name] = user }
        }
        for (index, entry) in try list(root, "contexts").enumerated() {
            let context = try readContext(entry, at: "contexts[\(index)]")
            if config.contexts[context.name] == nil { config.contexts[context.name] = context }
        }
        return config
    }

    private func readCluster(_ entry: JSONValue, at path: String) throws(KubeconfigError) -> Kubeconfig.Cluster {
        let name = try requiredName(entry, at: path)
        let field = "\(path).cluster"
        let body = try requiredObject(entry, "cluster", at: field)
        return Kubeconfig.Cluster(
            name: name,
            server: try optionalString(body, "server", at: "\(field).server"),
            certificateAuthority: try optionalString(body, "certificate-authority", at: "\(field).certificate-authority").map(resolve),
            certificateAuthorityData: try optionalBase64(body, "certificate-authority-data", at: "\(field).certificate-authority-data"),
            insecureSkipTLSVerify: try optionalBool(body, "insecure-skip-tls-verify", at: "\(field).insecure-skip-tls-verify") ?? false,
            tlsServerName: try optionalString(body, "tls-server-name", at: "\(field).tls-server-name"),
            file: file)
    }

    private func readUser(_ entry: JSONValue, at path: String) throws(KubeconfigError) -> Kubeconfig.User {
        let name = try requiredName(entry, at: path)
        let field = "\(path).user"
        let body: JSONValue = entry["user"].isNull ? .emptyObject : try requiredObject(entry, "user", at: field)
        var exec: ExecConfig?
        if !body["exec"].isNull { exec = try readExec(body["exec"], at: "\(field).exec") }
        if !body["auth-provider"].isNull {
            throw error(.invalidField, "\(field).auth-provider", "auth-provider plugins are not supported (removed from kubectl); use an exec plugin")
        }
        return Kubeconfig.User(
            name: name,
            token: try optionalString(body, "token", at: "\(field).token"),
            tokenFile: try optionalString(body, "tokenFile", at: "\(field).tokenFile").map(resolve),
            clientCertificate: try optionalString(body, "client-certificate", at: "\(field).client-certificate").map(resolve),
            clientCertificateData: try optionalBase64(body, "client-certificate-data", at: "\(field).client-certificate-data"),
            clientKey: try optionalString(body, "client-key", at: "\(field).client-key").map(resolve),
            clientKeyData: try optionalBase64(body, "client-key-data", at: "\(field).client-key-data"),
            exec: exec,
            username: try optionalString(body, "username", at: "\(field).username"),
            password: try optionalString(body, "password", at: "\(field).password"),
            file: file)
    }

    private func readExec(_ body: JSONValue, at field: String) throws(KubeconfigError) -> ExecConfig {
        guard case .object = body else { throw error(.invalidField, field, "expected a map, found \(body.typeName)") }
        guard let apiVersion = try optionalString(body, "apiVersion", at: "\(field).apiVersion"), !apiVersion.isEmpty else {
            throw error(.missingField, "\(field).apiVersion", "the exec plugin's apiVersion is required (client.authentication.k8s.io/v1 or v1beta1)")
        }
        guard ExecCredentialPlugin.supportedVersions.contains(apiVersion) else {
            throw error(.invalidField, "\(field).apiVersion", "\"\(apiVersion)\" is not supported (client.authentication.k8s.io/v1 or v1beta1)")
        }
        guard let command = try optionalString(body, "command", at: "\(field).command"), !command.isEmpty else {
            throw error(.missingField, "\(field).command", "the exec plugin's command is required")
        }
        var args: [String] = []
        if !body["args"].isNull {
            guard let array = body["args"].arrayValue else { throw error(.invalidField, "\(field).args", "expected a list of strings") }
            for (i, arg) in array.enumerated() {
                guard let s = scalarString(arg) else { throw error(.invalidField, "\(field).args[\(i)]", "expected a string, found \(arg.typeName)") }
                args.append(s)
            }
        }
        var env: [ExecConfig.EnvVar] = []
        if !body["env"].isNull {
            guard let array = body["env"].arrayValue else { throw error(.invalidField, "\(field).env", "expected a list of {name, value}") }
            for (i, item) in array.enumerated() {
                guard let name = item["name"].stringValue, !name.isEmpty else { throw error(.missingField, "\(field).env[\(i)].name", "an environment variable needs a name") }
                guard let value = scalarString(item["value"]) else { throw error(.missingField, "\(field).env[\(i)].value", "an environment variable needs a value") }
                env.append(.init(name: name, value: value))
            }
        }
        var mode: ExecConfig.InteractiveMode
        if let text = try optionalString(body, "interactiveMode", at: "\(field).interactiveMode"), !text.isEmpty {
            guard let parsed = ExecConfig.InteractiveMode(rawValue: text) else {
                throw error(.invalidField, "\(field).interactiveMode", "\"\(text)\" is not one of Never, IfAvailable, Always")
            }
            mode = parsed
        } else if apiVersion == "client.authentication.k8s.io/v1" {
            throw error(.missingField, "\(field).interactiveMode", "interactiveMode is required for client.authentication.k8s.io/v1 (Never, IfAvailable or Always)")
        } else {
            mode = .ifAvailable
        }
        return ExecConfig(
            apiVersion: apiVersion, command: command, args: args, env: env, interactiveMode: mode,
            provideClusterInfo: try optionalBool(body, "provideClusterInfo", at: "\(field).provideClusterInfo") ?? false,
            installHint: try optionalString(body, "installHint", at: "\(field).installHint"),
            baseDirectory: directory)
    }

    private func readContext(_ entry: JSONValue, at path: String) throws(KubeconfigError) -> Kubeconfig.Context {
        let name = try requiredName(entry, at: path)
        let field = "\(path).context"
        let body = try requiredObject(entry, "context", at: field)
        guard let cluster = try optionalString(body, "cluster", at: "\(field).cluster"), !cluster.isEmpty else {
            throw error(.missingField, "\(field).cluster", "a context needs a cluster")
        }
        return Kubeconfig.Context(
            name: name, cluster: cluster, user: try optionalString(body, "user", at: "\(field).user") ?? "",
            namespace: try optionalString(body, "namespace", at: "\(field).namespace"), file: file)
    }

    // MARK: Field readers

    private func resolve(_ path: String) -> String { Kubeconfig.absolutePath(path, relativeTo: directory) }

    private func error(_ kind: KubeconfigError.Kind, _ field: String?, _ reason: String) -> KubeconfigError {
        KubeconfigError(kind: kind, file: file, field: field, reason: reason)
    }

    private func list(_ root: JSONValue, _ key: String) throws(KubeconfigError) -> [JSONValue] {
        let value = root[key]
        if value.isNull { return [] }
        guard let array = value.arrayValue else { throw error(.invalidField, key, "expected a list, found \(value.typeName)") }
        return array
    }

    private func requiredName(_ entry: JSONValue, at path: String) throws(KubeconfigError) -> String {
        guard case .object = entry else { throw error(.invalidField, path, "expected a map, found \(entry.typeName)") }
        guard let name = scalarString(entry["name"]), !name.isEmpty else { throw error(.missingField, "\(path).name", "every entry needs a name") }
        return name
    }

    private func requiredObject(_ entry: JSONValue, _ key: String, at field: String) throws(KubeconfigError) -> JSONValue {
        let value = entry[key]
        if value.isNull { throw error(.missingField, field, "required") }
        guard case .object = value else { throw error(.invalidField, field, "expected a map, found \(value.typeName)") }
        return value
    }

    private func optionalString(_ body: JSONValue, _ key: String, at field: String) throws(KubeconfigError) -> String? {
        let value = body[key]
        if value.isNull { return nil }
        guard let s = value.stringValue else { throw error(.invalidField, field, "expected a string, found \(value.typeName)") }
        return s
    }

    private func optionalBool(_ body: JSONValue, _ key: String, at field: String) throws(KubeconfigError) -> Bool? {
        let value = body[key]
        if value.isNull { return nil }
        if let b = value.boolValue { return b }
        if let s = value.stringValue, let b = Bool(s) { return b }
        throw error(.invalidField, field, "expected true or false, found \(value.typeName)")
    }

    private func optionalBase64(_ body: JSONValue, _ key: String, at field: String) throws(KubeconfigError) -> [UInt8]? {
        guard let text = try optionalString(body, key, at: field) else { return nil }
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else { throw error(.invalidField, field, "not valid base64") }
        return [UInt8](data)
    }

    /// Names and env values written as YAML numbers or booleans are still strings to kubectl.
    private func scalarString(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .bool(let b): return String(b)
        case .double(let d): return String(d)
        default: return nil
        }
    }
}
