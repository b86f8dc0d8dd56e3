import KubernetesModel

/// Who owns a field set: the manager name, the operation, the apiVersion (part of an updater's
/// identity, not of an applier's) and the subresource — the API server's manager identifier.
public struct ManagerIdentity: Hashable, Sendable, CustomStringConvertible {
    public var manager: String
    public var operation: ManagedFieldsEntry.Operation
    /// The apiVersion of an Update manager (empty for Apply: an applier stays the same manager across versions).
    public var apiVersion: String
    public var subresource: String

    public init(manager: String, operation: ManagedFieldsEntry.Operation, apiVersion: String, subresource: String? = nil) {
        self.manager = manager
        self.operation = operation
        self.apiVersion = operation == .apply ? "" : apiVersion
        self.subresource = subresource ?? ""
    }

    /// The identifier the server keys managers by: the entry without fields and time, as Go JSON.
    public var identifier: String {
        var out = "{\"manager\":"
        GoJSON.writeString(manager, to: &out)
        out += ",\"operation\":"
        GoJSON.writeString(operation.rawValue, to: &out)
        if !apiVersion.isEmpty {
            out += ",\"apiVersion\":"
            GoJSON.writeString(apiVersion, to: &out)
        }
        if !subresource.isEmpty {
            out += ",\"subresource\":"
            GoJSON.writeString(subresource, to: &out)
        }
        return out + "}"
    }

    /// How a conflict message names the manager: `"one"`, `"kubectl-edit" using v1`,
    /// `"ctl" with subresource "status" using v1`.
    public var printed: String {
        var s = GoJSON.quote(manager)
        if !subresource.isEmpty { s += " with subresource \(GoJSON.quote(subresource))" }
        if operation == .update { s += " using \(apiVersion)" }
        return s
    }

    public var description: String { printed }
}
