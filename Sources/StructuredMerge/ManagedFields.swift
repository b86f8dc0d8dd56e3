import Foundation
import KubernetesModel

/// The decoded `metadata.managedFields` of an object: one field set per manager identity, with
/// the apiVersion and time of its last write, in the order the server writes them.
public struct ManagedFields: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var identity: ManagerIdentity
        /// The apiVersion the fields are expressed in.
        public var apiVersion: String
        public var time: String?
        public var fields: FieldSet

        public init(identity: ManagerIdentity, apiVersion: String, time: String?, fields: FieldSet) {
            self.identity = identity
            self.apiVersion = apiVersion
            self.time = time
            self.fields = fields
        }
    }

    public var entries: [ManagerIdentity: Entry]

    public init(entries: [ManagerIdentity: Entry] = [:]) { self.entries = entries }

    /// Reads `metadata.managedFields` (a missing or null list is empty).
    public init(json: JSONValue) throws(StructuredMergeError) {
        entries = [:]
        guard case .array(let items) = json else {
            if json.isNull { return }
            throw .invalidFieldsV1("managedFields: expected a list, got \(json.typeName)")
        }
        for item in items {
            guard let entry = ManagedFieldsEntry(json: item) else {
                throw .invalidFieldsV1("managedFields: an entry without manager or operation")
            }
            if let type = item["fieldsType"].stringValue, type != "FieldsV1" {
                throw .invalidFieldsV1("invalid fieldsType \"\(type)\"")
            }
            let identity = ManagerIdentity(manager: entry.manager, operation: entry.operation, apiVersion: entry.apiVersion,
                                           subresource: entry.subresource)
            let fields = try FieldSet(fieldsV1: entry.fieldsV1)
            entries[identity] = Entry(identity: identity, apiVersion: entry.apiVersion, time: entry.time, fields: fields)
        }
    }

    /// The object's managedFields; an unreadable list counts as empty (as the server treats it).
    public init(of object: KubeObject) {
        self = (try? ManagedFields(json: object.metadata["managedFields"])) ?? ManagedFields()
    }

    /// The entries in the server's order: operation, time (whole seconds), manager, apiVersion, subresource.
    public var ordered: [Entry] {
        entries.values.sorted { p, q in
            if p.identity.operation != q.identity.operation { return p.identity.operation.rawValue < q.identity.operation.rawValue }
            let pt = Self.seconds(p.time), qt = Self.seconds(q.time)
            if pt != qt { return pt < qt }
            if p.identity.manager != q.identity.manager { return p.identity.manager < q.identity.manager }
            if p.apiVersion != q.apiVersion { return p.apiVersion < q.apiVersion }
            return p.identity.subresource < q.identity.subresource
        }
    }

    /// An RFC 3339 time cut to whole seconds (comparable as text once normalised to UTC `Z`).
    private static func seconds(_ time: String?) -> String {
        guard let time else { return "" }
        if time.utf8.count == 20, time.utf8.last == UInt8(ascii: "Z") { return time }
        if let date = KubeTime.parse(time) { return KubeTime.format(date) }
        return time
    }

    /// `metadata.managedFields` as the server writes it (nil when there is no entry).
    public var json: JSONValue? {
        let list = ordered.filter { !$0.fields.isEmpty }
        if list.isEmpty { return nil }
        return .array(list.map { entry in
            ManagedFieldsEntry(manager: entry.identity.manager, operation: entry.identity.operation, apiVersion: entry.apiVersion,
                               time: entry.time, fieldsV1: entry.fields.fieldsV1,
                               subresource: entry.identity.subresource.isEmpty ? nil : entry.identity.subresource).json
        })
    }

    /// `object` with these managedFields (removed when empty).
    public func encoded(into object: KubeObject) -> KubeObject {
        var result = object
        if let json {
            result.body.setValue(json, at: ["metadata", "managedFields"])
        } else {
            _ = result.body.removeValue(at: ["metadata", "managedFields"])
        }
        return result
    }
}
