import KubernetesModel

/// A resource as discovery describes it: what a kind is called in URLs and how it is scoped.
public struct APIResource: Sendable, Hashable, CustomStringConvertible {
    public var groupVersion: GroupVersion
    /// The plural resource name used in paths ("deployments").
    public var name: String
    public var singularName: String
    public var kind: String
    public var namespaced: Bool
    public var verbs: Set<String>
    public var shortNames: [String]
    public var categories: [String]
    /// Subresources ("status", "scale").
    public var subresources: Set<String>

    public init(groupVersion: GroupVersion, name: String, singularName: String, kind: String, namespaced: Bool,
                verbs: Set<String>, shortNames: [String] = [], categories: [String] = [], subresources: Set<String> = []) {
        self.groupVersion = groupVersion
        self.name = name
        self.singularName = singularName
        self.kind = kind
        self.namespaced = namespaced
        self.verbs = verbs
        self.shortNames = shortNames
        self.categories = categories
        self.subresources = subresources
    }

    public var groupVersionKind: GroupVersionKind { GroupVersionKind(group: groupVersion.group, version: groupVersion.version, kind: kind) }
    public var groupVersionResource: GroupVersionResource { GroupVersionResource(group: groupVersion.group, version: groupVersion.version, resource: name) }
    public var hasStatus: Bool { subresources.contains("status") }

    /// The collection path: `/api/v1/namespaces/NS/configmaps`, `/apis/rbac.authorization.k8s.io/v1/clusterroles`.
    public func collectionPath(namespace: String?) -> String {
        if namespaced, let namespace, !namespace.isEmpty {
            return "\(groupVersion.pathPrefix)/namespaces/\(PathEscaping.segment(namespace))/\(name)"
        }
        return "\(groupVersion.pathPrefix)/\(name)"
    }

    /// The object path, with an optional subresource.
    public func objectPath(name objectName: String, namespace: String?, subresource: String? = nil) -> String {
        var path = collectionPath(namespace: namespace) + "/" + PathEscaping.segment(objectName)
        if let subresource { path += "/" + subresource }
        return path
    }

    /// "deployments.v1.apps".
    public var description: String { groupVersionResource.description }
}

enum PathEscaping {
    /// Percent-escapes a path segment (names are DNS labels in practice; be safe anyway).
    static func segment(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ":"), UInt8(ascii: "@"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    /// Percent-escapes a query value.
    static func queryValue(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
