import Foundation
import KubernetesModel
import Testing
@testable import AddonController

/// A Secret applied with `stringData` is stored in `data`: its content is what the drift check
/// must compare. Before, the projection looked for `stringData` (write-only) and saw nothing,
/// so someone rewriting an addon's credentials went unnoticed.
@Suite struct SecretDriftCheckTests {
    static func applied() -> KubeObject {
        var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: "creds", namespace: "demo")
        secret["stringData"] = ["accessKey": "AKIA-drift-0001"]
        return secret
    }

    static func stored(_ value: String) -> JSONValue {
        var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: "creds", namespace: "demo")
        secret["data"] = ["accessKey": .string(Data(value.utf8).base64EncodedString())]
        secret["type"] = "Opaque"
        return secret.body
    }

    @Test func aChangeOfASecretsStoredDataIsDrift() {
        let shape = DriftCheck.shape(of: Self.applied())
        let expected = DriftCheck.fingerprint(of: Self.stored("AKIA-drift-0001"), onto: shape)
        #expect(DriftCheck.fingerprint(of: Self.stored("AKIA-drift-0001"), onto: shape) == expected)
        #expect(DriftCheck.fingerprint(of: Self.stored("tampered"), onto: shape) != expected)
        #expect(DriftCheck.contains(Self.stored("AKIA-drift-0001"), shape))
        #expect(!DriftCheck.contains(Self.stored("tampered"), shape))
    }
}
