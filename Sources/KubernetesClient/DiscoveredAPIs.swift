import KubernetesModel

/// What discovery found on a server: its groups (versions in order of preference) and every
/// resource of every group version that answered. Answers kind → resource and kubectl-style
/// names ("deploy", "deployments.apps", "Deployment") → resources.
public struct DiscoveredAPIs: Sendable, Equatable {
    public struct Group: Sendable, Hashable {
        /// "" for the core group.
        public var name: String
        /// Versions, the preferred one first.
        public var versions: [String]
        public init(name: String, versions: [String]) {
            self.name = name
            self.versions = versions
        }
        public var preferredVersion: String? { versions.first }
    }

    /// Groups in the server's order (core first).
    public private(set) var groups: [Group]
    /// Every resource (subresources are in `APIResource.subresources`, not here).
    public private(set) var resources: [APIResource]
    /// Group versions whose discovery failed (an unavailable aggregated API), with the reason.
    /// Their kinds are unknown; everything else works.
    public private(set) var failedGroupVersions: [GroupVersion: String]
    private var byKind: [GroupVersionKind: APIResource]

    public init(groups: [Group] = [], resources: [APIResource] = [], failedGroupVersions: [GroupVersion: String] = [:]) {
        self.groups = groups
        self.resources = []
        self.failedGroupVersions = failedGroupVersions
        self.byKind = [:]
        for resource in resources { add(resource) }
    }

    mutating func add(_ resource: APIResource) {
        resources.append(resource)
        let gvk = resource.groupVersionKind
        if byKind[gvk] == nil { byKind[gvk] = resource }
    }

    mutating func addGroup(_ group: Group) { groups.append(group) }

    mutating func markFailed(_ groupVersion: GroupVersion, reason: String) { failedGroupVersions[groupVersion] = reason }

    /// The resource serving a kind in a group version, or nil.
    public func resource(for kind: GroupVersionKind) -> APIResource? { byKind[kind] }

    /// The preferred version of a group (nil when the group is unknown).
    public func preferredVersion(of group: String) -> String? {
        groups.first { $0.name == group }?.preferredVersion
    }

    /// Resolves a name as kubectl accepts it: plural (`deployments`), singular (`deployment`),
    /// short name (`deploy`), Kind (`Deployment`), any of those qualified by group
    /// (`deployments.apps`) or version and group (`deployments.v1.apps`). Returns the matches
    /// in preferred versions, the best first (core group first, then the server's group order).
    public func resources(matching text: String) -> [APIResource] {
        let lowered = text.lowercased()
        var candidates: [(name: String, version: String?, group: String?)] = [(lowered, nil, nil)]
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.count >= 2 {
            candidates.append((parts[0], nil, parts.dropFirst().joined(separator: ".")))
        }
        if parts.count >= 3 {
            candidates.append((parts[0], parts[1], parts.dropFirst(2).joined(separator: ".")))
        }
        for candidate in candidates {
            var matches: [APIResource] = []
            for group in groups {
                if let g = candidate.group, g != group.name { continue }
                let versions = candidate.version.map { [$0] } ?? Array(group.versions.prefix(1))
                for version in versions {
                    let gv = GroupVersion(group: group.name, version: version)
                    for resource in resources where resource.groupVersion == gv && Self.names(resource).contains(candidate.name) {
                        matches.append(resource)
                    }
                }
            }
            if candidate.group == nil, candidate.version == nil, matches.isEmpty {
                // A kind served only by a non-preferred version.
                matches = resources.filter { Self.names($0).contains(candidate.name) }
            }
            if !matches.isEmpty { return matches }
        }
        return []
    }

    private static func names(_ resource: APIResource) -> Set<String> {
        var names: Set<String> = [resource.name.lowercased(), resource.kind.lowercased()]
        if !resource.singularName.isEmpty { names.insert(resource.singularName.lowercased()) }
        for short in resource.shortNames { names.insert(short.lowercased()) }
        return names
    }
}

// MARK: - Documents

extension DiscoveredAPIs {
    /// The Accept header asking for aggregated discovery (v2, then v2beta1, then plain JSON).
    public static let aggregatedAccept =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"

    /// Whether a body is an aggregated discovery document (APIGroupDiscoveryList).
    public static func isAggregated(_ json: JSONValue) -> Bool {
        json["kind"].stringValue == "APIGroupDiscoveryList"
    }

    /// `/api` (APIVersions): the core group's versions.
    public static func parseAPIVersions(_ json: JSONValue) -> Group {
        Group(name: "", versions: (json["versions"].arrayValue ?? []).compactMap(\.stringValue))
    }

    /// `/apis` (APIGroupList): each group with its versions, preferred first.
    public static func parseGroupList(_ json: JSONValue) -> [Group] {
        (json["groups"].arrayValue ?? []).compactMap { group in
            guard let name = group["name"].stringValue else { return nil }
            var versions = (group["versions"].arrayValue ?? []).compactMap { $0["version"].stringValue }
            if let preferred = group["preferredVersion"]["version"].stringValue, let index = versions.firstIndex(of: preferred) {
                versions.remove(at: index)
                versions.insert(preferred, at: 0)
            }
            return Group(name: name, versions: versions)
        }
    }

    /// `/api/v1`, `/apis/G/V` (APIResourceList): the resources, subresources folded in.
    public static func parseResourceList(_ json: JSONValue, groupVersion fallback: GroupVersion? = nil) -> [APIResource] {
        let gv = json["groupVersion"].stringValue.map(GroupVersion.init(apiVersion:)) ?? fallback ?? GroupVersion(group: "", version: "v1")
        var resources: [String: APIResource] = [:]
        var order: [String] = []
        var subresources: [(String, String)] = []
        for entry in json["resources"].arrayValue ?? [] {
            guard let name = entry["name"].stringValue else { continue }
            if let slash = name.firstIndex(of: "/") {
                subresources.append((String(name[..<slash]), String(name[name.index(after: slash)...])))
                continue
            }
            let resourceGV: GroupVersion
            if let group = entry["group"].stringValue, let version = entry["version"].stringValue, !version.isEmpty {
                resourceGV = GroupVersion(group: group, version: version)
            } else {
                resourceGV = gv
            }
            resources[name] = APIResource(
                groupVersion: resourceGV, name: name, singularName: entry["singularName"].stringValue ?? "",
                kind: entry["kind"].stringValue ?? "", namespaced: entry["namespaced"].boolValue ?? false,
                verbs: Set((entry["verbs"].arrayValue ?? []).compactMap(\.stringValue)),
                shortNames: (entry["shortNames"].arrayValue ?? []).compactMap(\.stringValue),
                categories: (entry["categories"].arrayValue ?? []).compactMap(\.stringValue))
            order.append(name)
        }
        for (parent, sub) in subresources { resources[parent]?.subresources.insert(sub) }
        return order.compactMap { resources[$0] }
    }

    /// An aggregated discovery document (APIGroupDiscoveryList, v2 or v2beta1): groups with their
    /// versions (preferred first), resources, and the group versions marked `Stale`.
    public static func parseAggregated(_ json: JSONValue) -> DiscoveredAPIs {
        var result = DiscoveredAPIs()
        for item in json["items"].arrayValue ?? [] {
            let groupName = item["metadata"]["name"].stringValue ?? ""
            var versions: [String] = []
            for versionEntry in item["versions"].arrayValue ?? [] {
                guard let version = versionEntry["version"].stringValue else { continue }
                versions.append(version)
                let gv = GroupVersion(group: groupName, version: version)
                if versionEntry["freshness"].stringValue == "Stale" {
                    result.markFailed(gv, reason: "the server's aggregated discovery marks it Stale")
                    continue
                }
                for entry in versionEntry["resources"].arrayValue ?? [] {
                    guard let name = entry["resource"].stringValue else { continue }
                    let responseKind = entry["responseKind"]
                    result.add(APIResource(
                        groupVersion: gv, name: name, singularName: entry["singularResource"].stringValue ?? "",
                        kind: responseKind["kind"].stringValue ?? "", namespaced: entry["scope"].stringValue == "Namespaced",
                        verbs: Set((entry["verbs"].arrayValue ?? []).compactMap(\.stringValue)),
                        shortNames: (entry["shortNames"].arrayValue ?? []).compactMap(\.stringValue),
                        categories: (entry["categories"].arrayValue ?? []).compactMap(\.stringValue),
                        subresources: Set((entry["subresources"].arrayValue ?? []).compactMap { $0["subresource"].stringValue })))
                }
            }
            result.addGroup(Group(name: groupName, versions: versions))
        }
        return result
    }

    /// Combines the core document with the groups' (core group first).
    mutating func absorb(_ other: DiscoveredAPIs) {
        for group in other.groups where !groups.contains(where: { $0.name == group.name }) { addGroup(group) }
        for resource in other.resources { add(resource) }
        for (gv, reason) in other.failedGroupVersions { markFailed(gv, reason: reason) }
    }
}
