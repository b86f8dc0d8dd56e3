import Foundation
import KubernetesModel

/// The objects of one addon version rendered for one cluster, in apply order. Printing it
/// (description, `yaml(showSecrets:)` by default) never shows secret material.
public struct RenderedAddon: Sendable, CustomStringConvertible {
    public var addon: String
    public var version: SemanticVersion
    /// In apply order (see `ApplyOrder`), every one carrying the ownership labels.
    public var objects: [KubeObject]
    /// The objects that carry secret material (always Secrets).
    public var secretObjects: Set<ObjectReference>
    /// The addon's own health rules, made concrete for these objects.
    public var healthRules: [HealthRule]
    /// The merged, validated values the templates saw.
    public var values: JSONValue
    /// The secret strings fetched for this rendering (at least `SecretMaterial.minimumLength`
    /// long), for redaction.
    let secretValues: [String]

    public static let redactedMarker = "<redacted>"

    /// The objects with Secret data replaced by a marker, and any secret string elsewhere
    /// masked: what logs, diffs and status may show.
    public var redactedObjects: [KubeObject] {
        objects.map { redact($0) }
    }

    /// Multi-document YAML; secret material redacted unless `showSecrets`.
    public func yaml(showSecrets: Bool = false) -> String {
        YAML.emitDocuments((showSecrets ? objects : redactedObjects).map(\.body))
    }

    /// HMAC-SHA256 of the canonical JSON of `objects` (sorted keys) under `key`: equal content,
    /// equal hash, across runs and versions of addon-manager; keyed because the objects include
    /// Secrets' data (see `ContentHashKey`).
    public func contentHash(key: ContentHashKey) -> String {
        ContentHash.keyedHex(of: objects.map(\.body), key: key)
    }

    public var description: String {
        "\(addon)@\(version): \(objects.count) objects"
    }

    func redact(_ object: KubeObject) -> KubeObject {
        var copy = object
        if object.groupVersionKind.groupKind == GroupKind(group: "", kind: "Secret") {
            for field in ["data", "stringData"] {
                if case .object(let o) = copy.body[field] {
                    copy.body[field] = .object(o.mapValues { _ in .string(Self.redactedMarker) })
                }
            }
        }
        if !secretValues.isEmpty { copy.body = mask(copy.body, secretValues) }
        return copy
    }

    private func mask(_ value: JSONValue, _ sensitive: [String]) -> JSONValue {
        switch value {
        case .string(var s):
            for secret in sensitive where s.contains(secret) { s = s.replacingOccurrences(of: secret, with: Self.redactedMarker) }
            return .string(s)
        case .array(let a): return .array(a.map { mask($0, sensitive) })
        case .object(let o): return .object(o.mapValues { mask($0, sensitive) })
        default: return value
        }
    }

    /// Whether any string in `value` contains one of `secrets`, as is or base64-encoded content.
    static func carriesSecret(_ value: JSONValue, _ secrets: [String]) -> Bool {
        switch value {
        case .string(let s):
            if secrets.contains(where: { containsBytes(s, $0) }) { return true }
            if s.count >= 8, let data = Data(base64Encoded: s), let decoded = String(data: data, encoding: .utf8) {
                return secrets.contains(where: { containsBytes(decoded, $0) })
            }
            return false
        case .array(let a): return a.contains { carriesSecret($0, secrets) }
        case .object(let o): return o.values.contains { carriesSecret($0, secrets) }
        default: return false
        }
    }

    /// Whether `text` holds `secret` byte for byte (a template puts a secret in as it is). Not
    /// Foundation's `contains`, which goes through `NSString` and was a tenth of the time of
    /// rendering an addon that references a Secret.
    static func containsBytes(_ text: String, _ secret: String) -> Bool {
        let haystack = text.utf8, needle = secret.utf8
        guard let first = needle.first else { return true }
        guard needle.count <= haystack.count else { return false }
        var start = haystack.startIndex
        let lastStart = haystack.index(haystack.endIndex, offsetBy: -needle.count)
        while start <= lastStart {
            guard let candidate = haystack[start...lastStart].firstIndex(of: first) else { return false }
            if haystack[candidate...].starts(with: needle) { return true }
            start = haystack.index(after: candidate)
        }
        return false
    }
}
