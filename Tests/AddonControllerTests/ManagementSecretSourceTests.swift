import AddonCatalog
import Foundation
import KubernetesClient
import KubernetesModel
import Testing
@testable import AddonController

/// Serves one Secret.
private struct OneSecret: ObjectReader {
    let secret: KubeObject

    func get(_ kind: GroupVersionKind, name: String, namespace: String?) async throws -> KubeObject {
        guard name == secret.name, namespace == secret.namespace else { throw KubernetesError(kind: .notFound, message: "secrets \"\(name)\" not found") }
        return secret
    }

    func list(_ kind: GroupVersionKind, namespace: String?, options: ListOptions) async throws -> KubeObjectList {
        KubeObjectList(items: [secret], resourceVersion: "1")
    }
}

@Suite struct ManagementSecretSourceTests {
    static let binary: [UInt8] = [0xff, 0x00, 0xfe, 0x80, 0x41, 0xc3, 0x28]

    /// Before: binary data was decoded as lossy UTF-8 (U+FFFD for every invalid byte), so the
    /// workload cluster got different bytes than the management Secret holds.
    @Test func binaryDataKeepsItsBytesAndIsNotText() async throws {
        var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: "s3", namespace: "p")
        secret["data"] = ["keytab": .string(Data(Self.binary).base64EncodedString()), "user": .string(Data("admin-user".utf8).base64EncodedString())]
        let source = ManagementSecretSource(client: OneSecret(secret: secret), defaultNamespace: "p")
        let bytes = try await source.secretBytes(named: "s3", namespace: nil)
        #expect(bytes["keytab"] == Self.binary)
        #expect(bytes["user"] == Array("admin-user".utf8))
        let text = try await source.secret(named: "s3", namespace: nil)
        #expect(text == ["user": "admin-user"])
    }

    @Test func dataThatIsNotBase64IsAnErrorNamingTheKey() async throws {
        var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: "s3", namespace: "p")
        secret["data"] = ["broken": "not base64!"]
        let source = ManagementSecretSource(client: OneSecret(secret: secret), defaultNamespace: "p")
        await #expect {
            _ = try await source.secretBytes(named: "s3", namespace: nil)
        } throws: { error in
            "\(error)".contains("p/s3") && "\(error)".contains("data.broken")
        }
    }
}
