import Foundation
import KubernetesModel

extension LocalKubeCluster {
    var versionInfo: JSONValue {
        ["major": "1", "minor": "24", "gitVersion": "v1.24.0+localkube", "gitCommit": "localkube", "gitTreeState": "clean",
         "buildDate": "2026-01-01T00:00:00Z", "goVersion": "swift", "compiler": "localkube", "platform": "linux/amd64"]
    }

    var coreVersions: JSONValue {
        ["kind": "APIVersions", "versions": ["v1"],
         "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]]]
    }

    /// Groups in discovery order: the built-in order, then custom groups by name.
    var groupNames: [String] {
        var names = BuiltinResourceTypes.groupOrder
        for g in Set(customTypes.map(\.group)).sorted() where !names.contains(g) { names.append(g) }
        return names
    }

    /// Served versions of a group, preferred first.
    func versions(of group: String) -> [String] {
        var result: [String] = []
        for t in allTypes where t.group == group && !result.contains(t.version) { result.append(t.version) }
        if let crd = customTypes.first(where: { $0.group == group })?.customResourceDefinition,
           let object = store.get(BuiltinResourceTypes.customResourceDefinition.key, ObjectName(namespace: "", name: crd)) {
            let order = (object["spec"]["versions"].arrayValue ?? []).compactMap { $0["name"].stringValue }
            result.sort { (order.firstIndex(of: $0) ?? 0) < (order.firstIndex(of: $1) ?? 0) }
            if let storage = (object["spec"]["versions"].arrayValue ?? []).first(where: { $0["storage"].boolValue == true })?["name"].stringValue,
               let i = result.firstIndex(of: storage) {
                result.insert(result.remove(at: i), at: 0)
            }
            return result
        }
        return BuiltinGroupVersions.listed(group: group, served: result)
    }

    func apiGroup(_ name: String) -> JSONValue? {
        let versions = versions(of: name)
        guard !versions.isEmpty, !name.isEmpty else { return nil }
        let entries: [JSONValue] = versions.map { ["groupVersion": .string("\(name)/\($0)"), "version": .string($0)] }
        return ["name": .string(name), "versions": .array(entries), "preferredVersion": entries[0]]
    }

    var groupList: JSONValue {
        ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groupNames.compactMap { apiGroup($0) })]
    }

    func apiGroupDocument(_ name: String) -> JSONValue? {
        guard var g = apiGroup(name) else { return nil }
        g["kind"] = "APIGroup"
        g["apiVersion"] = "v1"
        return g
    }

    func resourceList(group: String, version: String) -> JSONValue? {
        let types = allTypes.filter { $0.group == group && $0.version == version }.sorted { $0.plural < $1.plural }
        guard !types.isEmpty || versions(of: group).contains(version) && !group.isEmpty else { return nil }
        var list: JSONValue = ["kind": "APIResourceList", "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"),
                               "resources": .array(types.flatMap(\.discoveryEntries))]
        if !group.isEmpty { list["apiVersion"] = "v1" }
        return list
    }

    // MARK: OpenAPI

    /// `/openapi/v2`: the built-in definitions plus one per custom kind (from its CRD schema).
    func openAPIV2Document() -> [UInt8] {
        var definitions = OpenAPIDefinitions.builtin
        for t in customTypes {
            guard let crd = t.customResourceDefinition,
                  let object = store.get(BuiltinResourceTypes.customResourceDefinition.key, ObjectName(namespace: "", name: crd)),
                  let version = (object["spec"]["versions"].arrayValue ?? []).first(where: { $0["name"].stringValue == t.version })
            else { continue }
            var schema = version["schema"]["openAPIV3Schema"]
            if schema.isNull { schema = ["type": "object"] }
            schema["x-kubernetes-group-version-kind"] = [["group": .string(t.group), "version": .string(t.version), "kind": .string(t.kind)]]
            let reversed = t.group.split(separator: ".").reversed().joined(separator: ".")
            definitions["\(reversed).\(t.version).\(t.kind)"] = schema
        }
        let doc: JSONValue = ["swagger": "2.0", "info": ["title": "Kubernetes", "version": "v1.24.0"], "paths": .emptyObject,
                              "definitions": .object(definitions)]
        return doc.serialized()
    }

    // MARK: Tables (kubectl get)

    func wantsTable(_ request: APIRequest) -> Bool {
        guard let accept = request.accept else { return false }
        return accept.contains("as=Table")
    }

    func table(_ type: ResourceType, objects: [JSONValue], listMetadata: JSONValue, request: APIRequest) -> JSONValue {
        let includeObject = request.query["includeObject"] ?? "Metadata"
        let crd = type.customResourceDefinition.flatMap { store.get(BuiltinResourceTypes.customResourceDefinition.key, ObjectName(namespace: "", name: $0)) }
        var extra = TableColumns.columns(for: type, crd: crd)
        // Built-in kinds end with Age unless a column of their own is the age; custom resources
        // show exactly their printer columns.
        if crd == nil && !extra.contains(where: { $0.name == "Created At" || $0.name == "Age" }) {
            extra.append(TableColumns.age)
        }
        let name = TableColumns.Column(name: "Name", type: "string", format: "name", description: TableColumns.nameDescription) {
            $0["metadata"]["name"]
        }
        let columns: [JSONValue] = ([name] + extra).map { column in
            ["name": .string(column.name), "type": .string(column.type), "format": .string(column.format),
             "description": .string(column.description), "priority": .int(Int64(column.priority))]
        }
        let rows: [JSONValue] = objects.map { object in
            let cells: [JSONValue] = ([name] + extra).map { $0.value(object) }
            var row: JSONValue = ["cells": .array(cells)]
            switch includeObject {
            case "None": break
            case "Object": row["object"] = served(object, as: type)
            default:
                var metadata = object["metadata"]
                metadata.removeValue(forKey: "managedFields")
                row["object"] = ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata]
            }
            return row
        }
        return ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": listMetadata, "columnDefinitions": .array(columns), "rows": .array(rows)]
    }
}
