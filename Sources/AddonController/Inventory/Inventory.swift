import KubernetesModel

/// What the addon manager applied for one addon on one cluster: kept in the workload cluster as
/// an ApplySet parent (a ConfigMap), so that objects dropped by a new version can be pruned and
/// nothing else ever is. Each member is recorded with its uid: a prune deletes only that very
/// object (uid precondition), never a re-created one of the same name.
///
/// A member may also record the fingerprint of our applied fields as the server answered the
/// apply (`appliedFields`, the drift check's): a manager started again compares the live object
/// with it, as the one that applied did, instead of with the rendered object — which differs
/// wherever the server drops or rewrites a field (a feature gate that is off, say) and would be
/// taken for drift at every start. And the fingerprint of the object's content in that answer
/// (`content`, `ObservedObject.contentFingerprint`): while the watch cache holds that content,
/// the object is as we applied it, and a manager started again need not read it. Neither is ever
/// recorded for a Secret: a hash of a weak credential could be guessed from it by whoever reads
/// the inventory. What they prove is taken on the cluster's word: whoever can write the inventory
/// (in `kube-system`) can make a restarted manager take an object they changed for intact — as
/// they can with an admission webhook that rewrites our objects on every apply, whose answers the
/// drift check then records as ours. Drift correction is not a defence against the cluster's admin.
public struct Inventory: Sendable, Equatable {
    public struct Member: Sendable, Hashable, Comparable {
        public var apiVersion: String
        public var kind: String
        public var namespace: String?
        public var name: String
        public var uid: String?
        public var appliedFields: String?
        public var content: String?

        public init(apiVersion: String, kind: String, namespace: String?, name: String, uid: String?, appliedFields: String? = nil, content: String? = nil) {
            self.apiVersion = apiVersion
            self.kind = kind
            self.namespace = namespace
            self.name = name
            self.uid = uid
            let isSecret = GroupVersionKind(apiVersion: apiVersion, kind: kind).groupKind == Self.secret
            self.appliedFields = isSecret ? nil : appliedFields
            self.content = isSecret ? nil : content
        }

        public init(object: KubeObject, appliedFields: String? = nil, content: String? = nil) {
            // The apiVersion and kind as the fleet's shared copies: the answer's own are parsed
            // strings that every member of every cluster would otherwise keep.
            self.init(apiVersion: KindNames.shared(object.apiVersion), kind: KindNames.shared(object.kind), namespace: object.namespace,
                      name: object.name, uid: object.uid,
                      appliedFields: appliedFields, content: content)
        }

        static let secret = GroupKind(group: "", kind: "Secret")

        public var reference: ObjectReference {
            ObjectReference(groupKind: GroupVersionKind(apiVersion: apiVersion, kind: kind).groupKind, namespace: namespace, name: name)
        }

        public var groupVersionKind: GroupVersionKind { GroupVersionKind(apiVersion: apiVersion, kind: kind) }

        var json: JSONValue {
            var o: JSONValue = ["apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(name)]
            if let namespace { o["namespace"] = .string(namespace) }
            if let uid { o["uid"] = .string(uid) }
            if reference.groupKind != Self.secret {
                if let appliedFields { o["appliedFields"] = .string(appliedFields) }
                if let content { o["content"] = .string(content) }
            }
            return o
        }

        init?(json: JSONValue) {
            guard let apiVersion = json["apiVersion"].stringValue, let kind = json["kind"].stringValue, let name = json["name"].stringValue else { return nil }
            self.init(apiVersion: apiVersion, kind: kind, namespace: json["namespace"].stringValue, name: name, uid: json["uid"].stringValue,
                      appliedFields: json["appliedFields"].stringValue, content: json["content"].stringValue)
        }

        public static func < (lhs: Member, rhs: Member) -> Bool { lhs.reference < rhs.reference }
    }

    public var addon: String
    public var version: String
    /// Content hash of the rendered set this inventory records.
    public var hash: String
    public var members: [Member]

    public init(addon: String, version: String, hash: String, members: [Member]) {
        self.addon = addon
        self.version = version
        self.hash = hash
        self.members = members.sorted()
    }

    /// Members of `self` that `next` no longer has: what a prune deletes (before the delete policy).
    public func dropped(comparedTo next: [ObjectReference]) -> [Member] {
        let keep = Set(next)
        return members.filter { !keep.contains($0.reference) }
    }

    /// The inventory's member list as stored in the parent's data (compact JSON).
    var membersJSON: String { JSONValue.array(members.map(\.json)).jsonString() }

    static func members(fromJSON text: String) throws -> [Member] {
        let value = try JSONValue.parse(text)
        return (value.arrayValue ?? []).compactMap(Member.init(json:))
    }
}
