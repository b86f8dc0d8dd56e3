import Crypto
import Foundation
import KubernetesModel

extension LocalKubeCluster {
    /// The manager of what the API server's own CRD controllers write (names accepted, Established,
    /// finalizer cleanup). The server derives it from its binary's name; the recorded v1.24
    /// server's (kube-conformance `crd/`) wrote as "kas".
    static let crdCleanupManager = "kas"

    /// A CRD was written: default it, and have it accepted and established by the schedule.
    func customResourceDefinitionChanged(name: String, old: JSONValue?, new: JSONValue) {
        if old == nil || Self.specPart(old ?? .null) != Self.specPart(new) {
            scheduler.schedule(.establish(name), at: .now)
            armTimer()
        }
    }

    /// Accept the CRD's names (unless another CRD of the group holds them), mark it Established and serve its versions.
    func establish(_ crdName: String) {
        let crdType = BuiltinResourceTypes.customResourceDefinition
        let key = ObjectName(namespace: "", name: crdName)
        guard let crd = store.get(crdType.key, key), crd["metadata"]["deletionTimestamp"].isNull else { return }
        let spec = crd["spec"]
        let group = spec["group"].stringValue ?? ""
        let names = spec["names"]
        let plural = names["plural"].stringValue ?? ""
        let kind = names["kind"].stringValue ?? ""
        let conflict = customTypes.contains { $0.group == group && $0.customResourceDefinition != crdName && ($0.plural == plural || $0.kind == kind) }
        let now = JSONValue.string(KubeTime.now())
        var status = crd["status"]
        var accepted: JSONValue = ["plural": .string(plural), "kind": .string(kind)]
        for field in ["singular", "listKind", "shortNames", "categories"] where !names[field].isNull { accepted[field] = names[field] }
        if accepted["singular"].isNull { accepted["singular"] = .string(kind.lowercased()) }
        if accepted["listKind"].isNull { accepted["listKind"] = .string(kind + "List") }
        let conditions: [JSONValue]
        if conflict {
            conditions = [
                ["type": "NamesAccepted", "status": "False", "lastTransitionTime": now, "reason": "AlreadyInUse", "message": .string("\"\(plural)\" is already in use")],
                ["type": "Established", "status": "False", "lastTransitionTime": now, "reason": "NotAccepted", "message": "not all names are accepted"],
            ]
        } else {
            conditions = [
                ["type": "NamesAccepted", "status": "True", "lastTransitionTime": now, "reason": "NoConflicts", "message": "no conflicts found"],
                ["type": "Established", "status": "True", "lastTransitionTime": now, "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"],
            ]
            status["acceptedNames"] = accepted
        }
        // Keep transition times of unchanged conditions.
        let previous = crd["status"]["conditions"].arrayValue ?? []
        status["conditions"] = .array(conditions.map { c in
            if let p = previous.first(where: { $0["type"] == c["type"] }), p["status"] == c["status"] {
                var kept = c
                kept["lastTransitionTime"] = p["lastTransitionTime"]
                return kept
            }
            return c
        })
        var next = crd
        next["status"] = status
        if next != crd {
            let withFields = (try? FieldManagement.update(old: crd, new: next, manager: Self.crdCleanupManager, type: crdType, subresource: "status", schemas: schemas)) ?? next
            storeWrite(crdType, name: key, old: crd, new: withFields)
        }
        guard !conflict else { return }
        customTypes.removeAll { $0.customResourceDefinition == crdName }
        schemas.removeCustom(group: group, kind: kind)
        for version in spec["versions"].arrayValue ?? [] where version["served"].boolValue != false {
            guard let v = version["name"].stringValue else { continue }
            let hasStatus = !version["subresources"]["status"].isNull
            customTypes.append(ResourceType(
                group: group, version: v, plural: plural, kind: kind, namespaced: spec["scope"].stringValue != "Cluster",
                verbs: ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"],
                shortNames: names["shortNames"].arrayValue?.compactMap(\.stringValue) ?? [],
                categories: names["categories"].arrayValue?.compactMap(\.stringValue) ?? [],
                subresources: hasStatus ? ["status"] : [],
                storageVersionHash: Self.storageVersionHash(group: group, version: v, kind: kind),
                customResourceDefinition: crdName))
            schemas.setCustom(GroupVersionKind(group: group, version: v, kind: kind), schema: version["schema"]["openAPIV3Schema"],
                              preserveUnknownFields: spec["preserveUnknownFields"].boolValue == true)
        }
    }

    /// A CRD is gone: stop serving its kinds and remove their objects.
    func customResourceDefinitionRemoved(name: String) {
        let removed = customTypes.filter { $0.customResourceDefinition == name }
        customTypes.removeAll { $0.customResourceDefinition == name }
        guard let type = removed.first else { return }
        schemas.removeCustom(group: type.group, kind: type.kind)
        for (objectName, object) in store.list(type.key, namespace: nil) {
            removeObject(type, name: objectName, last: object)
        }
        store.removeAll(type.key)
    }

    /// discovery's storageVersionHash: base64 of the first 8 bytes of sha256("group/version/kind").
    static func storageVersionHash(group: String, version: String, kind: String) -> String {
        let digest = SHA256.hash(data: Data("\(group)/\(version)/\(kind)".utf8))
        return Data(Array(digest).prefix(8)).base64EncodedString()
    }
}
