import TestSupport
import ArgumentParser
import Foundation
import KubernetesModel
import LocalKube
import Testing
@testable import AddonCtlCommand
@testable import KubernetesClient

/// What an in-process `addonctl` run printed and its exit status.
struct AddonCtlRun {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Runs `addonctl ARGUMENTS` in-process, as the binary would: the command's output, and for a
    /// thrown error the message and exit status ArgumentParser gives.
    static func run(_ arguments: [String]) async -> AddonCtlRun {
        let console = KubeConsole.capturing()
        var status: Int32 = 0
        var errorText = ""
        do {
            let command = try AddonCtl.parseAsRoot(arguments)
            switch command {
            case let apply as KubeApplyCommand: try await apply.execute(on: console)
            case let get as KubeGetCommand: try await get.execute(on: console)
            case let delete as KubeDeleteCommand: try await delete.execute(on: console)
            case let publish as PublishCommand: try await publish.execute(on: console)
            case let diff as CatalogDiffCommand: try await diff.execute(on: console)
            case let status as RolloutStatusCommand: try await status.execute(on: console)
            case let pause as RolloutPauseCommand: try await pause.execute(on: console)
            case let resume as RolloutResumeCommand: try await resume.execute(on: console)
            case let rollback as RolloutRollbackCommand: try await rollback.execute(on: console)
            default: Issue.record("not a command that writes to a console: \(arguments)")
            }
        } catch {
            status = AddonCtl.exitCode(for: error).rawValue
            let message = AddonCtl.fullMessage(for: error)
            if !message.isEmpty { errorText = message + "\n" }
        }
        return AddonCtlRun(status: status, stdout: console.stdout, stderr: console.stderr + errorText)
    }
}

/// `addonctl kube` end to end against LocalKube: the command types parsed from arguments and run
/// in-process (what the binary does, without needing the executable built by `swift test`).
@Suite struct AddonCtlKubeTests {
    typealias F = LocalKubeFixture

    typealias Run = AddonCtlRun

    /// Runs `addonctl kube ARGUMENTS --kubeconfig K` in-process.
    static func addonctl(_ arguments: [String], kubeconfig: String) async throws -> Run {
        await AddonCtlRun.run(["kube"] + arguments + ["--kubeconfig", kubeconfig])
    }

    static let manifests = """
        apiVersion: example.com/v1
        kind: Widget
        metadata:
          name: w1
          namespace: shop
        spec:
          size: 2
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: shop
        data:
          mode: "on"
        ---
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.example.com
        spec:
          group: example.com
          scope: Namespaced
          names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList, shortNames: [wd]}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
        ---
        apiVersion: v1
        kind: Namespace
        metadata:
          name: shop
        """

    @Test func applyGetDeleteRoundTrip() async throws {
        try await F.with { f in
            let dir = try TemporaryDirectory()
            try dir.write("manifests/app.yaml", Self.manifests)
            try dir.write("manifests/more.yml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra, namespace: shop}\n")
            try dir.write("manifests/README.md", "not a manifest")

            let apply = try await Self.addonctl(["apply", "-f", dir.path + "/manifests"], kubeconfig: f.kubeconfigPath)
            #expect(apply.status == 0, "\(apply.stderr)")
            #expect(apply.stdout.split(separator: "\n") == [
                "widget.example.com/w1 serverside-applied",
                "configmap/settings serverside-applied",
                "customresourcedefinition.apiextensions.k8s.io/widgets.example.com serverside-applied",
                "namespace/shop serverside-applied",
                "configmap/extra serverside-applied",
            ])
            let stored = try await f.client.get(F.configMap, name: "settings", namespace: "shop")
            #expect(stored["data"]["mode"] == "on")
            #expect(stored.managedFields.map(\.manager) == ["addonctl"])

            // KIND as kubectl accepts it.
            for kind in ["widgets", "widget", "wd", "Widget", "widgets.example.com"] {
                let get = try await Self.addonctl(["get", kind, "-n", "shop", "-o", "name"], kubeconfig: f.kubeconfigPath)
                #expect(get.status == 0, "\(kind): \(get.stderr)")
                #expect(get.stdout == "widget.example.com/w1\n", "\(kind)")
            }
            let yaml = try await Self.addonctl(["get", "configmap", "settings", "-n", "shop", "-o", "yaml"], kubeconfig: f.kubeconfigPath)
            let parsed = try YAML.parse(yaml.stdout)
            #expect(parsed["data"]["mode"] == "on")
            #expect(parsed["metadata"]["name"] == "settings")
            // As kubectl: managedFields only when asked for; timestamps quoted (a YAML 1.1
            // reader would take them for dates).
            #expect(parsed["metadata"]["managedFields"].isNull, "\(yaml.stdout)")
            #expect(yaml.stdout.contains("creationTimestamp: \""), "\(yaml.stdout)")
            let withFields = try await Self.addonctl(["get", "configmap", "settings", "-n", "shop", "-o", "yaml", "--show-managed-fields"],
                                                     kubeconfig: f.kubeconfigPath)
            #expect(try YAML.parse(withFields.stdout)["metadata"]["managedFields"][0]["manager"] == "addonctl")
            let json = try await Self.addonctl(["get", "cm", "-A", "-l", "!nothing", "-o", "json"], kubeconfig: f.kubeconfigPath)
            let list = try JSONValue.parse(json.stdout)
            #expect(list["kind"] == "List")
            #expect(Set((list["items"].arrayValue ?? []).compactMap { $0["metadata"]["name"].stringValue }).isSuperset(of: ["settings", "extra"]))
            let table = try await Self.addonctl(["get", "cm", "-n", "shop"], kubeconfig: f.kubeconfigPath)
            #expect(table.stdout.hasPrefix("NAME"))
            #expect(table.stdout.contains("settings"))

            let dryRun = try await Self.addonctl(["apply", "-f", dir.path + "/manifests/more.yml", "--dry-run"], kubeconfig: f.kubeconfigPath)
            #expect(dryRun.stdout == "configmap/extra serverside-applied (server dry run)\n")

            let delete = try await Self.addonctl(["delete", "-f", dir.path + "/manifests/app.yaml"], kubeconfig: f.kubeconfigPath)
            #expect(delete.status == 0, "\(delete.stderr)")
            #expect(delete.stdout.split(separator: "\n") == [
                "widget.example.com \"w1\" deleted",
                "configmap \"settings\" deleted",
                "customresourcedefinition.apiextensions.k8s.io \"widgets.example.com\" deleted",
                "namespace \"shop\" deleted",
            ])
            let byName = try await Self.addonctl(["delete", "cm", "nope"], kubeconfig: f.kubeconfigPath)
            #expect(byName.status != 0)
            #expect(byName.stderr.contains("Error from server (NotFound): configmaps \"nope\" not found"))
        }
    }

    @Test func conflictsNeedForce() async throws {
        try await F.with { f in
            let dir = try TemporaryDirectory()
            let file = try dir.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\ndata: {a: \"1\"}\n")
            _ = try await f.client.apply(F.configMap("c", data: ["a": "0"]), options: ApplyOptions(fieldManager: "someone-else"))
            let refused = try await Self.addonctl(["apply", "-f", file], kubeconfig: f.kubeconfigPath)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("conflict with \"someone-else\": .data.a"))
            #expect(try await f.client.get(F.configMap, name: "c", namespace: "default")["data"]["a"] == "0")
            let forced = try await Self.addonctl(["apply", "-f", file, "--force", "--field-manager", "ops"], kubeconfig: f.kubeconfigPath)
            #expect(forced.status == 0, "\(forced.stderr)")
            #expect(try await f.client.get(F.configMap, name: "c", namespace: "default")["data"]["a"] == "1")
        }
    }

    /// Bad inputs: a clear error naming file and line (or field), exit status non-zero, nothing applied.
    @Test(arguments: [
        ("invalid YAML", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: second\n", ["bad.yaml:9", "invalid YAML"]),
        ("object without name", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n", ["bad.yaml:8", "has no metadata.name"]),
        ("object without kind", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n---\napiVersion: v1\nmetadata:\n  name: x\n", ["bad.yaml:6", "has no kind"]),
        ("unknown kind", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n---\napiVersion: nowhere.example.com/v1\nkind: Gadget\nmetadata:\n  name: g\n", ["Gadget", "nowhere.example.com", "nothing was applied"]),
        ("not an object", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n---\n- just\n- a list\n", ["bad.yaml:6", "not a Kubernetes object"]),
    ])
    func badManifestsApplyNothing(name: String, text: String, expected: [String]) async throws {
        try await F.with { f in
            let dir = try TemporaryDirectory()
            let file = try dir.write("bad.yaml", text)
            let run = try await Self.addonctl(["apply", "-f", file], kubeconfig: f.kubeconfigPath)
            #expect(run.status != 0, "\(name)")
            for fragment in expected { #expect(run.stderr.contains(fragment), "\(name): \(run.stderr)") }
            #expect(run.stdout.isEmpty, "\(name)")
            #expect(await f.cluster.writeCount() == 0, "\(name): nothing may be applied")
        }
    }

    @Test func listsNamespaceFlagAndSeveralNames() async throws {
        try await F.with { f in
            let dir = try TemporaryDirectory()
            // A `kind: List` (what get -o yaml prints) is applied item by item; -n fills in the namespace.
            let list = try dir.write("list.yaml", """
                apiVersion: v1
                kind: List
                items:
                - apiVersion: v1
                  kind: ConfigMap
                  metadata: {name: one}
                - apiVersion: v1
                  kind: ConfigMap
                  metadata: {name: two}
                """)
            _ = try await f.client.apply(KubeObject(apiVersion: "v1", kind: "Namespace", name: "team"), options: ApplyOptions(fieldManager: "tests"))
            let apply = try await Self.addonctl(["apply", "-f", list, "-n", "team"], kubeconfig: f.kubeconfigPath)
            #expect(apply.status == 0, "\(apply.stderr)")
            #expect(apply.stdout == "configmap/one serverside-applied\nconfigmap/two serverside-applied\n")
            let names = try await Self.addonctl(["get", "configmaps", "one", "two", "-n", "team", "-o", "name"], kubeconfig: f.kubeconfigPath)
            #expect(names.stdout == "configmap/one\nconfigmap/two\n")

            // An object's own namespace must agree with -n.
            let other = try dir.write("other.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: three, namespace: default}\n")
            let mismatch = try await Self.addonctl(["apply", "-f", other, "-n", "team"], kubeconfig: f.kubeconfigPath)
            #expect(mismatch.status != 0)
            #expect(mismatch.stderr.contains("does not match the namespace given with -n (team)"))
        }
    }

    @Test func malformedKubeconfigNamesTheField() async throws {
        let dir = try TemporaryDirectory()
        let kubeconfig = try dir.write("kubeconfig", """
            apiVersion: v1
            kind: Config
            current-context: x
            clusters:
            - name: c
              cluster:
                server: https://127.0.0.1:1
                certificate-authority-data: "%%% not base64"
            contexts:
            - name: x
              context: {cluster: c, user: u}
            users:
            - name: u
              user: {token: t}
            """)
        let run = try await Self.addonctl(["get", "configmaps"], kubeconfig: kubeconfig)
        #expect(run.status != 0)
        #expect(run.stderr.contains("clusters[0].cluster.certificate-authority-data"), "\(run.stderr)")
        #expect(run.stderr.contains(kubeconfig))
    }

    @Test func unknownKindOnTheCommandLine() async throws {
        try await F.with { f in
            let run = try await Self.addonctl(["get", "gadgets"], kubeconfig: f.kubeconfigPath)
            #expect(run.status != 0)
            #expect(run.stderr.contains("the server doesn't have a resource type \"gadgets\""))
        }
    }
}
