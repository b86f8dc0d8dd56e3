import KubernetesModel

extension LocalKubeCluster {
    /// `/openapi/v3`: one entry per served group version.
    var openAPIV3Root: JSONValue {
        var paths: [String: JSONValue] = [:]
        var seen = Set<String>()
        for t in allTypes where seen.insert(t.apiVersion).inserted {
            let path = t.group.isEmpty ? "api/\(t.version)" : "apis/\(t.group)/\(t.version)"
            paths[path] = ["serverRelativeURL": .string("/openapi/v3/\(path)?hash=\(openAPIHash(t.groupVersion))")]
        }
        return ["paths": .object(paths)]
    }

    private func openAPIHash(_ gv: GroupVersion) -> String {
        let kinds = allTypes.filter { $0.groupVersion == gv }.map(\.kind).sorted().joined(separator: ",")
        return String(ContentHash.sha256Hex(bytes: Array("\(gv.apiVersion):\(kinds)".utf8)).prefix(16)).uppercased()
    }

    /// A group version's OpenAPI v3 document: per kind, its object and collection paths with the
    /// operations and query parameters the real server declares (kubectl reads `fieldValidation`
    /// support from the PATCH operation), and the kinds' schemas.
    func openAPIV3Document(group: String, version: String) -> JSONValue? {
        let types = allTypes.filter { $0.group == group && $0.version == version }
        guard !types.isEmpty else { return nil }
        var paths: [String: JSONValue] = [:]
        var schemas: [String: JSONValue] = [:]
        let prefix = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        for t in types {
            let gvk: JSONValue = ["group": .string(t.group), "version": .string(t.version), "kind": .string(t.kind)]
            let collection = t.namespaced ? "\(prefix)/namespaces/{namespace}/\(t.plural)" : "\(prefix)/\(t.plural)"
            func operation(_ action: String, _ params: [String]) -> JSONValue {
                ["x-kubernetes-group-version-kind": gvk, "x-kubernetes-action": .string(action),
                 "operationId": .string("\(action)\(t.kind)"),
                 "parameters": .array(params.map { ["name": .string($0), "in": "query", "schema": ["type": "string"], "uniqueItems": true] }),
                 "responses": ["200": ["description": "OK"]]]
            }
            let write = ["dryRun", "fieldManager", "fieldValidation"]
            if t.isReview {
                // Create only. The PATCH operation is not the real server's: it tells kubectl that
                // the server validates fields, where it would otherwise validate on its side with
                // the protobuf OpenAPI v2 document LocalKube does not serve (KNOWN-DIFFERENCES.md).
                paths[collection] = ["post": operation("post", write), "patch": operation("patch", write)]
                continue
            }
            paths[collection] = ["get": operation("list", ["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "watch", "timeoutSeconds"]),
                                 "post": operation("post", write), "delete": operation("deletecollection", ["labelSelector", "fieldSelector", "dryRun"])]
            paths["\(collection)/{name}"] = ["get": operation("get", []), "put": operation("put", write),
                                             "patch": operation("patch", write + ["force"]), "delete": operation("delete", ["dryRun", "propagationPolicy"])]
            if t.hasStatusSubresource {
                paths["\(collection)/{name}/status"] = ["get": operation("get", []), "put": operation("put", write), "patch": operation("patch", write + ["force"])]
            }
            if let (name, schema) = openAPISchema(for: t) {
                schemas[name] = schema
                if !t.isCustom { Self.addReferencedDefinitions(of: schema, to: &schemas) }
            }
        }
        return ["openapi": "3.0.0", "info": ["title": "Kubernetes", "version": "v1.24.0"], "paths": .object(paths),
                "components": ["schemas": .object(schemas)]]
    }

    /// The kind's schema in v3 form (`#/components/schemas/...` references), with the definitions it refers to inlined by name.
    private func openAPISchema(for type: ResourceType) -> (String, JSONValue)? {
        if type.isCustom {
            guard var schema = schemas.customSchemas[type.groupVersionKind] else { return nil }
            schema["x-kubernetes-group-version-kind"] = [["group": .string(type.group), "version": .string(type.version), "kind": .string(type.kind)]]
            let reversed = type.group.split(separator: ".").reversed().joined(separator: ".")
            return ("\(reversed).\(type.version).\(type.kind)", schema)
        }
        for (name, def) in OpenAPIDefinitions.builtin {
            let matches = (def["x-kubernetes-group-version-kind"].arrayValue ?? []).contains {
                $0["group"].stringValue == type.group && $0["version"].stringValue == type.version && $0["kind"].stringValue == type.kind
            }
            if matches { return (name, Self.v3References(def)) }
        }
        return nil
    }

    /// Every definition a schema refers to, transitively (kubectl explain walks them).
    static func addReferencedDefinitions(of schema: JSONValue, to schemas: inout [String: JSONValue]) {
        var pending = [schema]
        while let next = pending.popLast() {
            for ref in references(in: next) where schemas[ref] == nil {
                guard let def = OpenAPIDefinitions.builtin[ref] else { continue }
                let converted = v3References(def)
                schemas[ref] = converted
                pending.append(converted)
            }
        }
    }

    private static func references(in value: JSONValue) -> [String] {
        switch value {
        case .object(let o):
            var result: [String] = []
            if let ref = o["$ref"]?.stringValue { result.append(ref.replacingOccurrences(of: "#/components/schemas/", with: "")) }
            for (k, v) in o where k != "$ref" { result += references(in: v) }
            return result
        case .array(let a): return a.flatMap(references(in:))
        default: return []
        }
    }

    static func v3References(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(var o):
            if let ref = o["$ref"]?.stringValue { o["$ref"] = .string(ref.replacingOccurrences(of: "#/definitions/", with: "#/components/schemas/")) }
            for (k, v) in o where k != "$ref" { o[k] = v3References(v) }
            return .object(o)
        case .array(let a): return .array(a.map(v3References))
        default: return value
        }
    }
}
