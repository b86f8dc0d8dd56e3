import Foundation
import KubernetesModel
import Testing
@testable import AddonCatalog

/// Addon versions and channels as published to the management plane (AddonVersion,
/// AddonChannel objects): what goes in comes back out, the digest covers the content, large
/// versions are compressed, and tampered or oversized objects are refused with the field named.
@Suite struct PublishedCatalogTests {
    static let catalog = Result { try Catalog.load(directory: TestSupport.repositoryCatalog) }

    @Test func everyShippedVersionRoundTripsThroughItsObject() throws {
        let catalog = try Self.catalog.get()
        #expect(catalog.publishedVersions.count >= 12)
        for published in catalog.publishedVersions {
            let object = try published.object()
            #expect(object.name == "\(published.addon)-\(published.version)")
            #expect(object.spec["digest"].stringValue == published.digest)
            #expect(object.spec["compressed"] == .null, "small versions are stored as text")
            let read = try PublishedAddonVersion(object: KubeObject(try JSONValue.parse(object.body.serialized())))
            #expect(read == published)
            let definition = try read.definition()
            let original = try #require(catalog.definition(name: published.addon, version: published.version))
            #expect(definition.manifests.map(\.text) == original.manifests.map(\.text))
            #expect(definition.file == "AddonVersion/\(object.name)/addon.yaml")
            #expect(PublishedAddonVersion(definition: definition).digest == published.digest, "the digest does not depend on where the content came from")
        }
    }

    @Test func theDigestCoversEveryByteOfTheContent() throws {
        let published = try #require(try Self.catalog.get().publishedVersions.first)
        var edited = published
        edited.manifests[0].text += "\n# edited\n"
        #expect(edited.digest != published.digest)
        var renamed = published
        renamed.manifests[0].file = "manifests/zz-other.yaml"
        #expect(renamed.digest != published.digest)
        #expect(published.digest.hasPrefix("sha256:") && published.digest.count == 71)
    }

    @Test func anObjectWhoseContentDoesNotMatchItsDigestIsRefused() throws {
        let published = try #require(try Self.catalog.get().publishedVersions.first)
        var object = try published.object()
        var manifests = try #require(object.spec["manifests"].arrayValue)
        manifests[0]["text"] = .string((manifests[0]["text"].stringValue ?? "") + "\n# edited in place\n")
        object.body.setValue(.array(manifests), at: ["spec", "manifests"])
        let message = Self.failure { _ = try PublishedAddonVersion(object: object) }
        #expect(message.contains("AddonVersion/\(published.objectName)") && message.contains("spec.digest"), "\(message)")
    }

    @Test func malformedObjectsNameTheField() throws {
        var object = KubeObject(apiVersion: "addon-manager.io/v1alpha1", kind: "AddonVersion", name: "x-1.0.0")
        object["spec"] = ["addon": "x", "version": "one", "digest": "sha256:00"]
        let badVersion = Self.failure { _ = try PublishedAddonVersion(object: object) }
        #expect(badVersion.contains("AddonVersion/x-1.0.0") && badVersion.contains("spec.version"), "\(badVersion)")
        object["spec"] = ["addon": "x", "version": "1.0.0", "digest": "sha256:00", "compressed": ["encoding": "zlib+base64", "size": 10, "data": "bm90IHpsaWI="]]
        let corrupt = Self.failure { _ = try PublishedAddonVersion(object: object) }
        #expect(corrupt.contains("spec.compressed"), "\(corrupt)")
    }

    /// A monitoring-stack-sized version: 5 MiB of CRD-like templates. It publishes as one
    /// object well under the API's limit, and comes back byte for byte.
    @Test func aFiveMebibyteVersionIsCompressedIntoOneObject() throws {
        let published = Self.largeVersion(mebibytes: 5)
        #expect(published.contentSize >= 5 * 1024 * 1024)
        let object = try published.object()
        let size = object.body.serialized().count
        #expect(size < PublishedAddonVersion.objectLimit, "\(size) bytes")
        #expect(object.spec["compressed"]["encoding"] == "zlib+base64")
        #expect(object.spec["manifests"] == .null && object.spec["addonYAML"] == .null)
        let read = try PublishedAddonVersion(object: object)
        #expect(read == published)
        #expect(try read.definition().manifests.count == published.manifests.count)
    }

    @Test func aVersionThatCannotFitIsRefusedWithItsSizes() throws {
        // Random bytes do not compress: 2 MiB of them cannot fit one object.
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<(2 * 1024 * 1024 / 8)).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }
        var published = Self.largeVersion(mebibytes: 0)
        published.manifests.append(.init(file: "manifests/99-noise.yaml", text: "# \(Data(noise).base64EncodedString())\n"))
        let message = Self.failure { _ = try published.object() }
        #expect(message.contains("AddonVersion/big-1.0.0") && message.contains("MiB") && message.contains("split the addon"), "\(message)")
    }

    @Test func channelsCarryTheirSetsAndWaves() throws {
        let catalog = try Self.catalog.get()
        for (name, channel) in catalog.channels {
            let object = channel.object(in: catalog)
            #expect(object.kind == "AddonChannel" && object.name == name)
            let read = try Channel(object: KubeObject(try JSONValue.parse(object.body.serialized())))
            #expect(read.addons.mapValues(\.version) == channel.addons.mapValues(\.version))
            #expect(read.addons.mapValues(\.values) == channel.addons.mapValues(\.values))
            #expect(read.defaultAddons == catalog.defaultAddons)
            #expect(read.optInAddons == catalog.optInAddons)
            #expect(read.rolloutWaves?.map(\.name) == catalog.rolloutWaves.map(\.name))
            #expect(read.rolloutWaves?.map(\.soakSeconds) == catalog.rolloutWaves.map(\.soakSeconds))
            #expect(read.rolloutWaves?.map(\.selector) == catalog.rolloutWaves.map(\.selector))
        }
    }

    @Test func aMalformedChannelObjectNamesTheField() {
        var object = KubeObject(apiVersion: "addon-manager.io/v1alpha1", kind: "AddonChannel", name: "stable")
        object["spec"] = ["addons": ["cinder-csi": ["version": 1.3]]]
        let message = Self.failure { _ = try Channel(object: object) }
        #expect(message.contains("AddonChannel/stable") && message.contains("addons.cinder-csi.version"), "\(message)")
    }

    @Test func aPublishedCatalogUsesEachChannelsOwnSets() throws {
        let catalog = try Self.catalog.get()
        var stable = try #require(catalog.channel(named: "stable"))
        stable.defaultAddons = ["cinder-csi"]
        stable.optInAddons = ["etcd-backup"]
        let definitions = catalog.publishedVersions.compactMap { try? $0.definition() }
        let published = Catalog(published: definitions, channels: [stable], source: "test")
        #expect(published.addons(forChannel: "stable").map(\.name) == ["cinder-csi"])
        #expect(published.addons(forChannel: "stable", optIn: ["etcd-backup"]).map(\.name) == ["cinder-csi", "etcd-backup"])
        #expect(published.addons(forChannel: "candidate").isEmpty)
    }

    /// The error `body` throws, as printed; empty when it throws none.
    static func failure(_ body: () throws -> Void) -> String {
        do {
            try body()
            return ""
        } catch {
            return "\(error)"
        }
    }

    /// An addon of `mebibytes` MiB of CRD-shaped templates (static text, as CRDs are).
    static func largeVersion(mebibytes: Int) -> PublishedAddonVersion {
        let addonYAML = """
            name: big
            version: "1.0.0"
            description: A large addon (CRDs)
            owner: tests
            kubernetesVersions: ">=1.20.0"
            namespace: big
            """
        var manifests: [AddonDefinition.ManifestTemplate] = []
        var total = 0
        var index = 0
        while total < mebibytes * 1024 * 1024 {
            var text = """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: schema-\(index)
                data:

                """
            var field = 0
            while text.utf8.count < 700 * 1024 {
                text += "  field-\(field): \"{\\\"type\\\": \\\"object\\\", \\\"description\\\": \\\"property \(field) of resource \(index)\\\", \\\"x-kubernetes-preserve-unknown-fields\\\": true}\"\n"
                field += 1
            }
            total += text.utf8.count
            manifests.append(.init(file: String(format: "manifests/%02d-schema.yaml", index), text: text))
            index += 1
        }
        if manifests.isEmpty { manifests.append(.init(file: "manifests/00-ns.yaml", text: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: big\n")) }
        return PublishedAddonVersion(addon: "big", version: SemanticVersion("1.0.0")!, addonYAML: addonYAML, manifests: manifests)
    }
}
