import KubernetesModel

/// A webhook's `clientConfig` as the server checks it (v1.24, apiserver's `webhook` package):
/// exactly one of `url` and `service`; a URL with scheme `https`, a host, and no user
/// information, fragment or query (each reported with the part the server parsed out, in its
/// order); a service with a name, a namespace, a port number, and a path of DNS subdomain
/// segments. The URL is split as Go's `url.Parse` splits it; its parse errors (bad escapes)
/// are not reproduced.
enum WebhookClientConfigValidation {
    static func errors(_ config: JSONValue, at path: String) -> FieldErrors {
        var errors = FieldErrors()
        let url = config["url"].stringValue, service = config["service"]
        switch (url, service.isNull) {
        case (nil, true), (.some, false):
            errors.required(path, "exactly one of url or service is required")
        case (.some(let url), true):
            urlErrors(url, at: "\(path).url", into: &errors)
        case (nil, false):
            serviceErrors(service, at: "\(path).service", into: &errors)
        }
        return errors
    }

    private static func urlErrors(_ text: String, at path: String, into errors: inout FieldErrors) {
        let form = "; desired format: https://host[/path]"
        let url = GoURL(text)
        if url.scheme != "https" { errors.invalid(path, .string(url.scheme), "'https' is the only allowed URL scheme" + form) }
        if url.host.isEmpty { errors.invalid(path, .string(url.host), "host must be specified" + form) }
        if let user = url.user { errors.invalid(path, .string(user), "user information is not permitted in the URL") }
        if !url.fragment.isEmpty { errors.invalid(path, .string(url.fragment), "fragments are not permitted in the URL") }
        if !url.query.isEmpty { errors.invalid(path, .string(url.query), "query parameters are not permitted in the URL") }
    }

    private static func serviceErrors(_ service: JSONValue, at path: String, into errors: inout FieldErrors) {
        if (service["name"].stringValue ?? "").isEmpty { errors.required("\(path).name") }
        if (service["namespace"].stringValue ?? "").isEmpty { errors.required("\(path).namespace") }
        // Defaulted to 443 when absent.
        let port = service["port"].intValue ?? 443
        if !(1...65535).contains(port) { errors.invalid("\(path).port", .int(port), "port is not valid: must be between 1 and 65535, inclusive") }
        guard let urlPath = service["path"].stringValue, !urlPath.isEmpty, urlPath != "/" else { return }
        if urlPath == "//" {
            errors.invalid("\(path).path", .string(urlPath), "segment[0] may not be empty")
            return
        }
        if !urlPath.hasPrefix("/") { errors.invalid("\(path).path", .string(urlPath), "must start with a '/'") }
        var rest = Substring(urlPath).dropFirst()
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        for (i, step) in rest.split(separator: "/", omittingEmptySubsequences: false).enumerated() {
            guard !step.isEmpty else {
                errors.invalid("\(path).path", .string(urlPath), "segment[\(i)] may not be empty")
                continue
            }
            for failure in ObjectValidation.subdomainErrors(String(step)) ?? [] {
                errors.invalid("\(path).path", .string(urlPath), "segment[\(i)]: \(failure)")
            }
        }
    }

    /// The parts of a URL the checks read, split as Go's `url.Parse` does: the fragment first,
    /// then a scheme (a letter, then letters, digits, `+`, `-`, `.`, before a colon; lowercased),
    /// the query, and an authority after `//` (with a scheme, or at the start) whose user
    /// information ends at its last `@`.
    struct GoURL {
        var scheme = "", host = "", query = "", fragment = ""
        var user: String?

        init(_ text: String) {
            var rest = Substring(text)
            if let hash = rest.firstIndex(of: "#") {
                fragment = String(rest[rest.index(after: hash)...])
                rest = rest[..<hash]
            }
            if let colon = rest.firstIndex(of: ":"), colon != rest.startIndex {
                let candidate = rest[..<colon]
                let first = candidate.first!
                if first.isASCII, first.isLetter, candidate.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) {
                    scheme = candidate.lowercased()
                    rest = rest[rest.index(after: colon)...]
                }
            }
            if let question = rest.firstIndex(of: "?") {
                query = String(rest[rest.index(after: question)...])
                rest = rest[..<question]
            }
            guard rest.hasPrefix("//") else { return }
            let afterSlashes = rest.dropFirst(2)
            let authority = afterSlashes[..<(afterSlashes.firstIndex(of: "/") ?? afterSlashes.endIndex)]
            if let at = authority.lastIndex(of: "@") {
                user = String(authority[..<at])
                host = String(authority[authority.index(after: at)...])
            } else {
                host = String(authority)
            }
        }
    }
}
