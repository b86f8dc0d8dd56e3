/// The API server's `Status` object (metav1.Status): the body of every error answer and of some
/// successful deletes.
public struct KubeStatus: Sendable, Hashable, CustomStringConvertible {
    /// One cause of a failure: for an apply conflict, a conflicting field and its manager.
    public struct Cause: Sendable, Hashable {
        public var reason: String?
        public var message: String?
        public var field: String?

        public init(reason: String?, message: String?, field: String?) {
            self.reason = reason
            self.message = message
            self.field = field
        }
    }

    public struct Details: Sendable, Hashable {
        public var name: String?
        public var group: String?
        public var kind: String?
        public var uid: String?
        public var causes: [Cause]
        public var retryAfterSeconds: Int?

        public init(name: String? = nil, group: String? = nil, kind: String? = nil, uid: String? = nil, causes: [Cause] = [], retryAfterSeconds: Int? = nil) {
            self.name = name
            self.group = group
            self.kind = kind
            self.uid = uid
            self.causes = causes
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    /// "Success" or "Failure".
    public var status: String
    public var message: String
    /// Machine-readable reason: NotFound, AlreadyExists, Conflict, Invalid, Gone, Expired, ...
    public var reason: String
    public var code: Int
    public var details: Details?

    public init(status: String = "Failure", message: String, reason: String, code: Int, details: Details? = nil) {
        self.status = status
        self.message = message
        self.reason = reason
        self.code = code
        self.details = details
    }

    /// Reads a Status body; nil when the value is not a Status.
    public init?(json: JSONValue) {
        guard json["kind"].stringValue == "Status" || (json["code"].intValue != nil && json["status"].stringValue != nil) else { return nil }
        status = json["status"].stringValue ?? ""
        message = json["message"].stringValue ?? ""
        reason = json["reason"].stringValue ?? ""
        code = Int(json["code"].intValue ?? 0)
        let d = json["details"]
        if case .object = d {
            let causes = (d["causes"].arrayValue ?? []).map {
                Cause(reason: $0["reason"].stringValue, message: $0["message"].stringValue, field: $0["field"].stringValue)
            }
            details = Details(name: d["name"].stringValue, group: d["group"].stringValue, kind: d["kind"].stringValue,
                              uid: d["uid"].stringValue, causes: causes, retryAfterSeconds: d["retryAfterSeconds"].intValue.map { Int($0) })
        }
    }

    /// The Status as the API server writes it.
    public var json: JSONValue {
        var o: JSONValue = ["kind": "Status", "apiVersion": "v1", "metadata": .emptyObject, "status": .string(status), "code": .int(Int64(code))]
        if !message.isEmpty { o["message"] = .string(message) }
        if !reason.isEmpty { o["reason"] = .string(reason) }
        if let details {
            var d: JSONValue = .emptyObject
            if let name = details.name { d["name"] = .string(name) }
            if let group = details.group { d["group"] = .string(group) }
            if let kind = details.kind { d["kind"] = .string(kind) }
            if let uid = details.uid { d["uid"] = .string(uid) }
            if !details.causes.isEmpty {
                d["causes"] = .array(details.causes.map { cause in
                    var c: JSONValue = .emptyObject
                    if let r = cause.reason { c["reason"] = .string(r) }
                    if let m = cause.message { c["message"] = .string(m) }
                    if let f = cause.field { c["field"] = .string(f) }
                    return c
                })
            }
            if let retry = details.retryAfterSeconds { d["retryAfterSeconds"] = .int(Int64(retry)) }
            o["details"] = d
        }
        return o
    }

    public var description: String { "\(code) \(reason): \(message)" }
}
