import Foundation
import KubernetesModel
import Testing
@testable import KubernetesClient

@Suite struct KubeconfigTests {
    static let caPEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    static func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    @Test func readsEveryClusterUserAndContextField() throws {
        let dir = try TemporaryDirectory()
        try dir.write("certs/ca.crt", Self.caPEM)
        try dir.write("certs/client.crt", "CLIENT CERT")
        try dir.write("certs/client.key", "CLIENT KEY")
        try dir.write("token", "file-token\n")
        let file = try dir.write("config", """
            apiVersion: v1
            kind: Config
            current-context: admin
            clusters:
            - name: prod
              cluster:
                server: https://10.0.0.1:6443
                certificate-authority: certs/ca.crt
                tls-server-name: api.prod.internal
            - name: inline
              cluster:
                server: https://inline.example:443/
                certificate-authority-data: \(Self.b64(Self.caPEM))
            - name: insecure
              cluster:
                server: https://insecure.example
                insecure-skip-tls-verify: true
            users:
            - name: admin
              user:
                client-certificate: certs/client.crt
                client-key: certs/client.key
            - name: inline-cert
              user:
                client-certificate-data: \(Self.b64("INLINE CERT"))
                client-key-data: \(Self.b64("INLINE KEY"))
            - name: bearer
              user:
                token: secret-token
            - name: token-file
              user:
                tokenFile: token
            contexts:
            - name: admin
              context: {cluster: prod, user: admin, namespace: kube-system}
            - name: inline
              context: {cluster: inline, user: inline-cert}
            - name: bearer
              context: {cluster: insecure, user: bearer}
            - name: token-file
              context: {cluster: prod, user: token-file}
            """)
        let config = try Kubeconfig.load(paths: [file])
        #expect(config.currentContext == "admin")

        let admin = try config.connection()
        #expect(admin.name == "prod")
        #expect(admin.server == "https://10.0.0.1:6443")
        #expect(admin.namespace == "kube-system")
        #expect(admin.tls.certificateAuthorityPEM == Array(Self.caPEM.utf8))
        #expect(admin.tls.serverName == "api.prod.internal")
        #expect(admin.tls.clientCertificatePEM == Array("CLIENT CERT".utf8))
        #expect(admin.tls.clientKeyPEM == Array("CLIENT KEY".utf8))
        #expect(admin.credentials == .none)
        #expect(!admin.tls.insecureSkipVerify)

        let inline = try config.connection(context: "inline")
        #expect(inline.server == "https://inline.example:443")
        #expect(inline.namespace == "default")
        #expect(inline.tls.certificateAuthorityPEM == Array(Self.caPEM.utf8))
        #expect(inline.tls.clientCertificatePEM == Array("INLINE CERT".utf8))
        #expect(inline.tls.clientKeyPEM == Array("INLINE KEY".utf8))

        let bearer = try config.connection(context: "bearer")
        #expect(bearer.tls.insecureSkipVerify)
        #expect(bearer.tls.certificateAuthorityPEM == nil)
        #expect(bearer.credentials == .bearerToken("secret-token"))

        let tokenFile = try config.connection(context: "token-file")
        #expect(tokenFile.credentials == .tokenFile(path: dir.path + "/token", rereadInterval: .seconds(60)))
    }

    @Test func mergesKubeconfigFilesAsKubectlDoes() throws {
        let dir = try TemporaryDirectory()
        let first = try dir.write("a/config", """
            clusters:
            - name: shared
              cluster: {server: https://first.example}
            users:
            - name: u
              user: {token: first}
            contexts:
            - name: one
              context: {cluster: shared, user: u}
            """)
        let second = try dir.write("b/config", """
            current-context: two
            clusters:
            - name: shared
              cluster: {server: https://second.example}
            - name: other
              cluster: {server: https://other.example, certificate-authority: ca.pem}
            users:
            - name: u
              user: {token: second}
            contexts:
            - name: one
              context: {cluster: other, user: u}
            - name: two
              context: {cluster: other, user: u, namespace: ns2}
            """)
        try dir.write("b/ca.pem", Self.caPEM)
        let connection = try ClusterConnection.load(environment: ["KUBECONFIG": "\(first):\(dir.path)/missing:\(second)", "HOME": dir.path])
        // current-context comes from the second file (the first sets none); names the first file defines win.
        #expect(connection.name == "other")
        #expect(connection.namespace == "ns2")
        #expect(connection.credentials == .bearerToken("first"))
        // The CA path is relative to the file that names it (b/), not the first file.
        #expect(connection.tls.certificateAuthorityPEM == Array(Self.caPEM.utf8))
        let one = try ClusterConnection.load(context: "one", environment: ["KUBECONFIG": "\(first):\(second)"])
        #expect(one.server == "https://first.example")
    }

    @Test func explicitKubeconfigMustExist() throws {
        #expect {
            try ClusterConnection.load(kubeconfig: "/nonexistent/kubeconfig", environment: [:])
        } throws: { error in
            (error as? KubeconfigError)?.kind == .unreadable && (error as? KubeconfigError)?.file == "/nonexistent/kubeconfig"
        }
    }

    /// Malformed or incomplete kubeconfigs: each error names the file and the field.
    @Test(arguments: [
        ("clusters:\n- name: c\n  cluster: {}\ncontexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n", "clusters[name=c].cluster.server", KubeconfigError.Kind.missingField),
        ("clusters:\n- cluster: {server: https://a}\n", "clusters[0].name", .missingField),
        ("clusters: nope\n", "clusters", .invalidField),
        ("clusters:\n- name: c\n  cluster: {server: [1, 2]}\n", "clusters[0].cluster.server", .invalidField),
        ("clusters:\n- name: c\n  cluster: {server: https://a, certificate-authority-data: '%%%not base64'}\n", "clusters[0].cluster.certificate-authority-data", .invalidField),
        ("clusters:\n- name: c\n  cluster: {server: https://a, insecure-skip-tls-verify: maybe}\n", "clusters[0].cluster.insecure-skip-tls-verify", .invalidField),
        ("clusters:\n- name: c\n  cluster: {server: https://a, certificate-authority-data: \(KubeconfigTests.b64(KubeconfigTests.caPEM)), insecure-skip-tls-verify: true}\ncontexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n", "clusters[name=c].cluster.insecure-skip-tls-verify", .conflictingFields),
        ("clusters:\n- name: c\n  cluster: {server: ftp://a}\ncontexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n", "clusters[name=c].cluster.server", .invalidField),
        ("users:\n- name: u\n  user: {client-certificate-data: \(KubeconfigTests.b64("C"))}\nclusters:\n- name: c\n  cluster: {server: https://a}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n", "users[name=u].user.client-key", .missingField),
        ("users:\n- name: u\n  user:\n    exec: {command: get-token}\n", "users[0].user.exec.apiVersion", .missingField),
        ("users:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1, command: get-token}\n", "users[0].user.exec.interactiveMode", .missingField),
        ("users:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}\n", "users[0].user.exec.apiVersion", .invalidField),
        ("users:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1beta1}\n", "users[0].user.exec.command", .missingField),
        ("contexts:\n- name: x\n  context: {user: u}\n", "contexts[0].context.cluster", .missingField),
        ("clusters:\n- name: c\n  cluster: {server: https://a}\ncontexts:\n- name: x\n  context: {cluster: c, user: ghost}\ncurrent-context: x\n", "contexts[name=x].context.user", .unknownUser),
        ("clusters:\n- name: c\n  cluster: {server: https://a}\ncontexts:\n- name: x\n  context: {cluster: nowhere}\ncurrent-context: x\n", "contexts[name=x].context.cluster", .unknownCluster),
        ("kind: Pod\n", "kind", .invalidField),
    ])
    func malformedKubeconfigNamesTheField(text: String, field: String, kind: KubeconfigError.Kind) throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("bad-config", text)
        do {
            _ = try ClusterConnection.load(kubeconfig: file, environment: [:])
            Issue.record("expected an error naming \(field)")
        } catch {
            #expect(error.kind == kind, "\(error)")
            #expect(error.field == field, "\(error)")
            #expect(error.file == file, "\(error)")
            #expect(error.description.contains(field))
        }
    }

    @Test func invalidYAMLNamesFileAndLine() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("config", "clusters:\n- name: c\n  cluster: {server: https://a\n")
        #expect {
            try Kubeconfig.load(paths: [file])
        } throws: { error in
            guard let error = error as? KubeconfigError else { return false }
            return error.kind == .malformed && error.description.contains(file)
        }
    }

    @Test func unknownContextIsAnError() throws {
        let config = try Kubeconfig.parse("clusters:\n- name: c\n  cluster: {server: https://a}\ncontexts:\n- name: x\n  context: {cluster: c}\n", file: "/k")
        #expect(throws: KubeconfigError.self) { try config.connection(context: "y") }
        #expect(throws: KubeconfigError.self) { try config.connection() }  // no current-context
        #expect(try config.connection(context: "x").server == "https://a")
    }

    @Test func execPluginConfigIsRead() throws {
        let config = try Kubeconfig.parse("""
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./bin/get-token
                  args: [--cluster, prod]
                  env:
                  - {name: REGION, value: eu-1}
                  interactiveMode: Never
                  provideClusterInfo: true
                  installHint: install get-token
            """, file: "/etc/kube/config")
        let exec = try #require(config.users["u"]?.exec)
        #expect(exec.command == "./bin/get-token")
        #expect(exec.args == ["--cluster", "prod"])
        #expect(exec.env == [.init(name: "REGION", value: "eu-1")])
        #expect(exec.interactiveMode == .never)
        #expect(exec.provideClusterInfo)
        #expect(exec.installHint == "install get-token")
        #expect(exec.baseDirectory == "/etc/kube")
    }

    @Test func inClusterConfigurationReadsTheServiceAccount() throws {
        let dir = try TemporaryDirectory()
        try dir.write("token", "sa-token")
        try dir.write("ca.crt", Self.caPEM)
        try dir.write("namespace", "addon-system\n")
        let connection = try ClusterConnection.inCluster(environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], directory: dir.path)
        #expect(connection.server == "https://10.96.0.1:443")
        #expect(connection.namespace == "addon-system")
        #expect(connection.tls.certificateAuthorityPEM == Array(Self.caPEM.utf8))
        #expect(connection.credentials == .tokenFile(path: dir.path + "/token", rereadInterval: .seconds(60)))
        let v6 = try ClusterConnection.inCluster(environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"], directory: dir.path)
        #expect(v6.server == "https://[fd00::1]:6443")
        #expect(throws: KubeconfigError.self) { try ClusterConnection.inCluster(environment: [:], directory: dir.path) }
    }

    @Test func rotatedServiceAccountTokenIsReadAgain() async throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("token", "first")
        let provider = CredentialProvider(credentials: .tokenFile(path: path, rereadInterval: .zero),
                                          clusterInfo: .init(server: "https://x", certificateAuthorityData: nil, insecureSkipTLSVerify: false, tlsServerName: nil))
        #expect(try await provider.authorization() == "Bearer first")
        try dir.write("token", "second\n")
        #expect(try await provider.authorization() == "Bearer second")
    }
}

extension KubeconfigTests {
    @Test func secretsNeverAppearInDescriptionsOrDumps() throws {
        let config = try Kubeconfig.parse("""
            clusters:
            - name: c
              cluster: {server: https://a}
            users:
            - name: u
              user: {token: s3cr3t-token, client-certificate-data: \(Self.b64("CERT")), client-key-data: \(Self.b64("PRIVATE-KEY-MATERIAL"))}
            contexts:
            - name: x
              context: {cluster: c, user: u}
            current-context: x
            """, file: "/k")
        let connection = try config.connection()
        let user = try #require(config.users["u"])
        var dumped = ""
        dump(connection, to: &dumped)
        dump(user, to: &dumped)
        let texts = ["\(connection)", String(reflecting: connection), "\(connection.credentials)", "\(connection.tls)", "\(user)", String(reflecting: user), dumped]
        for text in texts {
            #expect(!text.contains("s3cr3t-token"), "\(text)")
            #expect(!text.contains("PRIVATE-KEY-MATERIAL"), "\(text)")
        }
        #expect("\(connection.credentials)" == "bearerToken(<redacted>)")
    }
}
