import AddonCatalog
import Foundation
import KubernetesModel

/// Renders an addon for a cluster, reusing the last result while nothing that goes into it
/// changed: the addon version, the cluster's facts, the channel's and the cluster's values, and
/// the referenced Secrets' content (read on every call, so a rotated credential re-renders).
/// An idle fleet's resyncs then cost reads, not template rendering.
///
/// The objects are kept as their JSON text beside who they are (parsed only when an object
/// itself is needed, many times cheaper than rendering) and the merged values are not kept: a
/// fleet holds a rendering of every addon of every cluster.
actor RenderCache {
    /// A rendering as returned: the addon's rendering without its objects and values, its
    /// objects (parsed when just rendered, kept as text otherwise), and their keyed hash.
    struct Rendering: Sendable {
        var rendered: RenderedAddon
        var objects: [RenderedObject]
        /// `RenderedAddon.contentHash(key:)` of the objects as rendered (before `finish`).
        var hash: String

        init(_ rendered: RenderedAddon, hash: String) {
            self.hash = hash
            objects = rendered.objects.map { RenderedObject($0) }
            var kept = rendered
            kept.objects = []
            kept.values = .null
            self.rendered = kept
        }

        /// What is kept between reconciles: the objects as their text.
        var kept: Rendering {
            var kept = self
            kept.objects = objects.map(\.kept)
            return kept
        }
    }

    private struct Entry {
        var key: String
        var rendering: Rendering
    }

    private var entries: [String: Entry] = [:]
    /// What every rendered object gets before it is kept and returned (the reconciler's
    /// membership label): done once per rendering, not on every use of a kept one.
    private let finish: @Sendable (_ object: KubeObject, _ addon: String) -> KubeObject
    private let hashKey: ContentHashKey

    init(hashKey: ContentHashKey, finish: @escaping @Sendable (_ object: KubeObject, _ addon: String) -> KubeObject) {
        self.hashKey = hashKey
        self.finish = finish
    }

    func render(_ wanted: DesiredAddon, facts: ClusterFacts, secrets: any SecretSource) async throws -> Rendering {
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
            return finished(try await Renderer.render(definition: wanted.definition, facts: facts, channelValues: wanted.channelValues,
                                                      clusterValues: wanted.clusterValues, secrets: secrets), addon: wanted.name)
        }
        let key = ContentHash.sha256Hex(of: [
            .string(wanted.name), .string(wanted.version.description), facts.templateValue, wanted.channelValues, wanted.clusterValues, .array(secretKey),
        ])
        if let entry = entries[wanted.name], entry.key == key { return entry.rendering }
        let rendering = finished(try await Renderer.render(definition: wanted.definition, facts: facts, channelValues: wanted.channelValues,
                                                           clusterValues: wanted.clusterValues, secrets: fetched), addon: wanted.name)
        entries[wanted.name] = Entry(key: key, rendering: rendering.kept)
        return rendering
    }

    private func finished(_ rendered: RenderedAddon, addon: String) -> Rendering {
        let hash = rendered.contentHash(key: hashKey)
        var rendered = rendered
        rendered.objects = rendered.objects.map { finish($0, addon) }
        return Rendering(rendered, hash: hash)
    }

    func forget(_ addon: String) { entries.removeValue(forKey: addon) }
}
