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

    static func pool(template: String = "bootstrap", secrets: [String] = ["bootstrap"]) -> JSONValue {
        [["name": "workers", "replicas": 2, "flavor": "m1.small", "image": "ubuntu-22.04", "availabilityZones": ["az1"],
          "labels": ["tier": "web", "env": "prod"], "taints": [["key": "dedicated", "value": "web", "effect": "NoSchedule"]],
          "userDataTemplate": .string(template), "userDataSecrets": .array(secrets.map(JSONValue.string))]]
    }

    static func configMap(_ text: String, namespace: String = "p") -> KubeObject {
        var object = KubeObject(apiVersion: "v1", kind: "ConfigMap", name: "bootstrap", namespace: namespace)
        object["data"] = ["userData": .string(text)]
        return object
    }

    static func secret(token: String, namespace: String = "p") -> KubeObject {
        var object = KubeObject(apiVersion: "v1", kind: "Secret", name: "bootstrap", namespace: namespace)
        object["stringData"] = ["token": .string(token)]
        return object
    }

    @Test func eachVMBootsWithItsOwnRenderingOfTheProjectsTemplate() async throws {
        try await NodePoolLoopTests.withLoop { loop in
            let management = loop.fleet.management
            _ = try await management.create(Self.configMap(Self.template), options: WriteOptions(fieldManager: "test"))
            _ = try await management.create(Self.secret(token: "abcdef.0123456789abcdef"), options: WriteOptions(fieldManager: "test"))
            // The same Secret name in another project is never read.
            _ = try await management.create(KubeObject(apiVersion: "v1", kind: "Namespace", name: "other"), options: WriteOptions(fieldManager: "test"))
            _ = try await management.create(Self.secret(token: "other-project-token", namespace: "other"), options: WriteOptions(fieldManager: "test"))
            try await loop.setPools(Self.pool())
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
                #expect(!userData.contains("other-project-token"))
            }
        }
    }

    @Test func aMissingOrBrokenTemplateSaysWhyCreatesNothingAndIsPickedUpOnceFixed() async throws {
        try await NodePoolLoopTests.withLoop(idlePoll: .milliseconds(500)) { loop in
            let management = loop.fleet.management
            _ = try await management.create(Self.secret(token: "s3cret-bootstrap-token"), options: WriteOptions(fieldManager: "test"))
            try await loop.setPools(Self.pool())
            try await eventually("NodePoolsReady says the ConfigMap is missing") {
                let condition = try await loop.condition("NodePoolsReady")
                return condition?["reason"] == "UserDataInvalid"
                    && condition?["message"].stringValue == "pool workers: user data: the template ConfigMap p/bootstrap does not exist"
            }
            #expect(try await loop.provider.servers(cluster: "p/c1").isEmpty)
            let failed = try #require(try await loop.machines().first)
            #expect(failed.status["failureReason"] == "UserDataInvalid")

            // A template error names the line; no secret value reaches a message.
            _ = try await management.create(Self.configMap("#cloud-config\ntoken: {{ secrets.bootstrap.token }}\nname: {{ machine.nam }}\n"),
                                            options: WriteOptions(fieldManager: "test"))
            try await eventually("the template's error, with its line") {
                let message = try await loop.condition("NodePoolsReady")?["message"].stringValue ?? ""
                return message.contains("ConfigMap p/bootstrap key userData:3:") && message.contains("machine.nam")
            }
            let messages = try await loop.condition("NodePoolsReady")?["message"].stringValue ?? ""
            #expect(!messages.contains("s3cret-bootstrap-token"))
            #expect(try await loop.provider.servers(cluster: "p/c1").isEmpty)

            _ = try await management.patch(ManagementKinds.configMap, name: "bootstrap", namespace: "p",
                                           patch: ["data": ["userData": .string(Self.template)]], type: .merge, options: WriteOptions(fieldManager: "test"))
            try await eventually("2 Machines Running once fixed", timeout: .seconds(60)) { try await loop.running(2) }
            try await eventually("NodePoolsReady True") { try await loop.condition("NodePoolsReady")?["status"] == "True" }
        }
    }

    @Test func userDataTooLargeForTheCloudIsRefusedBeforeAnyServer() async throws {
        try await NodePoolLoopTests.withLoop { loop in
            let management = loop.fleet.management
            _ = try await management.create(Self.configMap(String(repeating: "# padding line\n", count: 4000)), options: WriteOptions(fieldManager: "test"))
            try await loop.setPools(Self.pool(secrets: []))
            try await eventually("refused for its size") {
                try await loop.condition("NodePoolsReady")?["message"].stringValue?.contains("the cloud accepts at most 65535 in base64") == true
            }
            #expect(try await loop.provider.servers(cluster: "p/c1").isEmpty)
        }
    }
}
