import Foundation
import KubernetesModel

/// A node pool's bootstrap template: the cloud-init (or any text) a VM boots with, rendered per
/// Machine with the same engine and the same strictness as addon manifests (an undefined
/// variable is an error naming it and its line; nothing is HTML-escaped; filters quote for YAML).
///
/// Its context has `cluster`, `pool`, `machine` and `secrets` (the Secrets the pool references,
/// by name, then key). A message that would quote a secret value (of `SecretMaterial.minimumLength`
/// characters or more, as everywhere in the manager) says `[redacted]` instead.
public struct UserDataTemplate: Sendable {
    public static let roots: Set<String> = ["cluster", "pool", "machine", "secrets"]

    /// Where the template comes from, for messages (`ConfigMap team-a/bootstrap, key userData`).
    public var source: String
    public var text: String

    public init(source: String, text: String) {
        self.source = source
        self.text = text
    }

    /// The template's problems without rendering it (an unknown root, a syntax error, an
    /// unsupported tag), one per line with the line number; empty when it compiles.
    public func check() -> [CatalogError] {
        switch TemplateEngine.compile(.init(file: source, text: text), roots: Self.roots) {
        case .success: []
        case .failure(let errors): errors.errors
        }
    }

    /// Renders the template. `secrets` maps a Secret's name to its keys and UTF-8 values.
    public func render(cluster: JSONValue, pool: JSONValue, machine: JSONValue, secrets: [String: [String: String]]) throws(CatalogErrors) -> String {
        let compiled: TemplateEngine.Compiled
        switch TemplateEngine.compile(.init(file: source, text: text), roots: Self.roots) {
        case .success(let c): compiled = c
        case .failure(let errors): throw errors
        }
        let secretValues = JSONValue.object(secrets.mapValues { .object($0.mapValues(JSONValue.string)) })
        switch TemplateEngine.render(compiled, context: ["cluster": cluster, "pool": pool, "machine": machine, "secrets": secretValues]) {
        case .success(let output):
            return output.text
        case .failure(let error):
            let sensitive = secrets.values.flatMap { $0.values }.filter { $0.utf8.count >= SecretMaterial.minimumLength }
            var redacted = error
            for value in sensitive.sorted(by: { $0.count > $1.count }) {
                redacted.message = redacted.message.replacingOccurrences(of: value, with: "[redacted]")
            }
            throw CatalogErrors([redacted])
        }
    }
}
