import KubernetesModel

extension LocalKubeCluster {
    /// The `scale` subresource (autoscaling/v1 Scale) of Deployments, ReplicaSets and StatefulSets:
    /// GET shows spec.replicas and the selector; PUT / PATCH change spec.replicas.
    func scale(_ type: ResourceType, namespace: String?, name: String, request: APIRequest) throws(APIError) -> APIResponse {
        let key = ObjectName(namespace: namespace ?? "", name: name)
        guard let live = store.get(type.key, key) else { throw APIError.notFound(type, name: name) }
        let current = Self.scaleObject(of: live)
        let wanted: JSONValue
        switch request.method {
        case "GET":
            return .json(current)
        case "PUT":
            wanted = try parseObjectBody(request, custom: type.isCustom)
            if let rv = wanted["metadata"]["resourceVersion"].stringValue, !rv.isEmpty, rv != live["metadata"]["resourceVersion"].stringValue {
                throw APIError.staleResourceVersion(type, name: name)
            }
        case "PATCH":
            let contentType = (request.contentType ?? "").split(separator: ";").first.map(String.init) ?? ""
            switch contentType {
            case "application/merge-patch+json", "application/strategic-merge-patch+json": wanted = try FieldManagement.mergePatch(current, body: request.body)
            case "application/json-patch+json": wanted = try FieldManagement.jsonPatch(current, body: request.body)
            default: throw APIError.unsupportedMediaType(contentType)
            }
        default:
            throw APIError.methodNotAllowed()
        }
        guard let replicas = wanted["spec"]["replicas"].intValue, replicas >= 0 else {
            throw APIError.invalid(kind: "Scale", group: "autoscaling", name: name,
                                  causes: [.init(reason: "FieldValueInvalid", message: "Invalid value: \(wanted["spec"]["replicas"].jsonString()): must be greater than or equal to 0", field: "spec.replicas")])
        }
        var next = live
        next.setValue(.int(replicas), at: ["spec", "replicas"])
        next = prepareUpdate(type, old: live, new: next, subresource: nil)
        next = try FieldManagement.update(old: live, new: next, manager: WriteOptions(request).manager, type: type, subresource: "scale", schemas: schemas)
        let stored = try commitUpdate(type, key: key, old: live, new: next, dryRun: request.query["dryRun"] == "All", validated: true)
        return .json(Self.scaleObject(of: stored))
    }

    static func scaleObject(of object: JSONValue) -> JSONValue {
        let m = object["metadata"]
        var metadata: JSONValue = ["name": m["name"], "uid": m["uid"], "resourceVersion": m["resourceVersion"], "creationTimestamp": m["creationTimestamp"]]
        if !m["namespace"].isNull { metadata["namespace"] = m["namespace"] }
        var status: JSONValue = ["replicas": .int(object["status"]["replicas"].intValue ?? 0)]
        if let selector = try? LabelSelector(json: object["spec"]["selector"]) { status["selector"] = .string(selector.description) }
        return ["kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": metadata,
                "spec": ["replicas": .int(object["spec"]["replicas"].intValue ?? 0)], "status": status]
    }
}
