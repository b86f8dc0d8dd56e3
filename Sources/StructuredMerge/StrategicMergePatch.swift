import KubernetesModel

/// Strategic merge patch (`application/strategic-merge-patch+json`), as the API server applies it
/// to built-in kinds: lists whose field says `x-kubernetes-patch-strategy: merge` merge by their
/// `x-kubernetes-patch-merge-key` (lists of scalars merge as sets), other lists are replaced;
/// `null` deletes; `$patch: replace | delete | merge` on maps and list items,
/// `$deleteFromPrimitiveList/<field>`, `$retainKeys` and `$setElementOrder/<field>` are honoured.
/// Patched items come first unless the live order says otherwise, as the server orders them.
public enum StrategicMergePatch {
    public static func apply(body: some Collection<UInt8>, to target: JSONValue, type: ObjectType) throws(StructuredMergeError) -> JSONValue {
        let patch: JSONValue
        do { patch = try JSONValue.parse(body) } catch { throw .badRequest("\(error)") }
        return try apply(patch, to: target, type: type)
    }

    public static func apply(_ patch: JSONValue, to target: JSONValue, type: ObjectType) throws(StructuredMergeError) -> JSONValue {
        guard case .object(let p) = patch else {
            throw .badRequest("json: cannot unmarshal \(JSONMergePatch.goKind(patch)) into Go value of type map[string]interface {}")
        }
        do {
            guard case .object(let t) = target else { return try clean(patch) }
            return .object(try mergeMap(t, p, type.root, schema: type.schema))
        } catch {
            throw .badRequest(error.message)
        }
    }

    struct Failure: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    static let directive = "$patch"
    static let retainKeys = "$retainKeys"
    static let deleteFromPrimitiveList = "$deleteFromPrimitiveList/"
    static let setElementOrder = "$setElementOrder/"

    private static func mergeMap(_ original: [String: JSONValue], _ patch: [String: JSONValue], _ type: Int,
                                 schema: TypeSchema) throws(Failure) -> [String: JSONValue]
    {
        var original = original
        var patch = patch
        if let d = patch.removeValue(forKey: directive) {
            switch d.stringValue {
            case "replace"?: return try cleanMap(patch)
            case "delete"?: return [:]
            case "merge"?: break
            default: throw Failure("Unknown patch type: \(d.stringValue ?? d.jsonString())")
            }
        }
        if let retain = patch.removeValue(forKey: retainKeys) {
            guard case .array(let keys) = retain else { throw Failure("invalid patch: $retainKeys must be a list") }
            let keep = Set(keys.compactMap(\.stringValue))
            original = original.filter { keep.contains($0.key) }
        }
        let node = schema[type]
        let map = node.map
        for key in patch.keys where key.hasPrefix(setElementOrder) { patch[key] = nil }
        for key in Array(patch.keys) where key.hasPrefix(deleteFromPrimitiveList) {
            let field = String(key.dropFirst(deleteFromPrimitiveList.count))
            guard case .array(let toDelete) = patch.removeValue(forKey: key)! else {
                throw Failure("invalid patch: \(key) must be a list")
            }
            if case .array(let items) = original[field] {
                original[field] = .array(items.filter { !toDelete.contains($0) })
            }
        }
        for (key, patchValue) in patch {
            if patchValue.isNull {
                original[key] = nil
                continue
            }
            guard let originalValue = original[key] else {
                original[key] = try clean(patchValue)
                continue
            }
            let fieldType = map.flatMap { $0.fields[key] ?? $0.elementType } ?? TypeSchema.deduced
            let info = map?.patch[key]
            switch (originalValue, patchValue) {
            case (.object(let o), .object(let p)):
                if info?.replaces == true {
                    original[key] = try clean(patchValue)
                } else {
                    original[key] = .object(try mergeMap(o, p, fieldType, schema: schema))
                }
            case (.array(let o), .array(let p)):
                if info?.merges == true {
                    let elementType = schema[fieldType].list?.elementType ?? TypeSchema.deduced
                    original[key] = .array(try mergeList(o, p, mergeKey: info?.mergeKey, order: orderFor(key, in: patch),
                                                         elementType: elementType, schema: schema))
                } else {
                    original[key] = try clean(patchValue)
                }
            default:
                original[key] = try clean(patchValue)
            }
        }
        return original
    }

    private static func orderFor(_ key: String, in patch: [String: JSONValue]) -> [JSONValue]? {
        patch[setElementOrder + key]?.arrayValue
    }

    private static func mergeList(_ original: [JSONValue], _ patch: [JSONValue], mergeKey: String?, order: [JSONValue]?,
                                  elementType: Int, schema: TypeSchema) throws(Failure) -> [JSONValue]
    {
        if original.isEmpty && patch.isEmpty { return original }
        let isMapList = patch.contains { if case .object = $0 { return true } else { return false } }
            || (patch.isEmpty && original.contains { if case .object = $0 { return true } else { return false } })
        var merged: [JSONValue]
        var patchItems = patch
        if !isMapList {
            merged = []
            var seen = Set<JSONValue>()
            for item in original + patch where seen.insert(item).inserted { merged.append(item) }
        } else {
            guard let mergeKey else { throw Failure("cannot merge lists without merge key") }
            var base = original
            var plain: [JSONValue] = []
            for item in patch {
                guard case .object(let o) = item, let d = o[directive] else {
                    plain.append(item)
                    continue
                }
                switch d.stringValue {
                case "replace"?:
                    return try patch.filter { $0[directive].isNull }.map { (v: JSONValue) throws(Failure) in try clean(v) }
                case "delete"?:
                    guard let keyValue = o[mergeKey] else { throw Failure("delete patch type with no merge key defined") }
                    base.removeAll { $0[mergeKey] == keyValue }
                case "merge"?:
                    throw Failure("merging lists cannot yet be specified in the patch")
                default:
                    throw Failure("Unknown patch type: \(d.stringValue ?? d.jsonString())")
                }
            }
            patchItems = plain
            merged = base
            for item in plain {
                guard case .object(let p) = item else { throw Failure("cannot merge a non-map item into a list of maps") }
                let keyValue = p[mergeKey] ?? .null
                if let i = merged.firstIndex(where: { $0[mergeKey] == keyValue }), case .object(let o) = merged[i] {
                    merged[i] = .object(try mergeMap(o, p, elementType, schema: schema))
                } else {
                    merged.append(try clean(item))
                }
            }
        }
        // The server's order: patched items in patch order, live-only items in live order, interleaved by live position.
        func identity(_ v: JSONValue) -> JSONValue { mergeKey.map { v[$0] } ?? v }
        let patchOrder = (order ?? patchItems).map(identity)
        let patchSet = Set(patchItems.map(identity))
        var serverIndex: [JSONValue: Int] = [:]
        for (i, item) in original.enumerated() where serverIndex[identity(item)] == nil { serverIndex[identity(item)] = i }
        var patchPosition: [JSONValue: Int] = [:]
        for (i, k) in patchOrder.enumerated() where patchPosition[k] == nil { patchPosition[k] = i }
        let fromPatch = merged.filter { patchSet.contains(identity($0)) }
            .sorted { (patchPosition[identity($0)] ?? Int.max) < (patchPosition[identity($1)] ?? Int.max) }
        let serverOnly = merged.filter { !patchSet.contains(identity($0)) }
        var out: [JSONValue] = []
        out.reserveCapacity(merged.count)
        var i = 0, j = 0
        while i < serverOnly.count || j < fromPatch.count {
            if j >= fromPatch.count {
                out.append(serverOnly[i]); i += 1
            } else if i >= serverOnly.count {
                out.append(fromPatch[j]); j += 1
            } else if let li = serverIndex[identity(serverOnly[i])], let ri = serverIndex[identity(fromPatch[j])], li < ri {
                out.append(serverOnly[i]); i += 1
            } else {
                out.append(fromPatch[j]); j += 1
            }
        }
        return out
    }

    /// A patch value taken as is: directives and nulls removed.
    private static func clean(_ value: JSONValue) throws(Failure) -> JSONValue {
        switch value {
        case .object(let o): return .object(try cleanMap(o))
        case .array(let a):
            var out: [JSONValue] = []
            for item in a {
                if case .object(let o) = item, o[directive] != nil, o.count == 1 { continue }
                out.append(try clean(item))
            }
            return .array(out)
        default: return value
        }
    }

    private static func cleanMap(_ o: [String: JSONValue]) throws(Failure) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for (k, v) in o where !v.isNull && k != directive && k != retainKeys && !k.hasPrefix(setElementOrder) && !k.hasPrefix(deleteFromPrimitiveList) {
            out[k] = try clean(v)
        }
        return out
    }
}
