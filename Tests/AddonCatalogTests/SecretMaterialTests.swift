import Foundation
import KubernetesModel
import Testing
@testable import AddonCatalog

/// Secret values in rendering: binary ones keep their bytes, and one length decides what the
/// leak check refuses and what printing masks.
@Suite struct SecretMaterialTests {
    static let binary: [UInt8] = [0xff, 0x00, 0xfe, 0x80, 0x41, 0xc3, 0x28, 0x0a, 0x9f]

    /// Renders `manifest` with a text password and a binary keytab in the addon's Secret.
    static func renderWithKeytab(_ manifest: String) async throws -> RenderedAddon {
        let definition = try TestSupport.definition(TestSupport.simpleAddon, manifests: [manifest])
        var secrets = InMemorySecretSource()
        secrets.set(bytes: ["password": Array("pa55-w0rd-long".utf8), "keytab": Self.binary], name: "demo-credentials", namespace: TestSupport.facts.secretNamespace)
        return try await Renderer.render(definition: definition, facts: TestSupport.facts, secrets: secrets)
    }

    @Test func binarySecretDataKeepsItsBytes() async throws {
        let rendered = try await Self.renderWithKeytab("""
            apiVersion: v1
            kind: Secret
            metadata:
              name: keytab
            data:
              keytab: {{ secretData.creds.keytab|quote }}
              password: {{ secretData.creds.password|quote }}
            """)
        let secret = try #require(rendered.objects.first { $0.kind == "Secret" })
        let encoded = try #require(secret.body["data"]["keytab"].stringValue)
        #expect(Data(base64Encoded: encoded).map { [UInt8]($0) } == Self.binary)
        #expect(secret.body["data"]["password"].stringValue == Data("pa55-w0rd-long".utf8).base64EncodedString())
        // Printed, the binary value is masked like any other.
        #expect(!rendered.yaml().contains(encoded))
    }

    /// A binary value is not text: `secrets.NAME.KEY` does not offer it (an undefined-variable
    /// error), rather than handing the template mangled bytes.
    @Test func binaryDataIsNotTextToTemplates() async throws {
        await #expect(throws: CatalogErrors.self) {
            _ = try await Self.renderWithKeytab("""
                apiVersion: v1
                kind: Secret
                metadata:
                  name: keytab
                stringData:
                  keytab: {{ secrets.creds.keytab|quote }}
                """)
        }
    }

    /// One length decides both: a value the leak check lets through is not masked, and one it
    /// refuses outside Secrets is masked wherever it is printed. (Before, the check took 8
    /// characters and the masking 4: a 6-character password could sit in a ConfigMap.)
    @Test func theLeakCheckAndTheMaskingAgreeOnWhatIsSecret() async throws {
        let long = String("s3cr3t-value".prefix(SecretMaterial.minimumLength))
        let short = String(long.prefix(SecretMaterial.minimumLength - 1))
        let configMap = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: copy
            data:
              copy: {{ secrets.creds.password|quote }}
            """
        let secret = """
            apiVersion: v1
            kind: Secret
            metadata:
              name: creds
              annotations:
                note: {{ secrets.creds.password|quote }}
            stringData:
              password: {{ secrets.creds.password|quote }}
            """
        // Long enough: refused in a ConfigMap, masked in a Secret's metadata.
        await #expect(throws: CatalogErrors.self) { _ = try await TestSupport.render([configMap], secrets: ["password": long]) }
        let masked = try await TestSupport.render([secret], secrets: ["password": long])
        #expect(!masked.yaml().contains(long))
        // Shorter: neither refused nor masked outside the Secret's data.
        let plain = try await TestSupport.render([configMap, secret], secrets: ["password": short])
        #expect(plain.objects.contains { $0.kind == "ConfigMap" && $0.body["data"]["copy"] == .string(short) })
        #expect(plain.redactedObjects.contains { $0.kind == "ConfigMap" && $0.body["data"]["copy"] == .string(short) })
    }
}
