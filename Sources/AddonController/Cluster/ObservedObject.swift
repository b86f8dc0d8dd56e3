import AddonCatalog
import KubernetesModel

/// What a cluster's watch caches keep of an object an addon applied: what health reads (the
/// object's identity, `metadata.generation`, `creationTimestamp` and `deletionTimestamp`, the whole
/// `status`, `spec.replicas` and `spec.type`) and the label that names its addon (which the
/// informer's handler reads to wake that addon); the cache keeps beside it a fingerprint of
/// everything else (`contentFingerprint`, which the informer computes from the object as the
/// server sent it).
///
/// Other labels are not kept: ours and the addon's own were half of what the caches held (15 of
/// 33 KB per cluster of the default addons); a health rule that reads one judges the object as
/// read from the API (`suffices(for:)`).
///
/// A fleet holds every owned object of every cluster; most of an object's text (a pod
/// template, a CRD's schema, a ConfigMap's data, a Secret's data) is read by nobody once it is
/// applied: the drift check compares the fingerprint with the one at which the object was last
/// found to carry our fields, and reads the object from the API only when it differs. A
/// Secret's data is then never kept in memory at all.
enum ObservedObject {
    /// The fields of `metadata` kept.
    /// (`creationTimestamp`: a recency rule gives a CronJob that has not run yet one window from it.)
    static let keptMetadata: Set<String> = ["name", "namespace", "uid", "generation", "creationTimestamp", "deletionTimestamp", "resourceVersion"]
    /// The labels kept.
    static let keptLabels: Set<String> = [OwnershipLabels.addonNameKey]
    /// The fields of `spec` kept (the built-in health rules read them).
    static let keptSpec: Set<String> = ["replicas", "type"]

    /// The object as the caches keep it.
    @Sendable static func kept(_ object: KubeObject) -> KubeObject {
        var kept: [String: JSONValue] = [:]
        for key in ["apiVersion", "kind", "status"] {
            if let value = object.body.value(at: [key]) { kept[key] = value }
        }
        if case .object(let metadata) = object.body["metadata"] {
            var keptFields = metadata.filter { keptMetadata.contains($0.key) }
            if case .object(let labels) = metadata["labels"] {
                let small = labels.filter { keptLabels.contains($0.key) }
                if !small.isEmpty { keptFields["labels"] = .object(small) }
            }
            kept["metadata"] = .object(keptFields)
        }
        if case .object(let spec) = object.body["spec"] {
            let small = spec.filter { keptSpec.contains($0.key) }
            if !small.isEmpty { kept["spec"] = .object(small) }
        }
        return KubeObject(.object(kept))
    }

    /// A hash of the object's content outside what changes without anyone changing it: its
    /// status, resourceVersion, managedFields and generation (which follows the spec). Equal for
    /// the object as a watch delivers it, as a GET reads it and as an apply answers it, at one
    /// resourceVersion; it changes with any field we may have applied (spec, data, labels,
    /// annotations, ...) and with a deletionTimestamp.
    @Sendable static func contentFingerprint(of object: KubeObject) -> String {
        var body = object.body
        body.removeValue(at: ["status"])
        body.removeValue(at: ["metadata", "resourceVersion"])
        body.removeValue(at: ["metadata", "managedFields"])
        body.removeValue(at: ["metadata", "generation"])
        return ContentHash.shortDigest(of: body)
    }

    /// Whether the kept object holds the field at `path` (dotted, under the object), so that a
    /// health rule reading it can be evaluated from the cache.
    static func keeps(_ path: [String]) -> Bool {
        guard let first = path.first else { return false }
        switch first {
        case "apiVersion", "kind", "status": return true
        case "metadata":
            guard path.count >= 2 else { return false }
            if path[1] == "labels" { return path.count == 3 && keptLabels.contains(path[2]) }
            return keptMetadata.contains(path[1])
        case "spec": return path.count >= 2 && keptSpec.contains(path[1])
        default: return false
        }
    }

    /// Whether every field `rule` reads is kept.
    static func suffices(for rule: HealthRule) -> Bool {
        switch rule.check {
        case .condition: return keeps(["status", "conditions"])
        case .succeededWithin: return keeps(["status", "lastSuccessfulTime"]) && keeps(["metadata", "creationTimestamp"])
        case .fieldEquals(let path, _): return keeps(path)
        case .fieldEqualsField(let path, let otherPath): return keeps(path) && keeps(otherPath)
        }
    }
}
