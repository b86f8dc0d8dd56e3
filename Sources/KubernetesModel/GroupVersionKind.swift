/// An API group and version, as written in `apiVersion` ("v1", "apps/v1").
public struct GroupVersion: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var group: String
    public var version: String

    public init(group: String, version: String) {
        self.group = group
        self.version = version
    }

    /// Parses an `apiVersion` string: "v1" is the core group, "apps/v1" the `apps` group.
    public init(apiVersion: String) {
        if let slash = apiVersion.firstIndex(of: "/") {
            group = String(apiVersion[..<slash])
            version = String(apiVersion[apiVersion.index(after: slash)...])
        } else {
            group = ""
            version = apiVersion
        }
    }

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var description: String { apiVersion }
    /// The URL path prefix of this group version: `/api/v1` or `/apis/G/V`.
    public var pathPrefix: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    public static func < (lhs: GroupVersion, rhs: GroupVersion) -> Bool {
        (lhs.group, lhs.version) < (rhs.group, rhs.version)
    }
}

/// A kind in a group version ("apps/v1, Kind=Deployment").
public struct GroupVersionKind: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var group: String
    public var version: String
    public var kind: String

    public init(group: String, version: String, kind: String) {
        self.group = group
        self.version = version
        self.kind = kind
    }

    public init(apiVersion: String, kind: String) {
        let gv = GroupVersion(apiVersion: apiVersion)
        self.init(group: gv.group, version: gv.version, kind: kind)
    }

    /// The same, its group and kind the fleet's shared copies (`KindNames`): for one that is kept
    /// (a rendered object's, an informer's), not for one used and dropped.
    public var shared: GroupVersionKind {
        GroupVersionKind(group: KindNames.shared(group), version: version, kind: KindNames.shared(kind))
    }

    public var groupVersion: GroupVersion { GroupVersion(group: group, version: version) }
    public var apiVersion: String { groupVersion.apiVersion }
    public var groupKind: GroupKind { GroupKind(group: group, kind: kind) }
    public var description: String { "\(apiVersion), Kind=\(kind)" }

    public static func < (lhs: GroupVersionKind, rhs: GroupVersionKind) -> Bool {
        (lhs.group, lhs.kind, lhs.version) < (rhs.group, rhs.kind, rhs.version)
    }
}

/// A kind without version ("Deployment.apps", "ConfigMap" for the core group).
public struct GroupKind: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var group: String
    public var kind: String

    public init(group: String, kind: String) {
        self.group = group
        self.kind = kind
    }

    /// Parses "Kind.group" (or "Kind" for the core group), the ApplySet notation.
    public init(parsing text: String) {
        if let dot = text.firstIndex(of: ".") {
            kind = String(text[..<dot])
            group = String(text[text.index(after: dot)...])
        } else {
            kind = text
            group = ""
        }
    }

    public var description: String { group.isEmpty ? kind : "\(kind).\(group)" }

    public static func < (lhs: GroupKind, rhs: GroupKind) -> Bool { lhs.description < rhs.description }
}

/// A resource in a group version (`deployments` in apps/v1), what URLs name.
public struct GroupVersionResource: Hashable, Sendable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var resource: String

    public init(group: String, version: String, resource: String) {
        self.group = group
        self.version = version
        self.resource = resource
    }

    public var groupVersion: GroupVersion { GroupVersion(group: group, version: version) }
    public var description: String { group.isEmpty ? "\(resource)/\(version)" : "\(resource).\(version).\(group)" }
}
