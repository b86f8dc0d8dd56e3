/// An unstructured Kubernetes object: any kind, held as JSON, with typed access to the
/// metadata every object has.
public struct KubeObject: Sendable, Hashable {
    public var body: JSONValue

    public init(_ body: JSONValue) { self.body = body }

    public init(apiVersion: String, kind: String, name: String, namespace: String? = nil) {
        var metadata: JSONValue = ["name": .string(name)]
        if let namespace { metadata["namespace"] = .string(namespace) }
        body = ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": metadata]
    }

    public subscript(key: String) -> JSONValue {
        get { body[key] }
        set { body[key] = newValue }
    }

    // MARK: Type

    public var apiVersion: String {
        get { body["apiVersion"].stringValue ?? "" }
        set { body["apiVersion"] = .string(newValue) }
    }

    public var kind: String {
        get { body["kind"].stringValue ?? "" }
        set { body["kind"] = .string(newValue) }
    }

    public var groupVersionKind: GroupVersionKind { GroupVersionKind(apiVersion: apiVersion, kind: kind) }

    // MARK: Metadata

    public var metadata: JSONValue {
        get { body["metadata"] }
        set { body["metadata"] = newValue }
    }

    public var name: String {
        get { metadata["name"].stringValue ?? "" }
        set { body.setValue(.string(newValue), at: ["metadata", "name"]) }
    }

    /// The namespace, nil when unset or empty.
    public var namespace: String? {
        get {
            guard let ns = metadata["namespace"].stringValue, !ns.isEmpty else { return nil }
            return ns
        }
        set {
            if let newValue { body.setValue(.string(newValue), at: ["metadata", "namespace"]) } else { body.removeValue(at: ["metadata", "namespace"]) }
        }
    }

    public var generateName: String? { metadata["generateName"].stringValue }

    public var uid: String? {
        get { metadata["uid"].stringValue }
        set { setMetadata("uid", newValue.map(JSONValue.string)) }
    }

    public var resourceVersion: String? {
        get { metadata["resourceVersion"].stringValue }
        set { setMetadata("resourceVersion", newValue.map(JSONValue.string)) }
    }

    public var generation: Int64? {
        get { metadata["generation"].intValue }
        set { setMetadata("generation", newValue.map(JSONValue.int)) }
    }

    public var creationTimestamp: String? { metadata["creationTimestamp"].stringValue }

    public var deletionTimestamp: String? {
        get { metadata["deletionTimestamp"].stringValue }
        set { setMetadata("deletionTimestamp", newValue.map(JSONValue.string)) }
    }

    public var labels: [String: String] {
        get { Self.stringMap(metadata["labels"]) }
        set { setMetadata("labels", newValue.isEmpty ? nil : .object(newValue.mapValues(JSONValue.string))) }
    }

    public var annotations: [String: String] {
        get { Self.stringMap(metadata["annotations"]) }
        set { setMetadata("annotations", newValue.isEmpty ? nil : .object(newValue.mapValues(JSONValue.string))) }
    }

    public var finalizers: [String] {
        get { metadata["finalizers"].arrayValue?.compactMap(\.stringValue) ?? [] }
        set { setMetadata("finalizers", newValue.isEmpty ? nil : .array(newValue.map(JSONValue.string))) }
    }

    public var ownerReferences: [OwnerReference] {
        (metadata["ownerReferences"].arrayValue ?? []).compactMap(OwnerReference.init(json:))
    }

    public var managedFields: [ManagedFieldsEntry] {
        get { (metadata["managedFields"].arrayValue ?? []).compactMap(ManagedFieldsEntry.init(json:)) }
        set { setMetadata("managedFields", newValue.isEmpty ? nil : .array(newValue.map(\.json))) }
    }

    public var spec: JSONValue { body["spec"] }
    public var status: JSONValue { body["status"] }

    /// Identity of the object for logs, inventories and errors.
    public var reference: ObjectReference {
        ObjectReference(groupKind: groupVersionKind.groupKind, namespace: namespace, name: name)
    }

    private mutating func setMetadata(_ key: String, _ value: JSONValue?) {
        if let value { body.setValue(value, at: ["metadata", key]) } else { body.removeValue(at: ["metadata", key]) }
    }

    private static func stringMap(_ value: JSONValue) -> [String: String] {
        guard case .object(let o) = value else { return [:] }
        var result: [String: String] = [:]
        for (k, v) in o { if let s = v.stringValue { result[k] = s } }
        return result
    }
}

/// An object's identity without version: kind and group, namespace, name.
public struct ObjectReference: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var groupKind: GroupKind
    public var namespace: String?
    public var name: String

    public init(groupKind: GroupKind, namespace: String?, name: String) {
        self.groupKind = groupKind
        self.namespace = (namespace?.isEmpty ?? true) ? nil : namespace
        self.name = name
    }

    /// "Deployment.apps kube-system/coredns", "Namespace ingress".
    public var description: String {
        if let namespace { return "\(groupKind) \(namespace)/\(name)" }
        return "\(groupKind) \(name)"
    }

    public static func < (lhs: ObjectReference, rhs: ObjectReference) -> Bool {
        (lhs.groupKind.description, lhs.namespace ?? "", lhs.name) < (rhs.groupKind.description, rhs.namespace ?? "", rhs.name)
    }
}

public struct OwnerReference: Hashable, Sendable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    public var uid: String
    public var controller: Bool
    public var blockOwnerDeletion: Bool

    public init(apiVersion: String, kind: String, name: String, uid: String, controller: Bool = false, blockOwnerDeletion: Bool = false) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }

    public init?(json: JSONValue) {
        guard let apiVersion = json["apiVersion"].stringValue, let kind = json["kind"].stringValue,
            let name = json["name"].stringValue, let uid = json["uid"].stringValue
        else { return nil }
        self.init(apiVersion: apiVersion, kind: kind, name: name, uid: uid,
                  controller: json["controller"].boolValue ?? false, blockOwnerDeletion: json["blockOwnerDeletion"].boolValue ?? false)
    }

    public var json: JSONValue {
        var o: JSONValue = ["apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(name), "uid": .string(uid)]
        if controller { o["controller"] = true }
        if blockOwnerDeletion { o["blockOwnerDeletion"] = true }
        return o
    }
}

/// One entry of `metadata.managedFields`: which manager owns which fields, through which operation.
public struct ManagedFieldsEntry: Hashable, Sendable {
    public enum Operation: String, Sendable { case apply = "Apply", update = "Update" }

    public var manager: String
    public var operation: Operation
    public var apiVersion: String
    public var time: String?
    /// The `fieldsV1` trie (`f:`, `k:`, `v:`, `i:`, `.` keys).
    public var fieldsV1: JSONValue
    public var subresource: String?

    public init(manager: String, operation: Operation, apiVersion: String, time: String?, fieldsV1: JSONValue, subresource: String? = nil) {
        self.manager = manager
        self.operation = operation
        self.apiVersion = apiVersion
        self.time = time
        self.fieldsV1 = fieldsV1
        self.subresource = subresource
    }

    public init?(json: JSONValue) {
        guard let manager = json["manager"].stringValue,
            let op = json["operation"].stringValue.flatMap(Operation.init(rawValue:))
        else { return nil }
        self.init(manager: manager, operation: op, apiVersion: json["apiVersion"].stringValue ?? "",
                  time: json["time"].stringValue, fieldsV1: json["fieldsV1"], subresource: json["subresource"].stringValue)
    }

    public var json: JSONValue {
        var o: JSONValue = ["manager": .string(manager), "operation": .string(operation.rawValue), "apiVersion": .string(apiVersion), "fieldsType": "FieldsV1"]
        if let time { o["time"] = .string(time) }
        if !fieldsV1.isNull { o["fieldsV1"] = fieldsV1 }
        if let subresource { o["subresource"] = .string(subresource) }
        return o
    }
}
