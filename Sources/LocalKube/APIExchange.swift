import KubernetesModel

/// One HTTP request as a cluster sees it, independent of the HTTP server library.
struct APIRequest: Sendable {
    var method: String
    /// The path after the cluster's base path (`/api/v1/namespaces`).
    var path: String
    var query: [String: String]
    var contentType: String?
    var accept: String?
    var userAgent: String?
    var body: [UInt8]
    /// Who sent it (the user its bearer token stands for; once handled, whom it impersonates).
    var user: UserInfo = .clusterAdmin
    /// Whom it asks to act as (`Impersonate-*` headers), if anyone.
    var impersonation: ImpersonationRequest?

    var queryFlag: (String) -> Bool {
        { key in
            guard let v = query[key] else { return false }
            return v == "1" || v == "true" || v.isEmpty
        }
    }
}

/// The answer a cluster gives.
struct APIResponse: Sendable {
    enum Body: Sendable {
        case bytes([UInt8])
        /// A watch: newline-delimited JSON events until the stream finishes.
        case stream(AsyncStream<[UInt8]>)
        /// Close the connection without answering (an unreachable cluster).
        case dropConnection
    }

    var status: Int
    var contentType: String
    var headers: [(String, String)]
    var body: Body

    init(status: Int, contentType: String = "application/json", headers: [(String, String)] = [], body: Body) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    static func json(_ value: JSONValue, status: Int = 200) -> APIResponse {
        APIResponse(status: status, body: .bytes(value.serialized()))
    }

    static func error(_ error: APIError) -> APIResponse {
        if let text = error.plainText {
            return APIResponse(status: error.status.code, contentType: "text/plain; charset=utf-8", headers: error.headers, body: .bytes(Array(text.utf8)))
        }
        return APIResponse(status: error.status.code, headers: error.headers, body: .bytes(error.status.json.serialized()))
    }
}
