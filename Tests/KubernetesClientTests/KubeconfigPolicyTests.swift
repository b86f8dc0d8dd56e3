import Foundation
import Testing
@testable import KubernetesClient

/// A tenant's kubeconfig (`.inlineOnly`) may not run a plugin or name a file; the operator's own
/// (`.trusted`) may, as kubectl's does.
@Suite struct KubeconfigPolicyTests {
    static func kubeconfig(cluster: String = "certificate-authority-data: Q0E=", user: String) -> String {
        """
        apiVersion: v1
        kind: Config
        current-context: c
        clusters:
        - name: c
          cluster:
            server: https://workload.example:6443
            \(cluster)
        contexts:
        - name: c
          context: {cluster: c, user: u}
        users:
        - name: u
          user:
        \(user)
        """
    }

    static let exec = """
            exec:
              apiVersion: client.authentication.k8s.io/v1
              interactiveMode: Never
              command: /bin/sh
              args: ["-c", "id"]
        """

    @Test(arguments: [
        (kubeconfig(user: exec), "users[name=u].user.exec", "exec credential plugins are not allowed"),
        (kubeconfig(user: "    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token"), "users[name=u].user.tokenFile", "file paths are not allowed"),
        (kubeconfig(user: "    client-certificate: /etc/c.crt\n    client-key: /etc/c.key"), "users[name=u].user.client-certificate", "file paths are not allowed"),
        (kubeconfig(user: "    client-certificate-data: Q0VSVA==\n    client-key: /etc/c.key"), "users[name=u].user.client-key", "file paths are not allowed"),
        (kubeconfig(cluster: "certificate-authority: /etc/ca.crt", user: "    token: abc"), "clusters[name=c].cluster.certificate-authority", "file paths are not allowed"),
    ])
    func inlineOnlyRefusesPluginsAndFilePaths(text: String, field: String, reason: String) throws {
        let config = try Kubeconfig.parse(text, file: "secret team-a/k")
        let error = #expect(throws: KubeconfigError.self) { try config.connection(policy: .inlineOnly) }
        #expect(error?.kind == .notAllowed)
        #expect(error?.field == field)
        #expect(error?.reason.contains(reason) == true)
        #expect(error?.description.hasPrefix("kubeconfig secret team-a/k: field \(field)") == true)
    }

    @Test func inlineOnlyAcceptsInlineCredentials() throws {
        for user in ["    token: abc", "    client-certificate-data: Q0VSVA==\n    client-key-data: S0VZ", "    username: a\n    password: b"] {
            let connection = try Kubeconfig.parse(Self.kubeconfig(user: user), file: nil).connection(policy: .inlineOnly)
            #expect(connection.server == "https://workload.example:6443")
        }
    }

    @Test func trustedKeepsKubectlSemantics() throws {
        let connection = try Kubeconfig.parse(Self.kubeconfig(user: Self.exec), file: nil).connection(policy: .trusted)
        guard case .exec(let config) = connection.credentials else { Issue.record("expected exec credentials"); return }
        #expect(config.command == "/bin/sh")
        // And it is the default, for the operator's own kubeconfig.
        #expect(throws: Never.self) { try Kubeconfig.parse(Self.kubeconfig(user: Self.exec), file: nil).connection() }
    }
}
