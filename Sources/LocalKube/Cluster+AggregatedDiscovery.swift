import KubernetesModel

extension LocalKubeCluster {
    static let aggregatedDiscoveryV2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    static let aggregatedDiscoveryV2Beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

    /// The aggregated-discovery media type the client asked for, if any (v2 preferred).
    func aggregatedDiscoveryType(_ request: APIRequest) -> String? {
        guard let accept = request.accept?.replacingOccurrences(of: " ", with: "") else { return nil }
        let offered = accept.split(separator: ",").map(String.init)
        if offered.contains(where: { $0.hasPrefix(Self.aggregatedDiscoveryV2) }) { return Self.aggregatedDiscoveryV2 }
        if offered.contains(where: { $0.hasPrefix(Self.aggregatedDiscoveryV2Beta1) }) { return Self.aggregatedDiscoveryV2Beta1 }
        return nil
    }

    /// `/api` or `/apis` as one APIGroupDiscoveryList (every group, version and resource in one answer).
    func aggregatedDiscovery(core: Bool, mediaType: String) -> APIResponse {
        let groups = core ? [""] : groupNames
        var items: [JSONValue] = []
        for group in groups {
            let versions: [JSONValue] = versions(of: group).map { version in
                let types = allTypes.filter { $0.group == group && $0.version == version }.sorted { $0.plural < $1.plural }
                return ["version": .string(version), "resources": .array(types.map(Self.aggregatedEntry)), "freshness": "Current"]
            }
            guard !versions.isEmpty else { continue }
            items.append(["metadata": ["name": .string(group), "creationTimestamp": .null], "versions": .array(versions)])
        }
        let apiVersion = mediaType == Self.aggregatedDiscoveryV2 ? "apidiscovery.k8s.io/v2" : "apidiscovery.k8s.io/v2beta1"
        let list: JSONValue = ["kind": "APIGroupDiscoveryList", "apiVersion": .string(apiVersion), "metadata": .emptyObject, "items": .array(items)]
        return APIResponse(status: 200, contentType: mediaType, body: .bytes(list.serialized()))
    }

    private static func aggregatedEntry(_ t: ResourceType) -> JSONValue {
        let kind: JSONValue = ["group": "", "version": "", "kind": .string(t.kind)]
        var entry: JSONValue = [
            "resource": .string(t.plural), "responseKind": kind, "scope": t.namespaced ? "Namespaced" : "Cluster",
            "singularResource": .string(t.singular), "verbs": .array(t.verbs.map(JSONValue.string)),
        ]
        if !t.shortNames.isEmpty { entry["shortNames"] = .array(t.shortNames.map(JSONValue.string)) }
        if !t.categories.isEmpty { entry["categories"] = .array(t.categories.map(JSONValue.string)) }
        if !t.subresources.isEmpty {
            entry["subresources"] = .array(t.subresources.map { sub in
                let responseKind: JSONValue = sub == "scale" ? ["group": "autoscaling", "version": "v1", "kind": "Scale"] : kind
                return ["subresource": .string(sub), "responseKind": responseKind, "verbs": ["get", "patch", "update"]]
            })
        }
        return entry
    }
}
