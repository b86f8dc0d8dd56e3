import KubernetesModel

/// Why a write could not be merged, with everything the API server puts in its `Status` answer:
/// HTTP code, reason, message and causes (`status`). The messages are the real server's (v1.24).
public struct StructuredMergeError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        /// Apply conflicts with other managers (409 Conflict, one FieldManagerConflict cause per field).
        case applyConflict
        /// The request itself is wrong (400 BadRequest): wrong apiVersion in an apply body, managedFields set, bad patch.
        case badRequest
        /// The object does not fit its schema where the server answers 500 (typed patch object, merge).
        case internalError
        /// The object fails validation (422 Invalid with causes).
        case invalid
        /// A JSON patch `test` failed or a path was not found (422 Invalid / 500, as the server answers).
        case unprocessable
        /// A `fieldsV1` trie that cannot be read.
        case invalidFieldsV1
    }

    let kind: Kind
    /// HTTP status code of the answer.
    public let code: Int
    /// The Status `reason` (empty for the server's plain 500 answers, which carry none).
    public let reason: String
    public let message: String
    public let causes: [KubeStatus.Cause]
    /// `details.name` / `details.kind` of an Invalid answer.
    public let detailsName: String?
    public let detailsKind: String?
    public let detailsGroup: String?
    /// The answer carries an empty `details` object (the server's generic 422 for a failed JSON patch).
    let emptyDetails: Bool
    /// What went wrong, for logs, where the answer itself says less (a failed JSON patch operation).
    public let detail: String?
    /// The conflicts of an apply conflict.
    let conflicts: [ManagerConflict]

    init(kind: Kind, code: Int, reason: String, message: String, causes: [KubeStatus.Cause] = [],
         detailsName: String? = nil, detailsKind: String? = nil, detailsGroup: String? = nil, emptyDetails: Bool = false, detail: String? = nil, conflicts: [ManagerConflict] = [])
    {
        self.detail = detail
        self.conflicts = conflicts
        self.emptyDetails = emptyDetails
        self.kind = kind
        self.code = code
        self.reason = reason
        self.message = message
        self.causes = causes
        self.detailsName = detailsName
        self.detailsKind = detailsKind
        self.detailsGroup = detailsGroup
    }

    /// True for a server-side apply conflict (409 with FieldManagerConflict causes).
    public var isApplyConflict: Bool { kind == .applyConflict }

    /// The Status the API server answers with.
    public var status: KubeStatus {
        var details: KubeStatus.Details?
        if !causes.isEmpty || detailsName != nil || detailsKind != nil || emptyDetails {
            details = KubeStatus.Details(name: detailsName, group: detailsGroup, kind: detailsKind, causes: causes)
        }
        return KubeStatus(message: message, reason: reason, code: code, details: details)
    }

    public var description: String { "\(code)\(reason.isEmpty ? "" : " \(reason)"): \(message)" }

    // MARK: Constructors

    static func badRequest(_ message: String) -> StructuredMergeError {
        StructuredMergeError(kind: .badRequest, code: 400, reason: "BadRequest", message: message)
    }

    /// A patch operation that cannot be applied: the server's generic 422 (the detail stays in `detail`).
    static func jsonPatchFailed(_ detail: String) -> StructuredMergeError {
        StructuredMergeError(kind: .unprocessable, code: 422, reason: "Invalid",
                             message: "the server rejected our request due to an error in our request", emptyDetails: true, detail: detail)
    }

    static func unprocessable(_ message: String, code: Int) -> StructuredMergeError {
        StructuredMergeError(kind: .unprocessable, code: code, reason: code == 422 ? "Invalid" : "", message: message)
    }

    static func internalError(_ message: String) -> StructuredMergeError {
        StructuredMergeError(kind: .internalError, code: 500, reason: "", message: message)
    }

    static func invalidFieldsV1(_ message: String) -> StructuredMergeError {
        StructuredMergeError(kind: .invalidFieldsV1, code: 500, reason: "", message: "failed to decode managed fields: \(message)")
    }

    /// A 422 Invalid for `Kind.group "name"`, one cause per field error (the server's
    /// `Kind.group "name" is invalid: field: message` / `[a, b]` form).
    public static func invalid(kind: String, group: String? = nil, name: String, causes: [KubeStatus.Cause]) -> StructuredMergeError {
        let qualified = (group?.isEmpty ?? true) ? kind : "\(kind).\(group!)"
        let parts = causes.map { cause -> String in
            let field = cause.field ?? ""
            return field.isEmpty ? (cause.message ?? "") : "\(field): \(cause.message ?? "")"
        }
        let list = parts.count == 1 ? parts[0] : "[" + parts.joined(separator: ", ") + "]"
        return StructuredMergeError(kind: .invalid, code: 422, reason: "Invalid", message: "\(qualified) \"\(name)\" is invalid: \(list)",
                                    causes: causes, detailsName: name, detailsKind: kind, detailsGroup: (group?.isEmpty ?? true) ? nil : group)
    }

    /// Apply conflicts, worded as the API server words them.
    static func applyConflict(_ conflicts: [ManagerConflict]) -> StructuredMergeError {
        let causes = conflicts.map {
            KubeStatus.Cause(reason: "FieldManagerConflict", message: "conflict with \($0.manager.printed)", field: $0.path.description)
        }
        let message: String
        if conflicts.count == 1 {
            message = "Apply failed with 1 conflict: conflict with \(conflicts[0].manager.printed): \(conflicts[0].path)"
        } else {
            var byManager: [String: (ManagerIdentity, [FieldPath])] = [:]
            for c in conflicts { byManager[c.manager.identifier, default: (c.manager, [])].1.append(c.path) }
            var lines: [String] = []
            for key in byManager.keys.sorted() {
                let (manager, paths) = byManager[key]!
                lines.append("conflicts with \(manager.printed):")
                for p in paths { lines.append("- \(p)") }
            }
            message = "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
        }
        return StructuredMergeError(kind: .applyConflict, code: 409, reason: "Conflict", message: message, causes: causes, conflicts: conflicts)
    }
}

/// One conflicting field: the path and the manager that owns it.
struct ManagerConflict: Sendable, Hashable {
    var manager: ManagerIdentity
    var path: FieldPath
}
