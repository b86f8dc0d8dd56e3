import KubernetesModel

extension LocalKubeCluster {
    /// Answer one request (after authentication), with the injected faults applied; a request of
    /// a user outside `system:masters` only when RBAC allows it.
    func handle(_ request: APIRequest) async -> APIResponse {
        let faulted = faults.apply(to: request)
        if isShutDown { return APIResponse(status: 503, body: .dropConnection) }
        if faults.unreachable && faulted {
            recordRefused(request)
            return APIResponse(status: 503, body: .dropConnection)
        }
        if faults.latency > .zero, faulted {
            try? await Task.sleep(for: faults.latency)
            if faults.unreachable, faults.apply(to: request) {
                recordRefused(request)
                return APIResponse(status: 503, body: .dropConnection)
            }
        }
        if faults.errorRate > 0, faults.apply(to: request), Double.random(in: 0..<1) < faults.errorRate {
            if faults.errorCode == 429 { return .error(.tooManyRequests(retryAfter: faults.retryAfterSeconds)) }
            let reason = [503: "ServiceUnavailable", 504: "Timeout", 502: "InternalError"][faults.errorCode] ?? "InternalError"
            return .error(APIError(KubeStatus(message: "LocalKube injected fault: HTTP \(faults.errorCode)", reason: reason, code: faults.errorCode,
                                              details: .init(causes: [.init(reason: nil, message: "injected fault", field: nil)]))))
        }
        // Routing is synchronous: the records it logs are this request's.
        let logged = requestLog.appended
        let response: APIResponse
        do {
            var request = request
            request.user = try actingUser(request)
            request.impersonation = nil
            try authorizeRequest(request)
            response = try route(request)
        } catch {
            response = .error(error)
        }
        requestLog.answered(since: logged, status: response.status)
        return response
    }

    private func route(_ request: APIRequest) throws(APIError) -> APIResponse {
        switch APIPath(request.path) {
        case .version:
            // Counted by its path, as kube-apiserver counts non-resource requests.
            requestCounts[RequestKind(verb: "get", resource: "/version"), default: 0] += 1
            return .json(versionInfo)
        case .health: return APIResponse(status: 200, contentType: "text/plain; charset=utf-8", body: .bytes(Array("ok".utf8)))
        case .coreVersions:
            if let mediaType = aggregatedDiscoveryType(request) { return aggregatedDiscovery(core: true, mediaType: mediaType) }
            return .json(coreVersions)
        case .groups:
            if let mediaType = aggregatedDiscoveryType(request) { return aggregatedDiscovery(core: false, mediaType: mediaType) }
            return .json(groupList)
        case .group(let g):
            guard let group = apiGroupDocument(g) else { throw APIError.pageNotFound }
            return .json(group)
        case .groupVersion(let g, let v):
            guard let list = resourceList(group: g, version: v) else { throw g.isEmpty ? APIError.resourceNotFound : APIError.pageNotFound }
            return .json(list)
        case .openAPIV2:
            // kubectl asks for protobuf only; a 406 makes it use OpenAPI v3 instead.
            if let accept = request.accept, accept.contains("protobuf"), !accept.contains("json") {
                throw APIError(KubeStatus(message: "only application/json is served", reason: "NotAcceptable", code: 406))
            }
            return APIResponse(status: 200, body: .bytes(openAPIV2Document()))
        case .openAPIV3Root: return .json(openAPIV3Root)
        case .openAPIV3(let g, let v):
            guard let doc = openAPIV3Document(group: g, version: v) else { throw APIError.pageNotFound }
            return .json(doc)
        case .unknown: throw APIError.pageNotFound
        case .resource(let path): return try handleResource(path, request)
        }
    }

    private func handleResource(_ path: APIPath.ResourcePath, _ request: APIRequest) throws(APIError) -> APIResponse {
        guard let type = resourceType(group: path.group, version: path.version, plural: path.plural) else {
            if !path.group.isEmpty, resourceList(group: path.group, version: path.version) == nil { throw APIError.pageNotFound }
            throw APIError.resourceNotFound
        }
        if let sub = path.subresource, !type.subresources.contains(sub) { throw APIError.resourceNotFound }
        if !type.namespaced, path.namespace != nil { throw APIError.resourceNotFound }
        try MediaTypes.checkAcceptable(request.accept, custom: type.isCustom)
        let namespace = type.namespaced ? path.namespace : nil
        let counted = path.subresource.map { "\(type.plural)/\($0)" } ?? type.plural
        func count(_ verb: String) {
            requestCounts[RequestKind(verb: verb, resource: counted), default: 0] += 1
            guard requestLog.capacity > 0 else { return }
            let name = path.name ?? (verb == "create" ? (try? JSONValue.parse(request.body))?["metadata"]["name"].stringValue : nil)
            requestLog.append(RequestRecord(at: .now, verb: verb, resource: counted, namespace: namespace, name: name,
                                            userAgent: request.userAgent ?? "", status: 0))
        }

        if type.isReview {
            guard path.name == nil else { throw APIError.resourceNotFound }
            guard request.method == "POST" else { throw APIError.methodNotAllowed() }
            count("create")
            return try review(type, namespace: namespace, request: request)
        }
        if path.subresource == "scale", let name = path.name {
            count(request.method == "GET" ? "get" : request.method == "PUT" ? "update" : "patch")
            return try scale(type, namespace: namespace, name: name, request: request)
        }
        switch (request.method, path.name) {
        case ("GET", nil):
            if request.queryFlag("watch") {
                count("watch")
                return try watch(type, namespace: namespace, request: request)
            }
            count("list")
            return try list(type, namespace: namespace, request: request)
        case ("GET", let name?):
            count("get")
            return try get(type, namespace: namespace, name: name, request: request)
        case ("POST", nil):
            count("create")
            return try create(type, namespace: namespace, request: request)
        case ("PUT", let name?):
            count("update")
            return try update(type, namespace: namespace, name: name, subresource: path.subresource, request: request)
        case ("PATCH", let name?):
            count("patch")
            return try patch(type, namespace: namespace, name: name, subresource: path.subresource, request: request)
        case ("DELETE", let name?):
            count("delete")
            return try delete(type, namespace: namespace, name: name, request: request)
        case ("DELETE", nil):
            count("deletecollection")
            return try deleteCollection(type, namespace: namespace, request: request)
        default:
            throw APIError.methodNotAllowed()
        }
    }
}
