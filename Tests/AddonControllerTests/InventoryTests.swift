import KubernetesModel
import Testing
@testable import AddonController

/// What an inventory records of its members, as stored in the workload cluster.
@Suite struct InventoryTests {
    static func object(_ apiVersion: String, _ kind: String, _ name: String, namespace: String? = "kube-system") -> KubeObject {
        var object = KubeObject(apiVersion: apiVersion, kind: kind, name: name, namespace: namespace)
        object["metadata"]["uid"] = .string("uid-\(name)")
        return object
    }

    @Test func membersRoundTripWithTheirAppliedFields() throws {
        let members = [
            Inventory.Member(object: Self.object("batch/v1", "CronJob", "backup"), appliedFields: "UEG_H3E98gR4Q1M", content: "AAAAAAAAAAAAAAA"),
            Inventory.Member(object: Self.object("rbac.authorization.k8s.io/v1", "ClusterRole", "reader", namespace: nil)),
        ]
        let inventory = Inventory(addon: "etcd-backup", version: "1.1.0", hash: "h", members: members)
        let read = try Inventory.members(fromJSON: inventory.membersJSON)
        #expect(read == inventory.members)
        #expect(read.first { $0.kind == "CronJob" }?.appliedFields == "UEG_H3E98gR4Q1M")
        #expect(read.first { $0.kind == "CronJob" }?.content == "AAAAAAAAAAAAAAA")
        #expect(read.first { $0.kind == "ClusterRole" }?.appliedFields == nil)
        #expect(read.first { $0.kind == "CronJob" }?.uid == "uid-backup")
    }

    /// A hash of a Secret's fields or content could be matched against guesses of a weak credential by
    /// whoever reads the inventory: never recorded, whatever the caller passes.
    @Test func aSecretsFieldsAreNeverRecorded() throws {
        let secret = Inventory.Member(object: Self.object("v1", "Secret", "s3-credentials"), appliedFields: "UEG_H3E98gR4Q1M", content: "AAAAAAAAAAAAAAA")
        #expect(secret.appliedFields == nil && secret.content == nil)
        var forced = secret
        forced.appliedFields = "UEG_H3E98gR4Q1M"
        forced.content = "AAAAAAAAAAAAAAA"
        let inventory = Inventory(addon: "etcd-backup", version: "1.1.0", hash: "h", members: [forced])
        #expect(!inventory.membersJSON.contains("appliedFields"))
        #expect(!inventory.membersJSON.contains("AAAAAAAAAAAAAAA"))
    }

    /// An inventory written before members recorded fingerprints still reads.
    @Test func anInventoryWithoutFingerprintsReads() throws {
        let read = try Inventory.members(fromJSON: #"[{"apiVersion":"v1","kind":"ConfigMap","name":"settings","namespace":"kube-system","uid":"u1"}]"#)
        #expect(read == [Inventory.Member(apiVersion: "v1", kind: "ConfigMap", namespace: "kube-system", name: "settings", uid: "u1")])
        #expect(read.first?.appliedFields == nil)
    }
}
