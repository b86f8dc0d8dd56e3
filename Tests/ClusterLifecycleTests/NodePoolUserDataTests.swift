import AddonController
import ClusterLifecycle
import DevFleet
import Foundation
import Infrastructure
import KubernetesClient
import KubernetesModel
import TestSupport
import Testing

/// The user data VMs boot with: rendered per Machine from the project's template and Secrets,
/// against LocalKube with the simulated provider.
@Suite struct NodePoolUserDataTests {
    static let template = """
    #cloud-config
    write_files:
      - path: /etc/kubernetes/join.env
        permissions: "0600"
        content: |
          CLUSTER={{ cluster.namespace }}/{{ cluster.name }}
          MACHINE={{ machine.name }}
          HOSTNAME={{ machine.serverName }}
          ZONE={{ machine.availabilityZone }}
          NODE_LABELS={{ pool.nodeLabels }}
          NODE_TAINTS={{ pool.nodeTaints }}
          TOKEN={{ secrets.bootstrap.token }}
    """

    static func pool(_ name: String = "workers", template: String = "bootstrap", secrets: [String] = ["bootstrap"], zones: [String] = ["az1"]) -> JSONValue {
        ["name": .string(name), "replicas": 2, "flavor": "m1.small", "image": "ubuntu-22.04", "availabilityZones": .array(zones.map(JSONValue.string)),
         "labels": ["tier": "web", "env": "prod"], "taints": [["key": "dedicated", "value": "web", "effect": "NoSchedule"]],
         "userDataTemplate": .string(template), "userDataSecrets": .array(secrets.map(JSONValue.string))]
    }

    static func configMap(_ text: String, namespace: String = "p") -> KubeObject {
        var object = KubeObject(apiVersion: "v1", kind: "ConfigMap", name: "bootstrap", namespace: namespace)
        object["data"] = ["userData": .string(text)]
        return object
    }

    static func secret(_ name: String = "bootstrap", token: String, namespace: String = "p", optedIn: Bool = true) -> KubeObject {
        var object = KubeObject(apiVersion: "v1", kind: "Secret", name: name, namespace: namespace)
        if optedIn { object.labels = [BootstrapUserData.optInLabel: "true"] }
        object["stringData"] = ["token": .string(token)]
        return object
    }

    @Test func eachVMBootsWithItsOwnRenderingOfTheProjectsTemplate() async throws {
        try await NodePoolLoopTests.withLoop { loop in
            let management = loop.fleet.management
            _ = try await management.create(Self.configMap(Self.template), options: WriteOptions(fieldManager: "test"))
            _ = try await management.create(Self.secret(token: "abcdef.0123456789abcdef"), options: WriteOptions(fieldManager: "test"))
            try await loop.setPools([Self.pool()])
            try await eventually("2 Machines Running", timeout: .seconds(60)) { try await loop.running(2) }
            for machine in try await loop.machines() {
                let id = try #require(machine.status["serverID"].stringValue)
                let userData = try #require(loop.provider.userData(ofServerID: id))
                #expect(userData.hasPrefix("#cloud-config\n"))
                #expect(userData.contains("CLUSTER=p/c1\n"))
                #expect(userData.contains("MACHINE=\(machine.name)\n"))
                #expect(userData.contains("HOSTNAME=p-\(machine.name)\n"))
                #expect(userData.contains("ZONE=az1\n"))
                #expect(userData.contains("NODE_LABELS=env=prod,tier=web\n"))
                #expect(userData.contains("NODE_TAINTS=dedicated=web:NoSchedule\n"))
                #expect(userData.contains("TOKEN=abcdef.0123456789abcdef"))
            }
        }
    }

    @Test func aMissingOrBrokenTemplateSaysWhyCreatesNothingAndIsPickedUpOnceFixed() async throws {
        try await NodePoolLoopTests.withLoop(idlePoll: .milliseconds(500)) { loop in
            let management = loop.fleet.management
            _ = try await management.create(Self.secret(token: "s3cret-bootstrap-token"), options: WriteOptions(fieldManager: "test"))
            try await loop.setPools([Self.pool(zones: [])])
            try await eventually("NodePoolsReady says the ConfigMap is missing") {
                let condition = try await loop.condition("NodePoolsReady")
                return condition?["reason"] == "UserDataInvalid"
                    && condition?["message"].stringValue?.contains("user data: the template ConfigMap p/bootstrap does not exist") == true
            }
            #expect(try await loop.provider.servers(cluster: "p/c1").isEmpty)
            let failed = try #require(try await loop.machines().first)
            #expect(failed.status["failureReason"] == "UserDataInvalid")

            // A template error names the line; a message that would quote a secret value does not.
            _ = try await management.create(Self.configMap("#cloud-config\ntoken: {{ secrets.bootstrap.token }}\nzone: {{ machine.availabilityZone|required:secrets.bootstrap.token }}\n"),
                                            options: WriteOptions(fieldManager: "test"))
            try await eventually("the template's error, with its line") {
                let message = try await loop.condition("NodePoolsReady")?["message"].stringValue ?? ""
                return message.contains("ConfigMap p/bootstrap key userData:3: required: [redacted]")
            }
            #expect(try await loop.provider.servers(cluster: "p/c1").isEmpty)
            var seen = try await loop.machines().map { "\($0.status)" }
            seen += try await management.list(ManagementKinds.event, namespace: "p", options: ListOptions()).items.map { "\($0["message"])" }
            seen.append("\(try await loop.cluster().status)")
            #expect(!seen.contains { $0.contains("s3cret-bootstrap-token") }, "a secret value reached a status or an Event")

            _ = try await management.patch(ManagementKinds.configMap, name: "bootstrap", namespace: "p",
                                           patch: ["data": ["userData": .string(Self.template)]], type: .merge, options: WriteOptions(fieldManager: "test"))
            try await eventually("2 Machines Running once fixed", timeout: .seconds(60)) { try await loop.running(2) }
            try await eventually("NodePoolsReady True") { try await loop.condition("NodePoolsReady")?["status"] == "True" }
        }
    }

    /// Only the Cluster's own namespace, and only Secrets opted in: a Secret of that name in
    /// another project is not found; one without the label is refused. Another pool goes on.
    @Test func onlyOptedInSecretsOfTheClustersNamespaceAreReadAndOtherPoolsGoOn() async throws {
        try await NodePoolLoopTests.withLoop { loop in
            let management = loop.fleet.management
            _ = try await management.create(Self.configMap(Self.template), options: WriteOptions(fieldManager: "test"))
            _ = try await management.create(KubeObject(apiVersion: "v1", kind: "Namespace", name: "other"), options: WriteOptions(fieldManager: "test"))
            _ = try await management.create(Self.secret(token: "other-project-token", namespace: "other"), options: WriteOptions(fieldManager: "test"))
            let plain: JSONValue = ["name": "plain", "replicas": 2, "flavor": "m1.small", "image": "ubuntu-22.04"]
            try await loop.setPools([Self.pool(), plain])
            try await eventually("the other project's Secret is not found") {
                try await loop.condition("NodePoolsReady")?["message"].stringValue?.contains("the userDataSecrets Secret p/bootstrap does not exist") == true
            }
            _ = try await management.create(Self.secret(token: "cloud-credentials-here", optedIn: false), options: WriteOptions(fieldManager: "test"))
            try await eventually("a Secret not opted in is refused", timeout: .seconds(45)) {
                try await loop.condition("NodePoolsReady")?["message"].stringValue?.contains("is not labelled addon-manager.io/user-data=true") == true
            }
            // The pool without user data comes up all the same; the other gets no server.
            try await eventually("the plain pool Running", timeout: .seconds(60)) {
                try await loop.machines().filter { $0["spec"]["pool"] == "plain" && $0.status["phase"] == "Running" }.count == 2
            }
            #expect(try await loop.provider.servers(cluster: "p/c1").allSatisfy { $0.metadata[ServerSpec.poolKey] == "plain" })
        }
    }

    @Test func userDataTooLargeForTheCloudIsRefusedBeforeAnyServer() async throws {
        try await NodePoolLoopTests.withLoop { loop in
            let management = loop.fleet.management
            _ = try await management.create(Self.configMap(String(repeating: "# padding line\n", count: 4000)), options: WriteOptions(fieldManager: "test"))
            try await loop.setPools([Self.pool(secrets: [])])
            try await eventually("refused for its size") {
                try await loop.condition("NodePoolsReady")?["message"].stringValue?.contains("the cloud accepts at most 65535 in base64") == true
            }
            #expect(try await loop.provider.servers(cluster: "p/c1").isEmpty)
        }
    }
}
