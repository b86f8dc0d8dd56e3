/// What a request path (after the cluster prefix) names: a discovery document or a resource
/// collection / object / subresource.
enum APIPath: Sendable, Equatable {
    case version
    case health(String)
    case coreVersions                      // /api
    case groups                            // /apis
    case group(String)                     // /apis/G
    case groupVersion(group: String, version: String)  // /api/v1, /apis/G/V
    case openAPIV2
    case openAPIV3Root
    /// `/openapi/v3/api/v1`, `/openapi/v3/apis/G/V`: the group version's document.
    case openAPIV3(group: String, version: String)
    case resource(ResourcePath)
    case unknown

    struct ResourcePath: Sendable, Equatable {
        var group: String
        var version: String
        var namespace: String?
        var plural: String
        var name: String?
        var subresource: String?
    }

    init(_ path: String) {
        var segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if segments.last == "" { segments.removeLast() }
        guard let first = segments.first else { self = .unknown; return }
        switch first {
        case "version" where segments.count == 1: self = .version
        case "healthz", "readyz", "livez": self = .health(first)
        case "openapi":
            if segments == ["openapi", "v2"] {
                self = .openAPIV2
            } else if segments == ["openapi", "v3"] {
                self = .openAPIV3Root
            } else if segments.count == 4, segments[1] == "v3", segments[2] == "api" {
                self = .openAPIV3(group: "", version: segments[3])
            } else if segments.count == 5, segments[1] == "v3", segments[2] == "apis" {
                self = .openAPIV3(group: segments[3], version: segments[4])
            } else {
                self = .unknown
            }
        case "api":
            if segments.count == 1 { self = .coreVersions; return }
            self = Self.parseGroupVersion(group: "", version: segments[1], rest: Array(segments.dropFirst(2)))
        case "apis":
            if segments.count == 1 { self = .groups; return }
            if segments.count == 2 { self = .group(segments[1]); return }
            self = Self.parseGroupVersion(group: segments[1], version: segments[2], rest: Array(segments.dropFirst(3)))
        default: self = .unknown
        }
    }

    private static func parseGroupVersion(group: String, version: String, rest: [String]) -> APIPath {
        if rest.isEmpty { return .groupVersion(group: group, version: version) }
        var rest = rest[...]
        var namespace: String?
        // namespaces/NS/RESOURCE... names a namespaced resource; namespaces/NAME[/status|finalize] the namespace itself.
        if group.isEmpty, rest.first == "namespaces", rest.count >= 3, !["status", "finalize"].contains(rest[rest.startIndex + 2]) {
            namespace = rest[rest.startIndex + 1]
            rest = rest.dropFirst(2)
        } else if rest.first == "namespaces", !group.isEmpty, rest.count >= 3 {
            namespace = rest[rest.startIndex + 1]
            rest = rest.dropFirst(2)
        }
        guard let plural = rest.first, rest.count <= 3 else { return .unknown }
        let items = Array(rest)
        return .resource(ResourcePath(group: group, version: version, namespace: namespace, plural: plural,
                                      name: items.count > 1 ? items[1] : nil, subresource: items.count > 2 ? items[2] : nil))
    }
}
