import KubernetesModel

extension LocalKubeCluster {
    func delete(_ type: ResourceType, namespace: String?, name: String, request: APIRequest) throws(APIError) -> APIResponse {
        var options: JSONValue = .emptyObject
        if !request.body.isEmpty, let parsed = try? JSONValue.parse(request.body) { options = parsed }
        let dryRun = request.query["dryRun"] == "All" || (options["dryRun"].arrayValue ?? []).contains("All")
        let propagation = request.query["propagationPolicy"] ?? options["propagationPolicy"].stringValue ?? "Background"
        let key = ObjectName(namespace: namespace ?? "", name: name)
        guard let live = store.get(type.key, key) else { throw APIError.notFound(type, name: name) }
        let uid = live["metadata"]["uid"].stringValue ?? ""
        if let wanted = options["preconditions"]["uid"].stringValue, wanted != uid {
            throw APIError(KubeStatus(message: "Operation cannot be fulfilled on \(type.kind) \"\(name)\": the UID in the precondition (\(wanted)) does not match the UID in record (\(uid)). The object might have been deleted and then recreated",
                                      reason: "Conflict", code: 409, details: .init(name: name, group: type.group.isEmpty ? nil : type.group, kind: type.kind)))
        }
        if let wanted = options["preconditions"]["resourceVersion"].stringValue, wanted != live["metadata"]["resourceVersion"].stringValue {
            throw APIError(KubeStatus(message: "Operation cannot be fulfilled on \(type.kind) \"\(name)\": the ResourceVersion in the precondition (\(wanted)) does not match the ResourceVersion in record (\(live["metadata"]["resourceVersion"].stringValue ?? "")). The object might have been modified",
                                      reason: "Conflict", code: 409, details: .init(name: name, group: type.group.isEmpty ? nil : type.group, kind: type.kind)))
        }
        let result = try deleteInternal(type, key: key, live: live, propagation: propagation, dryRun: dryRun)
        if let result { return .json(served(result, as: type)) }
        return .json(KubeStatus(status: "Success", message: "", reason: "", code: 0,
                                details: .init(name: name, group: type.group.isEmpty ? nil : type.group, kind: type.plural, uid: uid)).successJSON)
    }

    /// Delete one object: mark it (deletionTimestamp) while finalizers hold it — the answer is then the
    /// object — or remove it (nil answer). Namespaces are always marked and finalized by their controller.
    @discardableResult
    func deleteInternal(_ type: ResourceType, key: ObjectName, live: JSONValue, propagation: String, dryRun: Bool) throws(APIError) -> JSONValue? {
        if type.key == BuiltinResourceTypes.namespace.key {
            if live["metadata"]["deletionTimestamp"].stringValue != nil { return live }
            var marked = live
            marked.setValue(.string(KubeTime.now()), at: ["metadata", "deletionTimestamp"])
            marked.setValue("Terminating", at: ["status", "phase"])
            if dryRun { return marked }
            let stored = storeWrite(type, name: key, old: live, new: marked)
            schedule(.finalizeNamespace(key.name), after: settings.namespaceFinalizationDelay)
            return stored
        }
        var finalizers = live["metadata"]["finalizers"].arrayValue ?? []
        // The server adds the garbage collector's finalizer of the policy (and drops the other one's).
        if propagation == "Orphan" {
            finalizers.removeAll { $0 == "foregroundDeletion" }
            if !finalizers.contains("orphan") { finalizers.append("orphan") }
        } else if propagation == "Foreground" {
            finalizers.removeAll { $0 == "orphan" }
            if !finalizers.contains("foregroundDeletion") { finalizers.append("foregroundDeletion") }
        }
        if !finalizers.isEmpty {
            if live["metadata"]["deletionTimestamp"].stringValue != nil { return live }
            var marked = live
            marked.setValue(.string(KubeTime.now()), at: ["metadata", "deletionTimestamp"])
            marked.setValue(0, at: ["metadata", "deletionGracePeriodSeconds"])
            // Marking an object for deletion is a change of its desired state: its generation moves on.
            if let generation = live["metadata"]["generation"].intValue, generation > 0 {
                marked.setValue(.int(generation + 1), at: ["metadata", "generation"])
            }
            if propagation == "Orphan" || propagation == "Foreground" { marked.setValue(.array(finalizers), at: ["metadata", "finalizers"]) }
            if dryRun { return marked }
            let stored = storeWrite(type, name: key, old: live, new: marked)
            if propagation == "Orphan" { orphanDependents(of: stored, type: type, key: key) }
            if propagation == "Foreground" { deleteDependentsInForeground(of: stored, type: type, key: key) }
            return stored
        }
        if dryRun { return nil }
        removeObject(type, name: key, last: live)
        return nil
    }

    func deleteCollection(_ type: ResourceType, namespace: String?, request: APIRequest) throws(APIError) -> APIResponse {
        let filter = try ObjectFilter(namespace: namespace, query: request.query, type: type)
        let dryRun = request.query["dryRun"] == "All"
        var deleted: [JSONValue] = []
        for (key, object) in store.list(type.key, namespace: namespace) where filter.matches(object) {
            let marked = try deleteInternal(type, key: key, live: object, propagation: "Background", dryRun: dryRun)
            deleted.append(marked ?? object)
        }
        return APIResponse(status: 200, body: .bytes(listBytes(type, items: deleted, metadata: ["resourceVersion": .string(String(resourceVersion))])))
    }

    /// The Orphan policy: drop the owner reference from dependents, then let the owner go.
    func orphanDependents(of owner: JSONValue, type: ResourceType, key: ObjectName) {
        guard let uid = owner["metadata"]["uid"].stringValue else { return }
        for (rkey, name, dependent) in store.dependents(of: uid) {
            guard let dtype = resourceType(key: rkey) else { continue }
            var next = dependent
            let refs = (dependent["metadata"]["ownerReferences"].arrayValue ?? []).filter { $0["uid"].stringValue != uid }
            if refs.isEmpty { next.removeValue(at: ["metadata", "ownerReferences"]) } else { next.setValue(.array(refs), at: ["metadata", "ownerReferences"]) }
            storeWrite(dtype, name: name, old: dependent, new: next)
        }
        var next = owner
        let finalizers = (owner["metadata"]["finalizers"].arrayValue ?? []).filter { $0 != "orphan" }
        if finalizers.isEmpty {
            removeObject(type, name: key, last: owner)
        } else {
            next.setValue(.array(finalizers), at: ["metadata", "finalizers"])
            storeWrite(type, name: key, old: owner, new: next)
        }
    }
}

extension LocalKubeCluster {
    /// The Foreground policy, as the (simulated) garbage collector carries it out: delete the
    /// dependents, then drop the owner's `foregroundDeletion` finalizer and let the owner go.
    func deleteDependentsInForeground(of owner: JSONValue, type: ResourceType, key: ObjectName) {
        guard let uid = owner["metadata"]["uid"].stringValue else { return }
        for (rkey, name, dependent) in store.dependents(of: uid) {
            guard let dtype = resourceType(key: rkey) else { continue }
            _ = try? deleteInternal(dtype, key: name, live: dependent, propagation: "Foreground", dryRun: false)
        }
        guard let current = store.get(type.key, key) else { return }
        let finalizers = (current["metadata"]["finalizers"].arrayValue ?? []).filter { $0 != "foregroundDeletion" }
        if finalizers.isEmpty {
            removeObject(type, name: key, last: current)
        } else {
            var next = current
            next.setValue(.array(finalizers), at: ["metadata", "finalizers"])
            storeWrite(type, name: key, old: current, new: next)
        }
    }
}

extension KubeStatus {
    /// A Success Status as DELETE answers it (no code, no message).
    var successJSON: JSONValue {
        var o = json
        o.removeValue(forKey: "code")
        return o
    }
}
