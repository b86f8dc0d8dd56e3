import Foundation
import KubernetesModel
import StructuredMerge

/// The typed schemas a cluster merges and validates with: the built-in kinds (shared by every
/// cluster, built once per process) plus the cluster's own CRD versions.
struct SchemaSet: Sendable {
    /// Built once from the bundled OpenAPI v2 definitions of the real server.
    static let builtin: SchemaCatalog? = try? SchemaCatalog(definitions: .object(OpenAPIDefinitions.builtin))

    /// Schema per custom group/version/kind, built when its CRD is established.
    var customTypes: [GroupVersionKind: ObjectType] = [:]
    /// The CRD's openAPIV3Schema per custom group/version/kind (validation, defaults, pruning).
    var customSchemas: [GroupVersionKind: JSONValue] = [:]

    func objectType(for type: ResourceType) -> ObjectType {
        if type.isCustom { return customTypes[type.groupVersionKind] ?? .deduced }
        return Self.builtin?.objectType(for: type.groupVersionKind) ?? .deduced
    }

    mutating func setCustom(_ gvk: GroupVersionKind, schema: JSONValue, preserveUnknownFields: Bool) {
        customSchemas[gvk] = schema
        customTypes[gvk] = Self.builtin?.customResourceType(openAPIV3Schema: schema.isNull ? nil : schema, preserveUnknownFields: preserveUnknownFields) ?? .deduced
    }

    mutating func removeCustom(group: String, kind: String) {
        customSchemas = customSchemas.filter { $0.key.group != group || $0.key.kind != kind }
        customTypes = customTypes.filter { $0.key.group != group || $0.key.kind != kind }
    }
}

/// Where LocalKube's writes meet StructuredMerge: the managed fields of create / update / patch,
/// server-side apply with ownership and conflicts, and the patch formats.
enum FieldManagement {
    /// Managed fields after a create (`old` nil), update or non-apply patch.
    static func update(old: JSONValue?, new: JSONValue, manager: String, type: ResourceType, subresource: String?, schemas: SchemaSet) throws(APIError) -> JSONValue {
        // As the server's skip-non-applied manager: an update of an object that has no managed
        // fields does not start tracking them (only creates and applies do).
        if let old, (old["metadata"]["managedFields"].arrayValue ?? []).isEmpty,
           (new["metadata"]["managedFields"].arrayValue ?? []).isEmpty {
            var result = new
            result.removeValue(at: ["metadata", "managedFields"])
            return result
        }
        do {
            return try FieldManager.update(
                old: old.map(KubeObject.init), new: KubeObject(new), manager: manager, type: schemas.objectType(for: type),
                kind: type.groupVersionKind, now: KubeTime.now(), subresource: subresource,
                ignoredFields: ignoredFields(type, subresource: subresource, object: new)
            ).body
        } catch {
            throw APIError(error.status)
        }
    }

    /// Server-side apply of `config` onto `live` (nil: create).
    static func apply(live: JSONValue?, config: JSONValue, manager: String, force: Bool, type: ResourceType, subresource: String?, schemas: SchemaSet) throws(APIError) -> JSONValue {
        do {
            return try FieldManager.apply(
                live: live.map(KubeObject.init), config: KubeObject(config), manager: manager, force: force,
                type: schemas.objectType(for: type), kind: type.groupVersionKind, now: KubeTime.now(), subresource: subresource,
                ignoredFields: ignoredFields(type, subresource: subresource, object: config)
            ).object.body
        } catch {
            throw APIError(error.status)
        }
    }

    /// What an endpoint resets: `status` on the main resource of a kind with a status subresource;
    /// everything but `status` (and metadata) on `/status`.
    static func ignoredFields(_ type: ResourceType, subresource: String?, object: JSONValue) -> FieldSet {
        if subresource == "status" {
            let keys = (object.objectValue?.keys).map(Array.init) ?? []
            return ResetFields.statusSubresource.union(FieldSet(keys.filter { !["status", "metadata", "apiVersion", "kind", "spec"].contains($0) }.map { FieldPath(fields: $0) }))
        }
        if type.hasStatusSubresource { return ResetFields.mainResourceWithStatus }
        return ResetFields.none
    }

    static func mergePatch(_ live: JSONValue, body: [UInt8]) throws(APIError) -> JSONValue {
        do { return try JSONMergePatch.apply(body: body, to: live) } catch { throw APIError(error.status) }
    }

    static func strategicMergePatch(_ live: JSONValue, body: [UInt8], type: ResourceType, schemas: SchemaSet) throws(APIError) -> JSONValue {
        do { return try StrategicMergePatch.apply(body: body, to: live, type: schemas.objectType(for: type)) } catch { throw APIError(error.status) }
    }

    static func jsonPatch(_ live: JSONValue, body: [UInt8]) throws(APIError) -> JSONValue {
        do { return try JSONPatch.apply(body: body, to: live) } catch { throw APIError(error.status) }
    }
}
