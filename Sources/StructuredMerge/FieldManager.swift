import KubernetesModel

/// What the API server does with the managed fields of a write: server-side apply (merge the
/// configuration into the live object, with ownership and conflicts) and the bookkeeping of
/// create / update / patch (the changed fields move to the writing manager).
/// Pure functions of their inputs: the caller stores the result.
public enum FieldManager {
    /// The result of an apply.
    public struct ApplyResult: Sendable {
        /// The merged object with `metadata.managedFields` updated.
        public var object: KubeObject
        /// Whether anything besides managedFields differs from the live object.
        public var objectChanged: Bool
        /// Whether the managedFields differ from the live object's.
        public var managedFieldsChanged: Bool
        /// Nothing changed: the server keeps the resourceVersion and writes nothing.
        public var isNoOp: Bool { !objectChanged && !managedFieldsChanged }
    }

    /// Fields the server never tracks in managedFields.
    static let strippedFields = FieldSet([
        FieldPath(fields: "apiVersion"), FieldPath(fields: "kind"), FieldPath(fields: "metadata"),
        FieldPath(fields: "metadata", "name"), FieldPath(fields: "metadata", "namespace"),
        FieldPath(fields: "metadata", "creationTimestamp"), FieldPath(fields: "metadata", "selfLink"),
        FieldPath(fields: "metadata", "uid"), FieldPath(fields: "metadata", "clusterName"),
        FieldPath(fields: "metadata", "generation"), FieldPath(fields: "metadata", "managedFields"),
        FieldPath(fields: "metadata", "resourceVersion"),
    ])

    /// Server-side apply of `config` by `manager` onto `live` (nil: the object does not exist yet).
    ///
    /// - Parameters:
    ///   - type: the schema of the resource's kind (`kind`).
    ///   - kind: the resource's group, version (of the request path) and kind.
    ///   - now: the time to record (RFC 3339, whole seconds).
    ///   - subresource: `status` for an apply to the status subresource.
    ///   - ignoredFields: the fields this endpoint resets (e.g. `status` on the main resource of a
    ///     kind with a status subresource, everything but `status` on `/status`): never owned, never conflicting.
    ///   - configType: the schema of the config's own kind when it differs from `kind` (nil: deduced).
    /// - Throws: 400 for a wrong apiVersion or managedFields in the body, 500 for a body that does
    ///   not fit the schema (v1.24 words), 409 with causes for conflicts.
    public static func apply(
        live: KubeObject?, config: KubeObject, manager: String, force: Bool, type: ObjectType, kind: GroupVersionKind,
        now: String, subresource: String? = nil, ignoredFields: FieldSet = FieldSet(), configType: ObjectType? = nil
    ) throws(StructuredMergeError) -> ApplyResult {
        do {
            return try applyOnce(live: live, config: config, manager: manager, force: force, type: type, kind: kind, now: now,
                                 subresource: subresource, ignoredFields: ignoredFields, configType: configType)
        } catch {
            // kubectl taking over from client-side apply: conflicts on fields whose live value is still
            // the last-applied one are forced, as the server's last-applied manager does.
            guard error.isApplyConflict, manager == "kubectl", !force, let live,
                  let allowed = allowedConflictsFromLastApplied(live, type: type) else { throw error }
            let remaining = error.conflicts.filter { !allowed.contains($0.path) }
            if !remaining.isEmpty { throw .applyConflict(remaining) }
            return try applyOnce(live: live, config: config, manager: manager, force: true, type: type, kind: kind, now: now,
                                 subresource: subresource, ignoredFields: ignoredFields, configType: configType)
        }
    }

    /// The fields of the last-applied-configuration annotation whose live value is unchanged.
    private static func allowedConflictsFromLastApplied(_ live: KubeObject, type: ObjectType) -> FieldSet? {
        guard let text = live.metadata["annotations"][lastAppliedAnnotation].stringValue, !text.isEmpty,
              let lastApplied = try? JSONValue.parse(text), case .object = lastApplied,
              type.violations(in: lastApplied).isEmpty else { return nil }
        var liveBody = live.body
        _ = liveBody.removeValue(at: ["metadata", "managedFields"])
        let modified = TypedMerge.compare(lastApplied, liveBody, type.root, schema: type.schema).modified
        return type.fieldSet(of: lastApplied).subtracting(modified)
    }

    private static func applyOnce(
        live: KubeObject?, config: KubeObject, manager: String, force: Bool, type: ObjectType, kind: GroupVersionKind,
        now: String, subresource: String?, ignoredFields: FieldSet, configType: ObjectType?
    ) throws(StructuredMergeError) -> ApplyResult {
        let version = kind.apiVersion
        let configGVK = config.groupVersionKind
        guard configGVK.groupVersion == kind.groupVersion else {
            let specified = config.apiVersion.isEmpty ? "" : configGVK.groupVersion.apiVersion
            throw .badRequest("Incorrect version specified in apply patch. Specified patch version: \(specified), expected: \(version)")
        }
        if let sent = config.metadata.objectValue?["managedFields"], !sent.isNull {
            throw .badRequest("metadata.managedFields must be nil")
        }
        let sameKind = configGVK.kind == kind.kind
        let patchType = sameKind ? type : (configType ?? .deduced)
        let violations = patchType.violations(in: config.body)
        if !violations.isEmpty {
            throw .internalError("failed to create typed patch object (\(describe(config, configGVK))): \(violations.joinedMessage)")
        }
        var liveBody = live?.body ?? .emptyObject
        _ = liveBody.removeValue(at: ["metadata", "managedFields"])
        // The live object is not checked against the schema (the server's "failed to create typed
        // live object"): a stored object a simulator wrote with an undeclared field must not make
        // every later apply fail. Undeclared live fields are kept and merged as deduced values.
        guard sameKind else {
            throw .internalError("failed to merge config: expected objects of the same type, but got \(typeRefText(patchType.root)) and \(typeRefText(type.root + 1))")
        }
        let schema = type.schema
        var managers = live.map(ManagedFields.init(of:)) ?? ManagedFields()
        let applier = ManagerIdentity(manager: manager, operation: .apply, apiVersion: version, subresource: subresource)

        // Merge, then own exactly what the config sets.
        // A null in the config owns the field but sets nothing (a typed object has no nulls).
        var merged = TypedMerge.merge(liveBody, dropNulls(config.body), type.root, schema: schema) ?? .emptyObject
        let lastSet = managers.entries[applier]?.fields
        let newSet = type.fieldSet(of: config.body).recursiveSubtracting(ignoredFields)
        let previousEntry = managers.entries[applier]
        managers.entries[applier] = ManagedFields.Entry(identity: applier, apiVersion: version, time: previousEntry?.time, fields: newSet)

        // Remove what the applier owned before, no longer applies, and nobody else owns.
        if let lastSet, !lastSet.isEmpty {
            var managed = FieldSet()
            for entry in managers.entries.values { managed.formUnion(entry.fields) }
            let last = TypedMerge.ensureNamedFieldsAreMembers(lastSet, type.root, schema: schema)
            let owned = TypedMerge.ensureNamedFieldsAreMembers(managed, type.root, schema: schema)
            let toRemove = last.subtracting(owned)
            if !toRemove.isEmpty {
                merged = TypedMerge.remove(toRemove, from: merged, type.root, schema: schema) ?? .emptyObject
            }
        }

        // Ownership moves: conflicts with other managers, removed fields leave their sets.
        let comparison = TypedMerge.compare(liveBody, merged, type.root, schema: schema).excluding(ignoredFields)
        try settle(&managers, comparison: comparison, except: applier, force: force)

        var objectChanged = live == nil || comparison.isSame == false
        var finalEntry = managers.entries[applier]!
        finalEntry.fields = finalEntry.fields.subtracting(strippedFields)
        if objectChanged || previousEntry == nil || previousEntry!.fields.pruned() != finalEntry.fields.pruned()
            || previousEntry!.apiVersion != version
        {
            finalEntry.time = now
        }
        managers.entries[applier] = finalEntry
        strip(&managers)

        var base = objectChanged ? KubeObject(merged) : KubeObject(liveBody)
        syncLastApplied(&base, config: config, manager: manager)
        if !objectChanged, base.body != liveBody { objectChanged = true }
        let result = managers.encoded(into: base)
        let managedChanged = live.map { $0.metadata["managedFields"] != result.metadata["managedFields"] } ?? true
        return ApplyResult(object: objectChanged ? result : (managedChanged ? result : live!), objectChanged: objectChanged,
                           managedFieldsChanged: managedChanged)
    }

    /// The managedFields after a create (`old` nil), update or non-apply patch by `manager`:
    /// fields the write added or changed move to that manager (`operation: Update`), fields it
    /// removed leave every manager. Returns `new` with `metadata.managedFields` set.
    ///
    /// As the server does, managedFields sent in `new` replace the live ones when they are
    /// readable and not empty, and `[]` (or `[{}]`) resets them; on a subresource the live ones are kept.
    /// An update of an existing object without managedFields leaves them absent (only creates and
    /// applies start tracking). Like the server's `UpdateNoErrors`, it does not fail over a `new`
    /// that does not fit the schema; validation answers for it belong to the caller.
    public static func update(
        old: KubeObject?, new: KubeObject, manager: String, type: ObjectType, kind: GroupVersionKind, now: String,
        subresource: String? = nil, ignoredFields: FieldSet = FieldSet()
    ) throws(StructuredMergeError) -> KubeObject {
        let version = kind.apiVersion
        var managers: ManagedFields
        let sent = new.metadata.objectValue?["managedFields"]
        if subresource == nil, let sent, Self.isReset(sent) {
            managers = ManagedFields()
        } else if subresource == nil, let sent, let decoded = try? ManagedFields(json: sent), !decoded.entries.isEmpty {
            managers = decoded
        } else {
            managers = old.map(ManagedFields.init(of:)) ?? ManagedFields()
        }
        // A create is compared against the kind's empty object, as the server does.
        var oldBody = old?.body ?? type.zeroValue ?? .emptyObject
        _ = oldBody.removeValue(at: ["metadata", "managedFields"])
        var newBody = new.body
        _ = newBody.removeValue(at: ["metadata", "managedFields"])
        // An update of an object nobody tracks does not start tracking it (the server's skip-non-applied manager).
        if old != nil, managers.entries.isEmpty { return KubeObject(newBody) }
        // The server never fails a write over its managed fields. It clears them for an object that
        // does not fit the schema, which validation then rejects anyway; here such values are
        // compared as they are (undeclared fields as deduced), so nothing is lost either way.
        let comparison = TypedMerge.compare(oldBody, newBody, type.root, schema: type.schema).excluding(ignoredFields)
        let updater = ManagerIdentity(manager: manager, operation: .update, apiVersion: version, subresource: subresource)
        // The writer is "another manager" too while ownership settles (the server names it "current-operation").
        try settle(&managers, comparison: comparison, except: nil, force: true)
        let taken = comparison.modified.union(comparison.added).subtracting(comparison.removed).recursiveSubtracting(ignoredFields)
            .subtracting(strippedFields)
        if !taken.isEmpty {
            let previous = managers.entries[updater]?.fields ?? FieldSet()
            managers.entries[updater] = ManagedFields.Entry(identity: updater, apiVersion: version, time: now, fields: previous.union(taken))
        }
        strip(&managers)
        capUpdateManagers(&managers)
        return managers.encoded(into: KubeObject(newBody))
    }

    static let lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

    /// `kubectl apply --server-side` (manager `kubectl`) keeps client-side apply's annotation in
    /// step when the object has one: it becomes the applied configuration, as JSON.
    private static func syncLastApplied(_ object: inout KubeObject, config: KubeObject, manager: String) {
        guard manager == "kubectl", object.metadata["annotations"][lastAppliedAnnotation].stringValue != nil else { return }
        var applied = config.body
        _ = applied.removeValue(at: ["metadata", "annotations", lastAppliedAnnotation])
        if applied["metadata"]["annotations"].objectValue?.isEmpty == true { _ = applied.removeValue(at: ["metadata", "annotations"]) }
        object.body.setValue(.string(GoJSON.encode(applied)), at: ["metadata", "annotations", lastAppliedAnnotation])
    }

    // MARK: Steps

    /// Drops from every manager (but `except`) the fields the write changed (conflicts unless
    /// `force`) or removed, and drops managers left with nothing.
    private static func settle(_ managers: inout ManagedFields, comparison: TypedMerge.Comparison, except: ManagerIdentity?,
                               force: Bool) throws(StructuredMergeError)
    {
        let changed = comparison.modified.union(comparison.added)
        var conflicts: [ManagerConflict] = []
        var updated = managers.entries
        // Managers in identifier order, each one's paths in structured-merge-diff's order.
        for identity in managers.entries.keys.sorted(by: { $0.identifier < $1.identifier }) where identity != except {
            let entry = managers.entries[identity]!
            var fields = entry.fields
            let conflicting = fields.intersection(changed)
            if !conflicting.isEmpty {
                for path in conflicting.paths { conflicts.append(ManagerConflict(manager: identity, path: path)) }
                fields = fields.subtracting(conflicting)
            }
            if !comparison.removed.isEmpty { fields = fields.subtracting(comparison.removed) }
            updated[identity]!.fields = fields
        }
        if !force, !conflicts.isEmpty {
            throw .applyConflict(conflicts)
        }
        managers.entries = updated.filter { !$0.value.fields.isEmpty }
    }

    private static func strip(_ managers: inout ManagedFields) {
        for (identity, entry) in managers.entries {
            let fields = entry.fields.subtracting(strippedFields)
            if fields.isEmpty {
                managers.entries[identity] = nil
            } else {
                managers.entries[identity]!.fields = fields
            }
        }
    }

    /// At most 10 Update managers: the oldest are merged into `ancient-changes`, as the server does.
    static let maxUpdateManagers = 10

    private static func capUpdateManagers(_ managers: inout ManagedFields) {
        let updates = managers.ordered.filter { $0.identity.operation == .update }
        guard updates.count > maxUpdateManagers else { return }
        // Oldest first; the first of each apiVersion seeds that version's bucket once a second one joins it.
        var length = updates.count
        var firstOfVersion: [String: ManagerIdentity] = [:]
        for entry in updates {
            guard length > maxUpdateManagers else { break }
            let bucket = ManagerIdentity(manager: "ancient-changes", operation: .update, apiVersion: entry.apiVersion)
            guard let first = firstOfVersion[entry.apiVersion] else {
                firstOfVersion[entry.apiVersion] = entry.identity
                continue
            }
            if managers.entries[bucket] == nil, let seed = managers.entries.removeValue(forKey: first) {
                managers.entries[bucket] = ManagedFields.Entry(identity: bucket, apiVersion: seed.apiVersion, time: seed.time, fields: seed.fields)
            }
            managers.entries[bucket]?.fields.formUnion(entry.fields)
            managers.entries[bucket]?.time = entry.time
            managers.entries[entry.identity] = nil
            length -= 1
        }
    }

    private static func isReset(_ sent: JSONValue) -> Bool {
        guard case .array(let items) = sent else { return false }
        if items.isEmpty { return true }
        if items.count == 1, case .object(let o) = items[0], o.isEmpty { return true }
        return false
    }

    private static func dropNulls(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let o):
            var out: [String: JSONValue] = [:]
            out.reserveCapacity(o.count)
            var changed = false
            for (k, v) in o {
                if v.isNull { changed = true; continue }
                let nv = dropNulls(v)
                if nv != v { changed = true }
                out[k] = nv
            }
            return changed ? .object(out) : value
        case .array(let a):
            var changed = false
            let out = a.map { v -> JSONValue in
                let nv = dropNulls(v)
                if nv != v { changed = true }
                return nv
            }
            return changed ? .array(out) : value
        default:
            return value
        }
    }

    /// `namespace/name; group/version, Kind=Kind` as the server prints an object in these messages.
    static func describe(_ object: KubeObject, _ gvk: GroupVersionKind) -> String {
        "\(object.metadata["namespace"].stringValue ?? "")/\(object.metadata["name"].stringValue ?? ""); \(gvk.group)/\(gvk.version), Kind=\(gvk.kind)"
    }

    /// How Go prints a schema TypeRef (a pointer and an empty inlined atom).
    static func typeRefText(_ seed: Int) -> String {
        let hex = String(0xc000_400_000 + seed * 0x10, radix: 16)
        return "{0x\(hex) {<nil> <nil> <nil>}}"
    }
}
