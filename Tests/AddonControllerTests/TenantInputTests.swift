@testable import AddonController
import Foundation
import KubernetesClient
import KubernetesModel
import Testing

/// What a project writes (its Cluster, its Secrets) is untrusted input: a kubeconfig Secret is
/// data, not a program, and a Cluster reads Secrets of its own namespace only.
@Suite(.serialized) struct TenantInputTests {
    /// The cluster's kubeconfig Secret, with the user's `token:` line replaced by `replacement`.
    static func replaceCredentials(of cluster: String, project: String = "dev", in h: ControllerHarness, with replacement: String) async throws {
        let original = try h.fleet.server.kubeconfig(for: cluster)
        let lines = original.components(separatedBy: "\n").map { $0.hasPrefix("    token: ") ? replacement : $0 }
        var secret = try await h.management.get(ManagementKinds.secret, name: "\(cluster)-kubeconfig", namespace: project)
        secret["data"] = ["kubeconfig": .string(Data(lines.joined(separator: "\n").utf8).base64EncodedString())]
        _ = try await h.management.update(secret, options: WriteOptions(fieldManager: "tenant"))
    }

    static func accepted(_ cluster: String, project: String = "dev", in h: ControllerHarness) async -> Condition? {
        let object = try? await h.management.get(ManagementKinds.cluster, name: cluster, namespace: project)
        return (object?.status["conditions"].arrayValue ?? []).compactMap(Condition.init(json:)).first { $0.type == "Accepted" }
    }

    @Test func anExecPluginInAKubeconfigSecretIsRefusedAndNeverRuns() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("exec-ran-\(UUID().uuidString)").path
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "exec"))
            try await h.waitForPhase("exec", "base", "Healthy")
            #expect(await Self.accepted("exec", in: h)?.status == .true)
            try await Self.replaceCredentials(of: "exec", in: h, with: """
                    exec:
                      apiVersion: client.authentication.k8s.io/v1
                      interactiveMode: Never
                      command: /bin/sh
                      args: ["-c", "touch \(marker); echo '{\\"apiVersion\\":\\"client.authentication.k8s.io/v1\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"x\\"}}'"]
                """)
            try await h.eventually("Accepted=False KubeconfigRefused") {
                let condition = await Self.accepted("exec", in: h)
                return condition?.status == .false && condition?.reason == "KubeconfigRefused" && condition?.message.contains(".exec") == true
            }
            // The condition is written before the supervisor records the phase: wait for both.
            try await h.eventually("the controller Invalid") {
                await h.starter.controllers().first { $0.key.name == "exec" }?.value.phase == .invalid
            }
            #expect(!FileManager.default.fileExists(atPath: marker), "the tenant's exec plugin ran inside the manager")
            // Nothing the controller applied is taken away: the addons stay as they were.
            let workload = try await h.client(for: "exec")
            #expect((try? await workload.get(GroupVersionKind(group: "", version: "v1", kind: "Namespace"), name: "demo-system", namespace: nil)) != nil)
        }
    }

    @Test func aTokenFileOrCertificatePathInAKubeconfigSecretIsRefusedAndNotRead() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "files"))
            try await h.waitForPhase("files", "base", "Healthy")
            // The manager's own service-account token, as a tenant would aim at it.
            try await Self.replaceCredentials(of: "files", in: h, with: "    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token")
            try await h.eventually("Accepted=False KubeconfigRefused for tokenFile") {
                let condition = await Self.accepted("files", in: h)
                return condition?.reason == "KubeconfigRefused" && condition?.message.contains("tokenFile") == true
            }
            try await Self.replaceCredentials(of: "files", in: h, with: "    client-certificate: /etc/ssl/private/manager.crt\n    client-key: /etc/ssl/private/manager.key")
            try await h.eventually("Accepted=False KubeconfigRefused for client-certificate") {
                await Self.accepted("files", in: h)?.message.contains("client-certificate") == true
            }
            // An inline kubeconfig again: accepted, and the controller runs.
            try await Self.replaceCredentials(of: "files", in: h, with: "    token: \(try #require(h.fleet.server.cluster(named: "files")).token)")
            try await h.eventually("Accepted=True again") { await Self.accepted("files", in: h)?.status == .true }
            try await h.eventually("running again") { await h.starter.controllers().first { $0.key.name == "files" }?.value.phase == .running }
        }
    }

    @Test func anOperatorMayAllowExecPlugins() async throws {
        try await withHarness(kubeconfigPolicy: .trusted) { h in
            try await h.fleet.addCluster(.init(name: "allowed"))
            let token = try #require(h.fleet.server.cluster(named: "allowed")).token
            try await Self.replaceCredentials(of: "allowed", in: h, with: """
                    exec:
                      apiVersion: client.authentication.k8s.io/v1
                      interactiveMode: Never
                      command: /bin/sh
                      args: ["-c", "echo '{\\"apiVersion\\":\\"client.authentication.k8s.io/v1\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"\(token)\\"}}'"]
                """)
            try await h.waitForPhase("allowed", "base", "Healthy")
            #expect(await Self.accepted("allowed", in: h)?.status == .true)
        }
    }

    /// Project `evil` names project `victim`'s namespace as its Secret namespace: refused, and
    /// victim's credential never reaches evil's cluster.
    @Test func aClusterCannotReadAnotherProjectsSecrets() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "v", project: "victim", addons: [["name": "optional", "enabled": true]]))
            try await h.waitForPhase("v", "optional", "Healthy", project: "victim")
            var secret = try await h.management.get(ManagementKinds.secret, name: "object-store-credentials", namespace: "victim")
            secret.body.removeValue(forKey: "data")
            secret["stringData"] = ["accessKey": "victim-access-key", "secretKey": "victim-secret-key"]
            _ = try await h.management.update(secret, options: WriteOptions(fieldManager: "victim"))

            try await h.fleet.addCluster(.init(name: "e", project: "evil"))
            try await h.waitForPhase("e", "base", "Healthy", project: "evil")
            try await h.updateCluster("e", project: "evil") { spec in
                spec["facts"]["secretNamespace"] = "victim"
                spec["addons"] = [["name": "optional", "enabled": true]]
            }
            try await h.eventually("Accepted=False InvalidSpec naming facts.secretNamespace") {
                let condition = await Self.accepted("e", project: "evil", in: h)
                return condition?.reason == "InvalidSpec" && condition?.message.contains("spec.facts.secretNamespace") == true
            }
            // A Cluster created with it from the start is refused too, before its controller runs.
            try await h.fleet.addCluster(.init(name: "e2", project: "evil"))
            try await h.updateCluster("e2", project: "evil") { spec in spec["facts"]["secretNamespace"] = "victim" }
            try await h.eventually("e2 refused") { await Self.accepted("e2", project: "evil", in: h)?.reason == "InvalidSpec" }

            let workload = try await h.client(for: "e")
            let secrets = try await workload.list(GroupVersionKind(group: "", version: "v1", kind: "Secret"), namespace: nil, options: ListOptions())
            for object in secrets.items {
                for value in (object["data"].objectValue ?? [:]).values {
                    let text = value.stringValue.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
                    #expect(!text.contains("victim-"), "victim's credential reached evil's cluster in \(object.namespace ?? "")/\(object.name)")
                }
            }
            #expect(await h.phase("e", "optional", project: "evil") != "Healthy")
        }
    }

    /// A namespace an operator shares with every project may be read.
    @Test func aSharedSecretNamespaceMayBeRead() async throws {
        var options = ControllerHarness.fastOptions
        options.sharedSecretNamespaces = ["platform-shared"]
        try await withHarness(options: options) { h in
            try await h.fleet.addCluster(.init(name: "s", project: "platform-shared"))  // creates the namespace and its credentials
            var secret = try await h.management.get(ManagementKinds.secret, name: "object-store-credentials", namespace: "platform-shared")
            secret.body.removeValue(forKey: "data")
            secret["stringData"] = ["accessKey": "shared-access-key", "secretKey": "shared-secret-key"]
            _ = try await h.management.update(secret, options: WriteOptions(fieldManager: "operator"))
            try await h.fleet.addCluster(.init(name: "user", project: "team", addons: [["name": "optional", "enabled": true]]))
            try await h.updateCluster("user", project: "team") { spec in spec["facts"]["secretNamespace"] = "platform-shared" }
            let workload = try await h.client(for: "user")
            try await h.eventually("the shared credential reached the cluster") {
                let s = try await workload.get(GroupVersionKind(group: "", version: "v1", kind: "Secret"), name: "optional-credentials", namespace: "optional-system")
                return s["data"]["accessKey"].stringValue.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } == "shared-access-key"
            }
            #expect(await Self.accepted("user", project: "team", in: h)?.status == .true)
        }
    }
}

/// The manager reads Secrets only where Clusters are, and keeps only those it uses.
@Suite(.serialized) struct SecretReadingTests {
    @Test func onlyReferencedSecretsOfNamespacesWithClustersAreHeld() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "c1", project: "p1", addons: [["name": "optional", "enabled": true]]))
            for (namespace, name) in [("p1", "app-database-password"), ("kube-system", "bootstrap-token-abc")] {
                var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: name, namespace: namespace)
                secret["stringData"] = ["password": "not-for-the-manager"]
                _ = try await h.management.apply(secret, options: ApplyOptions(fieldManager: "tenant", force: true))
            }
            try await h.waitForPhase("c1", "optional", "Healthy", project: "p1")
            try await h.eventually("the kubeconfig and the credential of p1 are held") {
                let keys = await h.starter.cachedSecretKeys().map(\.description)
                return keys.contains("p1/c1-kubeconfig") && keys.contains("p1/object-store-credentials")
            }
            let keys = await h.starter.cachedSecretKeys()
            #expect(keys.allSatisfy { $0.namespace == "p1" }, "\(keys)")
            #expect(!keys.contains { $0.name == "app-database-password" })
            // The Cluster goes: so does the watch of its namespace, and what it held.
            _ = try await h.management.delete(ManagementKinds.cluster, name: "c1", namespace: "p1", options: DeleteOptions())
            try await h.eventually("nothing of p1 held") { await h.starter.cachedSecretKeys().isEmpty }
        }
    }

    @Test func aSecretReferencedAfterItsCreationIsReadAndWatched() async throws {
        try await withHarness { h in
            try await h.fleet.addCluster(.init(name: "first", project: "p2"))
            try await h.waitForPhase("first", "base", "Healthy", project: "p2")
            // A kubeconfig Secret made before any Cluster names it is not held...
            let kubeconfig = try h.fleet.server.kubeconfig(for: "first")
            var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: "renamed-kubeconfig", namespace: "p2")
            secret["data"] = ["kubeconfig": .string(Data(kubeconfig.utf8).base64EncodedString())]
            _ = try await h.management.apply(secret, options: ApplyOptions(fieldManager: "tenant", force: true))
            #expect(await !h.starter.cachedSecretKeys().contains { $0.name == "renamed-kubeconfig" })
            // ...until the Cluster names it: then it is read (from the API), and its changes are seen.
            try await h.updateCluster("first", project: "p2") { spec in spec["kubeconfigSecretRef"]["name"] = "renamed-kubeconfig" }
            secret["metadata"]["annotations"] = ["touched": "yes"]
            secret["data"] = ["kubeconfig": .string(Data((kubeconfig + "\n# rotated\n").utf8).base64EncodedString())]
            _ = try await h.management.apply(secret, options: ApplyOptions(fieldManager: "tenant", force: true))
            try await h.eventually("renamed-kubeconfig held") { await h.starter.cachedSecretKeys().contains { $0.name == "renamed-kubeconfig" } }
        }
    }

    @Test func refusalsNameTheirReason() {
        let cases: [(any Error, String?)] = [
            (KubeconfigError(kind: .notAllowed, file: "secret a/k", field: "users[name=u].user.exec", reason: "no"), "KubeconfigRefused"),
            (KubeconfigError(kind: .malformed, file: "secret a/k", field: nil, reason: "bad"), "KubeconfigInvalid"),
            (ClusterSpecError(cluster: "a/c", field: "spec.facts.secretNamespace", reason: "no"), "InvalidSpec"),
            (MissingKubeconfig(description: "secret a/k not found"), "KubeconfigMissing"),
            (SecretsForbidden(namespace: "a"), "SecretsForbidden"),
            (CancellationError(), nil),
        ]
        for (error, reason) in cases {
            #expect(ClusterAcceptance.refusal(for: error)?.reason == reason, "\(error)")
        }
        #expect(ClusterAcceptance.refusal(for: SecretsForbidden(namespace: "team-a"))?.message.contains("addon-manager-project-secrets") == true)
    }
}
