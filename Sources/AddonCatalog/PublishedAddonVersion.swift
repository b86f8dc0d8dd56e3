import Foundation
import KubernetesModel

/// One addon version as published to the management plane: an `AddonVersion` object
/// (`addon-manager.io/v1alpha1`, cluster-scoped, named `<addon>-<version>`) carrying the
/// version's `addon.yaml` and templates, and the digest of that content.
///
/// The digest is SHA-256 over canonical JSON of the content (addon, version, addon.yaml text,
/// templates with their paths inside the version directory, in apply order): the same version
/// has the same digest wherever and however it is stored. Content up to `inlineLimit` bytes is
/// stored as text (`spec.addonYAML`, `spec.manifests`), readable with `kubectl get -o yaml`;
/// larger content is stored zlib-compressed and base64-encoded in `spec.compressed` (CRDs
/// compress about tenfold), and an object still above `objectLimit` is refused before it is sent.
public struct PublishedAddonVersion: Sendable, Hashable {
    public static let kind = "AddonVersion"
    /// Content above this size (UTF-8 bytes of the texts) is stored compressed.
    public static let inlineLimit = 256 * 1024
    /// The most one AddonVersion may weigh, serialised: etcd refuses objects above 1.5 MiB and
    /// the API server requests above 3 MiB; this leaves room for metadata, status and managed fields.
    public static let objectLimit = 1024 * 1024

    public var addon: String
    public var version: SemanticVersion
    /// The addon.yaml text as written.
    public var addonYAML: String
    /// The templates, with paths relative to the version's directory (`manifests/NAME.yaml`).
    public var manifests: [AddonDefinition.ManifestTemplate]

    public init(addon: String, version: SemanticVersion, addonYAML: String, manifests: [AddonDefinition.ManifestTemplate]) {
        self.addon = addon
        self.version = version
        self.addonYAML = addonYAML
        self.manifests = manifests
    }

    /// A version of a catalog loaded from a directory.
    public init(definition: AddonDefinition) {
        let directory = (definition.file as NSString).deletingLastPathComponent + "/"
        let manifests = definition.manifests.map { manifest in
            AddonDefinition.ManifestTemplate(file: manifest.file.hasPrefix(directory) ? String(manifest.file.dropFirst(directory.count)) : manifest.file,
                                             text: manifest.text)
        }
        self.init(addon: definition.name, version: definition.version, addonYAML: definition.addonYAML, manifests: manifests)
    }

    /// The object's name: `<addon>-<version>` (a `+build` suffix becomes `-build`).
    public static func objectName(addon: String, version: SemanticVersion) -> String {
        "\(addon)-\(version)".lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "-" }.reduce(into: "") { $0.append($1) }
    }

    public var objectName: String { Self.objectName(addon: addon, version: version) }

    /// The canonical content the digest covers.
    var content: JSONValue {
        [
            "addon": .string(addon),
            "version": .string(version.description),
            "addonYAML": .string(addonYAML),
            "manifests": .array(manifests.map { ["file": .string($0.file), "text": .string($0.text)] }),
        ]
    }

    /// `sha256:<hex>` of the canonical content.
    public var digest: String { "sha256:" + ContentHash.sha256Hex(of: content) }

    /// The size of the texts (what decides whether the content is stored compressed).
    public var contentSize: Int { addonYAML.utf8.count + manifests.reduce(0) { $0 + $1.file.utf8.count + $1.text.utf8.count } }

    /// The `AddonVersion` object (spec only; the manager writes the status).
    public func object() throws(CatalogErrors) -> KubeObject {
        var object = KubeObject(apiVersion: "addon-manager.io/v1alpha1", kind: Self.kind, name: objectName)
        object.labels = ["addon-manager.io/addon": addon, "addon-manager.io/version": Self.labelValue(version)]
        var spec: JSONValue = ["addon": .string(addon), "version": .string(version.description), "digest": .string(digest)]
        if contentSize <= Self.inlineLimit {
            spec["addonYAML"] = .string(addonYAML)
            spec["manifests"] = content["manifests"]
        } else {
            let bytes = content.serialized()
            let compressed: [UInt8]
            do {
                compressed = try Zlib.compress(bytes)
            } catch {
                throw CatalogErrors([CatalogError(.invalidObject, file: "AddonVersion/\(objectName)", line: nil, "\(error)")])
            }
            spec["compressed"] = ["encoding": "zlib+base64", "size": .int(Int64(bytes.count)), "data": .string(Data(compressed).base64EncodedString())]
        }
        object["spec"] = spec
        let size = object.body.serialized().count
        guard size <= Self.objectLimit else {
            throw CatalogErrors([CatalogError(.invalidObject, file: "AddonVersion/\(objectName)", line: nil,
                                              "\(addon) \(version) is \(Self.mebibytes(contentSize)) of templates, \(Self.mebibytes(size)) compressed: above the \(Self.mebibytes(Self.objectLimit)) an AddonVersion may hold; split the addon")])
        }
        return object
    }

    /// Reads an `AddonVersion` object; the digest recorded in it is checked against its content.
    /// Errors name the object and the field.
    public init(object: KubeObject) throws(CatalogErrors) {
        let file = "AddonVersion/\(object.name)"
        func fail(_ kind: CatalogError.Kind, _ message: String) -> CatalogErrors { CatalogErrors([CatalogError(kind, file: file, line: nil, message)]) }
        let spec = object.spec
        guard let addon = spec["addon"].stringValue else { throw fail(.missingField, "spec.addon is missing") }
        guard let versionText = spec["version"].stringValue, let version = SemanticVersion(versionText) else {
            throw fail(.invalidVersion, "spec.version: \"\(spec["version"].stringValue ?? spec["version"].jsonString())\" is not a semantic version")
        }
        guard let declared = spec["digest"].stringValue else { throw fail(.missingField, "spec.digest is missing") }
        var content = spec
        if spec["compressed"] != .null {
            let compressed = spec["compressed"]
            guard compressed["encoding"].stringValue == "zlib+base64" else {
                throw fail(.invalidField, "spec.compressed.encoding: \"\(compressed["encoding"].stringValue ?? "")\" is not zlib+base64")
            }
            guard let data = compressed["data"].stringValue.flatMap({ Data(base64Encoded: $0) }) else { throw fail(.invalidField, "spec.compressed.data is not base64") }
            guard let size = compressed["size"].intValue.map({ Int($0) }) else { throw fail(.missingField, "spec.compressed.size is missing") }
            do {
                content = try JSONValue.parse(Zlib.decompress(Array(data), size: size))
            } catch {
                throw fail(.invalidField, "spec.compressed: \(error)")
            }
        }
        guard let addonYAML = content["addonYAML"].stringValue else { throw fail(.missingField, "spec.addonYAML is missing") }
        var manifests: [AddonDefinition.ManifestTemplate] = []
        for (index, element) in (content["manifests"].arrayValue ?? []).enumerated() {
            guard let path = element["file"].stringValue, let text = element["text"].stringValue else {
                throw fail(.invalidField, "spec.manifests[\(index)] needs file and text")
            }
            manifests.append(.init(file: path, text: text))
        }
        if manifests.isEmpty { throw fail(.missingField, "spec.manifests: an addon version needs at least one manifest template") }
        self.init(addon: addon, version: version, addonYAML: addonYAML, manifests: manifests)
        if object.name != objectName { throw fail(.invalidField, "metadata.name: an AddonVersion of \(addon) \(version) must be named \(objectName)") }
        if declared != digest { throw fail(.invalidField, "spec.digest: \(declared) does not match the content (\(digest))") }
    }

    /// The addon definition, checked as the directory loader checks one; messages name the
    /// object and the file inside it (`AddonVersion/NAME/manifests/x.yaml:12`).
    public func definition() throws(CatalogErrors) -> AddonDefinition {
        let prefix = "AddonVersion/\(objectName)/"
        let definition = try AddonDefinition.parse(addonYAML: addonYAML, file: prefix + "addon.yaml",
                                                   manifests: manifests.map { .init(file: prefix + $0.file, text: $0.text) })
        guard definition.name == addon, definition.version == version else {
            throw CatalogErrors([CatalogError(.invalidField, file: prefix + "addon.yaml", line: 1,
                                              "addon.yaml declares \(definition.name) \(definition.version), the object \(addon) \(version)")])
        }
        return definition
    }

    /// A label value for a version (`+` is not allowed in labels).
    static func labelValue(_ version: SemanticVersion) -> String {
        String(version.description.map { $0 == "+" ? "_" : $0 })
    }

    static func mebibytes(_ bytes: Int) -> String {
        String(format: "%.2f MiB", Double(bytes) / 1_048_576)
    }
}
