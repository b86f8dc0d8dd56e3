import Foundation
import KubernetesModel

/// What one write request asks besides its body.
struct WriteOptions: Sendable {
    var manager: String
    var dryRun: Bool
    var force: Bool
    var fieldValidation: String

    init(_ request: APIRequest) {
        let agent = request.userAgent ?? "unknown"
        let fromAgent = agent.split(separator: "/", maxSplits: 1).first.map(String.init) ?? agent
        manager = request.query["fieldManager"].flatMap { $0.isEmpty ? nil : $0 } ?? fromAgent
        dryRun = request.query["dryRun"] == "All"
        force = request.queryFlag("force")
        fieldValidation = request.query["fieldValidation"] ?? "Ignore"
    }

    init(manager: String) {
        self.manager = manager
        dryRun = false
        force = false
        fieldValidation = "Ignore"
    }
}

extension LocalKubeCluster {
    // MARK: Create

    func create(_ type: ResourceType, namespace: String?, request: APIRequest) throws(APIError) -> APIResponse {
        let options = WriteOptions(request)
        let body = try parseObjectBody(request, custom: type.isCustom)
        var object = body
        try checkTypeMatches(object, type)
        if let ns = object["metadata"]["namespace"].stringValue, !ns.isEmpty, type.namespaced, let namespace, ns != namespace {
            throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        if type.namespaced, let namespace { object.setValue(.string(namespace), at: ["metadata", "namespace"]) }
        object = try decodeForWrite(type, object, fieldValidation: options.fieldValidation)
        let created = try createInternal(type, object: object, manager: options.manager, dryRun: options.dryRun, fieldValidation: options.fieldValidation)
        return .json(served(created, as: type), status: 201)
    }

    /// Create an object (the body already carries the namespace): name, validation, defaults, managed fields, store.
    @discardableResult
    func createInternal(_ type: ResourceType, object body: JSONValue, manager: String, dryRun: Bool = false, fieldValidation: String = "Ignore",
                        applied: Bool = false, managedFieldsDone: Bool = false, keepStatus: Bool = false) throws(APIError) -> JSONValue {
        var object = body
        object["apiVersion"] = .string(type.apiVersion)
        object["kind"] = .string(type.kind)
        if !type.namespaced { object.removeValue(at: ["metadata", "namespace"]) }
        var name = object["metadata"]["name"].stringValue ?? ""
        if name.isEmpty, let prefix = object["metadata"]["generateName"].stringValue, !prefix.isEmpty {
            repeat { name = prefix + Self.randomSuffix() } while store.get(type.key, ObjectName(namespace: object["metadata"]["namespace"].stringValue ?? "", name: name)) != nil
            object.setValue(.string(name), at: ["metadata", "name"])
        }
        let namespace = type.namespaced ? (object["metadata"]["namespace"].stringValue ?? "") : ""
        try ObjectValidation.validateMetadata(object, type: type)
        if type.namespaced {
            guard let ns = store.get(BuiltinResourceTypes.namespace.key, ObjectName(namespace: "", name: namespace)) else {
                throw APIError.namespaceNotFound(namespace)
            }
            if ns["metadata"]["deletionTimestamp"].stringValue != nil {
                throw APIError(KubeStatus(message: "\(type.plural) \"\(name)\" is forbidden: unable to create new content in namespace \(namespace) because it is being terminated",
                                          reason: "Forbidden", code: 403,
                                          details: .init(name: name, group: type.group.isEmpty ? nil : type.group, kind: type.plural,
                                                         causes: [.init(reason: "NamespaceTerminating", message: "namespace \(namespace) is being terminated", field: "metadata.namespace")])))
            }
        }
        let key = ObjectName(namespace: namespace, name: name)
        if store.get(type.key, key) != nil { throw APIError.alreadyExists(type, name: name) }

        for field in ["uid", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"] {
            object.removeValue(at: ["metadata", field])
        }
        object.setValue(.string(UUID().uuidString.lowercased()), at: ["metadata", "uid"])
        object.setValue(.string(KubeTime.now()), at: ["metadata", "creationTimestamp"])
        if tracksGeneration(type) { object.setValue(1, at: ["metadata", "generation"]) } else { object.removeValue(at: ["metadata", "generation"]) }
        if type.hasStatusSubresource, !keepStatus { object.removeValue(forKey: "status") }
        ObjectDefaults.apply(&object, type: type)
        applyCustomDefaults(type, &object)
        try checkAllocations(type, object, old: nil)
        try ObjectValidation.validate(object, type: type, schemas: schemas)
        if !managedFieldsDone {
            object = try FieldManagement.update(old: nil, new: object, manager: manager, type: type, subresource: nil, schemas: schemas)
        }
        ObjectDefaults.prepareForStorage(&object, type: type)
        allocate(type, &object)
        ObjectDefaults.created(&object, type: type)
        if dryRun { return object }
        try StorageLimits.checkStorable(object)
        return storeWrite(type, name: key, old: nil, new: object)
    }

    // MARK: Update

    func update(_ type: ResourceType, namespace: String?, name: String, subresource: String?, request: APIRequest) throws(APIError) -> APIResponse {
        let options = WriteOptions(request)
        var body = try parseObjectBody(request, custom: type.isCustom)
        try checkTypeMatches(body, type)
        if let bodyName = body["metadata"]["name"].stringValue, bodyName != name {
            throw APIError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        if let ns = body["metadata"]["namespace"].stringValue, !ns.isEmpty, type.namespaced, let namespace, ns != namespace {
            throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        let key = ObjectName(namespace: namespace ?? "", name: name)
        guard let live = store.get(type.key, key) else { throw APIError.notFound(type, name: name) }
        if let rv = body["metadata"]["resourceVersion"].stringValue, !rv.isEmpty, rv != live["metadata"]["resourceVersion"].stringValue {
            throw APIError.staleResourceVersion(type, name: name)
        }
        body["apiVersion"] = .string(type.apiVersion)
        body["kind"] = .string(type.kind)
        body = try decodeForWrite(type, body, fieldValidation: options.fieldValidation)
        var next = prepareUpdate(type, old: live, new: body, subresource: subresource)
        try checkAllocations(type, next, old: live)
        try ObjectValidation.validate(next, type: type, schemas: schemas, old: live)
        next = try FieldManagement.update(old: live, new: next, manager: options.manager, type: type, subresource: subresource, schemas: schemas)
        let result = try commitUpdate(type, key: key, old: live, new: next, dryRun: options.dryRun, validated: true)
        return .json(served(result, as: type))
    }

    // MARK: Patch

    func patch(_ type: ResourceType, namespace: String?, name: String, subresource: String?, request: APIRequest) throws(APIError) -> APIResponse {
        let options = WriteOptions(request)
        let contentType = (request.contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let key = ObjectName(namespace: namespace ?? "", name: name)
        let live = store.get(type.key, key)

        if contentType == "application/apply-patch+yaml" {
            guard let manager = request.query["fieldManager"], !manager.isEmpty else {
                throw APIError.invalid(kind: "PatchOptions", group: "meta.k8s.io", name: "",
                                       causes: [.init(reason: "FieldValueRequired", message: "Required value: is required for apply patch", field: "fieldManager")])
            }
            let config: JSONValue
            do {
                config = try YAML.parse(body: request.body)
            } catch {
                let problem = error.reason.components(separatedBy: ": ").last ?? error.reason
                let line = error.line.map { "line \($0 - 1): " } ?? ""
                throw APIError.badRequest("error decoding YAML: error converting YAML to JSON: yaml: \(line)\(problem)")
            }
            let (result, created) = try apply(type, key: key, live: live, config: config, manager: manager, force: options.force, subresource: subresource, dryRun: options.dryRun)
            return .json(served(result, as: type), status: created ? 201 : 200)
        }
        if request.query["force"] != nil {
            throw APIError.invalid(kind: "PatchOptions", group: "meta.k8s.io", name: "",
                                   causes: [.init(reason: "FieldValueForbidden", message: "Forbidden: may not be specified for non-apply patch", field: "force")])
        }
        guard let live else { throw APIError.notFound(type, name: name) }
        var patched: JSONValue
        switch contentType {
        case "application/merge-patch+json": patched = try FieldManagement.mergePatch(live, body: request.body)
        case "application/strategic-merge-patch+json": patched = try FieldManagement.strategicMergePatch(live, body: request.body, type: type, schemas: schemas)
        case "application/json-patch+json": patched = try FieldManagement.jsonPatch(live, body: request.body)
        default: throw APIError.unsupportedMediaType(contentType)
        }
        let patchBody = (try? JSONValue.parse(request.body)) ?? .null
        if let rv = patchBody["metadata"]["resourceVersion"].stringValue, !rv.isEmpty, rv != live["metadata"]["resourceVersion"].stringValue {
            throw APIError.staleResourceVersion(type, name: name)
        }
        if patched["metadata"]["name"].stringValue != name {
            throw APIError.badRequest("the name of the object (\(patched["metadata"]["name"].stringValue ?? "")) does not match the name on the URL (\(name))")
        }
        patched["apiVersion"] = .string(type.apiVersion)
        patched["kind"] = .string(type.kind)
        patched = try decodeForWrite(type, patched, fieldValidation: options.fieldValidation)
        var next = prepareUpdate(type, old: live, new: patched, subresource: subresource)
        try checkAllocations(type, next, old: live)
        try ObjectValidation.validate(next, type: type, schemas: schemas, old: live)
        next = try FieldManagement.update(old: live, new: next, manager: options.manager, type: type, subresource: subresource, schemas: schemas)
        let result = try commitUpdate(type, key: key, old: live, new: next, dryRun: options.dryRun, validated: true)
        return .json(served(result, as: type))
    }

    /// Server-side apply: create when absent, otherwise merge with ownership and conflicts.
    func apply(_ type: ResourceType, key: ObjectName, live: JSONValue?, config: JSONValue, manager: String, force: Bool,
               subresource: String?, dryRun: Bool) throws(APIError) -> (JSONValue, Bool) {
        try checkApplyBody(config, type: type, key: key)
        if let live {
            if let rv = config["metadata"]["resourceVersion"].stringValue, !rv.isEmpty, rv != live["metadata"]["resourceVersion"].stringValue {
                throw APIError.staleResourceVersion(type, name: key.name)
            }
            var merged = try FieldManagement.apply(live: live, config: config, manager: manager, force: force, type: type, subresource: subresource, schemas: schemas)
            merged = prepareUpdate(type, old: live, new: try canonicalFormats(type, merged), subresource: subresource)
            return (try commitUpdate(type, key: key, old: live, new: merged, dryRun: dryRun), false)
        }
        if subresource != nil { throw APIError.notFound(type, name: key.name) }
        var object = try canonicalFormats(type, FieldManagement.apply(live: nil, config: config, manager: manager, force: force, type: type, subresource: nil, schemas: schemas))
        if type.namespaced { object.setValue(.string(key.namespace), at: ["metadata", "namespace"]) }
        return (try createInternal(type, object: object, manager: manager, dryRun: dryRun, applied: true, managedFieldsDone: true), true)
    }

    private func checkApplyBody(_ config: JSONValue, type: ResourceType, key: ObjectName) throws(APIError) {
        guard case .object = config else { throw APIError.badRequest("error decoding YAML: the body is not an object") }
        let name = config["metadata"]["name"].stringValue ?? ""
        if name.isEmpty {
            throw APIError.badRequest("the name of the object (\(key.name) based on URL) was undeterminable: name must be provided")
        }
        if name != key.name {
            throw APIError.badRequest("the name of the object (\(name)) does not match the name on the URL (\(key.name))")
        }
        if let ns = config["metadata"]["namespace"].stringValue, !ns.isEmpty, type.namespaced, ns != key.namespace {
            throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
    }

    // MARK: Shared steps

    /// Keep what a write may not change (identity, timestamps, generation), apply the status-subresource
    /// rules and bump the generation on a change outside metadata and status.
    func prepareUpdate(_ type: ResourceType, old: JSONValue, new: JSONValue, subresource: String?) -> JSONValue {
        var next = new
        if subresource == "status" {
            // A status write changes only the status.
            var onlyStatus = old
            onlyStatus["status"] = next["status"]
            if next["status"].isNull { onlyStatus.removeValue(forKey: "status") }
            onlyStatus.setValue(next["metadata"]["managedFields"], at: ["metadata", "managedFields"])
            if next["metadata"]["managedFields"].isNull { onlyStatus.removeValue(at: ["metadata", "managedFields"]) }
            next = onlyStatus
        } else if type.hasStatusSubresource {
            if old["status"].isNull { next.removeValue(forKey: "status") } else { next["status"] = old["status"] }
        }
        for field in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "namespace", "name", "generation", "resourceVersion"] {
            let v = old["metadata"][field]
            if v.isNull { next.removeValue(at: ["metadata", field]) } else { next.setValue(v, at: ["metadata", field]) }
        }
        ObjectDefaults.apply(&next, type: type)
        applyCustomDefaults(type, &next)
        carryAllocations(type, old: old, new: &next)
        if tracksGeneration(type), Self.specPart(old) != Self.specPart(next) {
            next.setValue(.int((old["metadata"]["generation"].intValue ?? 0) + 1), at: ["metadata", "generation"])
        }
        return next
    }

    /// Everything but metadata and status: what a generation counts changes of.
    static func specPart(_ object: JSONValue) -> JSONValue {
        guard case .object(var o) = object else { return object }
        o["metadata"] = nil
        o["status"] = nil
        o["apiVersion"] = nil
        o["kind"] = nil
        return .object(o)
    }

    /// Store an updated object: nothing when unchanged; removal when the last finalizer of a deleted object goes.
    func commitUpdate(_ type: ResourceType, key: ObjectName, old: JSONValue, new: JSONValue, dryRun: Bool, validated: Bool = false) throws(APIError) -> JSONValue {
        var next = new
        ObjectDefaults.prepareForStorage(&next, type: type)
        if !validated {
            try checkAllocations(type, next, old: old)
            try ObjectValidation.validate(next, type: type, schemas: schemas, old: old)
        }
        next.setValue(old["metadata"]["resourceVersion"], at: ["metadata", "resourceVersion"])
        if next == old || dryRun { return next }
        if next["metadata"]["deletionTimestamp"].stringValue != nil, (next["metadata"]["finalizers"].arrayValue ?? []).isEmpty {
            removeObject(type, name: key, last: old)
            return next
        }
        try StorageLimits.checkStorable(next)
        return storeWrite(type, name: key, old: old, new: next)
    }

    // MARK: Decoding

    /// What decoding a create / update / patch body does: fields the schema does not declare are an
    /// error with `fieldValidation=Strict`, otherwise dropped.
    func decodeForWrite(_ type: ResourceType, _ object: JSONValue, fieldValidation: String) throws(APIError) -> JSONValue {
        let pruning: SchemaPruning
        let schema: JSONValue
        if type.isCustom {
            guard let s = schemas.customSchemas[type.groupVersionKind], !s.isNull else { return object }
            pruning = .custom
            schema = s
        } else {
            guard let s = SchemaPruning.builtinSchema(for: type) else { return object }
            pruning = .builtin
            schema = s
        }
        var pruned = object
        let removed = pruning.prune(&pruned, schema: schema)
        if !removed.isEmpty, fieldValidation == "Strict" {
            let list = removed.map { "unknown field \"\($0)\"" }.joined(separator: ", ")
            throw APIError.badRequest("\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): strict decoding error: \(list)")
        }
        return try canonicalFormats(type, pruned)
    }

    /// What decoding into the server's Go types does to a built-in object: quantities in their
    /// canonical form (`cpu: 0.5` is stored as `500m`, `1000m` as `1`), base64 checked.
    func canonicalFormats(_ type: ResourceType, _ object: JSONValue) throws(APIError) -> JSONValue {
        guard !type.isCustom else { return object }
        do { return try schemas.objectType(for: type).normalizingFormats(object) } catch { throw APIError(error.status) }
    }

    /// A custom resource's structural defaults.
    func applyCustomDefaults(_ type: ResourceType, _ object: inout JSONValue) {
        guard type.isCustom, let schema = schemas.customSchemas[type.groupVersionKind], !schema.isNull else { return }
        SchemaPruning.custom.applyDefaults(&object, schema: schema)
    }

    // MARK: Bodies

    func parseObjectBody(_ request: APIRequest, custom: Bool) throws(APIError) -> JSONValue {
        let value: JSONValue
        switch try MediaTypes.bodyFormat(request.contentType, custom: custom) {
        case .yaml:
            do { value = try YAML.parse(body: request.body) } catch { throw APIError.badRequest("error decoding YAML: \(error.reason)") }
        case .json:
            do { value = try JSONValue.parse(request.body) } catch { throw APIError.badRequest("couldn't get version/kind; json parse error: \(error)") }
        }
        guard case .object = value else { throw APIError.badRequest("the body of the request is not an object") }
        return value
    }

    func checkTypeMatches(_ object: JSONValue, _ type: ResourceType) throws(APIError) {
        if let kind = object["kind"].stringValue, !kind.isEmpty, kind != type.kind {
            throw APIError.badRequest("the kind of the provided object (\(kind)) does not match the kind of the resource (\(type.kind))")
        }
        if let apiVersion = object["apiVersion"].stringValue, !apiVersion.isEmpty, apiVersion != type.apiVersion,
           GroupVersion(apiVersion: apiVersion).group != type.group {
            throw APIError.badRequest("the API version in the data (\(apiVersion)) does not match the expected API version (\(type.apiVersion))")
        }
    }

    static func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement()! })
    }
}
