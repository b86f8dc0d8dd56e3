import AddonCatalog
import Foundation
import KubernetesModel

/// Renders an addon for a cluster, reusing the last result while nothing that goes into it
/// changed: the addon version, the cluster's facts, the channel's and the cluster's values, and
/// the referenced Secrets' content (read on every call, so a rotated credential re-renders).
/// An idle fleet's resyncs then cost reads, not template rendering.
///
/// The objects are kept as compressed JSON text (decompressed and parsed again on use, many
/// times cheaper than rendering) and the merged values are not kept: a fleet holds a rendering
/// of every addon of every cluster.
actor RenderCache {
    private struct Entry {
        var key: String
        /// The rendering without its objects and values.
        var rendered: RenderedAddon
        /// The objects' bodies, as one JSON array.
        var objects: CompressedJSON
        var objectCount: Int

        init(key: String, rendered: RenderedAddon) {
            self.key = key
            objects = CompressedJSON(.array(rendered.objects.map(\.body)))
            objectCount = rendered.objects.count
            var kept = rendered
            kept.objects = []
            kept.values = .null
            self.rendered = kept
        }

        /// The rendering; nil should the kept objects not come back whole (then the addon is
        /// rendered again: a rendering missing objects would prune them).
        var restored: RenderedAddon? {
            guard let bodies = objects.value.arrayValue, bodies.count == objectCount else { return nil }
            var rendered = self.rendered
            rendered.objects = bodies.map { KubeObject($0) }
            return rendered
        }
    }

    private var entries: [String: Entry] = [:]

    func render(_ wanted: DesiredAddon, facts: ClusterFacts, secrets: any SecretSource) async throws -> RenderedAddon {
        // Read the Secrets first; a missing one is the renderer's error to report, so fall
        // through to it without a cache key.
        var fetched = InMemorySecretSource()
        var secretKey: [JSONValue] = []
        var complete = true
        for reference in wanted.definition.secrets {
            do {
                let data = try await secrets.secretBytes(named: reference.secretName, namespace: facts.secretNamespace)
                fetched.set(bytes: data, name: reference.secretName, namespace: facts.secretNamespace)
                secretKey.append(.object(data.mapValues { .string(Data($0).base64EncodedString()) }))
            } catch {
                complete = false
            }
        }
        guard complete else {
            entries.removeValue(forKey: wanted.name)
            return try await Renderer.render(definition: wanted.definition, facts: facts, channelValues: wanted.channelValues,
                                             clusterValues: wanted.clusterValues, secrets: secrets)
        }
        let key = ContentHash.sha256Hex(of: [
            .string(wanted.name), .string(wanted.version.description), facts.templateValue, wanted.channelValues, wanted.clusterValues, .array(secretKey),
        ])
        if let entry = entries[wanted.name], entry.key == key, let restored = entry.restored { return restored }
        let rendered = try await Renderer.render(definition: wanted.definition, facts: facts, channelValues: wanted.channelValues,
                                                 clusterValues: wanted.clusterValues, secrets: fetched)
        entries[wanted.name] = Entry(key: key, rendered: rendered)
        return rendered
    }

    func forget(_ addon: String) { entries.removeValue(forKey: addon) }
}
