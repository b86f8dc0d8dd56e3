import Foundation
import KubernetesModel

extension LocalKubeCluster {
    static let controllerManager = "kube-controller-manager"
    static let simulateAnnotation = "localkube.addon-manager.io/simulate"

    // MARK: Hooks from storage

    /// After a write: schedule what the simulated controllers do about it.
    func objectChanged(_ type: ResourceType, name: ObjectName, old: JSONValue?, new: JSONValue) {
        if type.key == BuiltinResourceTypes.customResourceDefinition.key {
            customResourceDefinitionChanged(name: name.name, old: old, new: new)
            return
        }
        guard new["metadata"]["deletionTimestamp"].isNull, settings.simulatesWorkloads else { return }
        let specChanged = old == nil || old?["metadata"]["generation"] != new["metadata"]["generation"]
            || old?["metadata"]["annotations"][Self.simulateAnnotation] != new["metadata"]["annotations"][Self.simulateAnnotation]
            || Self.specPart(old ?? .null) != Self.specPart(new)
        switch (type.group, type.kind) {
        case ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"), ("apps", "DaemonSet"), ("batch", "Job"):
            if specChanged { schedule(.workload(type.key, name), after: settings.readinessDelay) }
        case ("batch", "CronJob"):
            if old == nil {
                scheduleNextRun(ofCronJob: name, new)
            } else if old?["spec"]["schedule"] != new["spec"]["schedule"] || old?["spec"]["suspend"] != new["spec"]["suspend"] {
                scheduler.cancel(.cronJob(name))
                scheduleNextRun(ofCronJob: name, new)
            }
        case ("", "PersistentVolumeClaim"):
            if new["status"]["phase"].stringValue != "Bound" { schedule(.bindClaim(name), after: settings.readinessDelay) }
        case ("", "Service"):
            if new["spec"]["type"].stringValue == "LoadBalancer", new["status"]["loadBalancer"]["ingress"].isNull {
                schedule(.loadBalancer(name), after: settings.readinessDelay)
            }
        default: break
        }
    }

    /// After a removal: garbage-collect dependents, drop a CRD's kinds, move namespace termination on.
    func objectRemoved(_ type: ResourceType, name: ObjectName, last: JSONValue) {
        if type.key == BuiltinResourceTypes.customResourceDefinition.key {
            customResourceDefinitionRemoved(name: name.name)
        }
        if let uid = last["metadata"]["uid"].stringValue {
            for (rkey, dname, dependent) in store.dependents(of: uid) {
                guard let dtype = resourceType(key: rkey) else { continue }
                let refs = dependent["metadata"]["ownerReferences"].arrayValue ?? []
                let remaining = refs.filter { ref in
                    guard let ruid = ref["uid"].stringValue, ruid != uid else { return false }
                    return ownerExists(uid: ruid)
                }
                if remaining.isEmpty {
                    _ = try? deleteInternal(dtype, key: dname, live: dependent, propagation: "Background", dryRun: false)
                }
            }
        }
        if !name.namespace.isEmpty,
           let ns = store.get(BuiltinResourceTypes.namespace.key, ObjectName(namespace: "", name: name.namespace)),
           !ns["metadata"]["deletionTimestamp"].isNull {
            scheduleNamespaceFinalization(name.namespace)
        }
        scheduler.cancel(.workload(type.key, name))
        if type.kind == "CronJob" { scheduler.cancel(.cronJob(name)) }
    }

    private func ownerExists(uid: String) -> Bool {
        for (_, c) in store.collections {
            for (_, o) in c where o["metadata"]["uid"].stringValue == uid { return true }
        }
        return false
    }

    func scheduleNamespaceFinalization(_ namespace: String) {
        schedule(.finalizeNamespace(namespace), after: .zero)
    }

    // MARK: Timer

    func schedule(_ work: ControllerSchedule.Work, after delay: Duration) {
        guard !isShutDown else { return }
        scheduler.schedule(work, at: ContinuousClock.now.advanced(by: delay))
        armTimer()
    }

    /// Make the cluster's one timer task wake at the earliest due work.
    func armTimer() {
        guard !isShutDown, let earliest = scheduler.earliest else { return }
        if let deadline = timerDeadline, timerTask != nil, deadline <= earliest { return }
        timerTask?.cancel()
        timerDeadline = earliest
        timerTask = Task { [weak self] in
            do { try await ContinuousClock().sleep(until: earliest) } catch { return }
            await self?.runDueWork()
        }
    }

    func runDueWork() {
        timerTask = nil
        timerDeadline = nil
        for work in scheduler.takeDue(now: .now) { perform(work) }
        armTimer()
    }

    private func perform(_ work: ControllerSchedule.Work) {
        switch work {
        case .workload(let key, let name): settleWorkload(key, name)
        case .cronJob(let name): runCronJob(name)
        case .bindClaim(let name): bindClaim(name)
        case .loadBalancer(let name): provisionLoadBalancer(name)
        case .establish(let crd): establish(crd)
        case .finalizeNamespace(let ns): finalizeNamespace(ns)
        }
    }

    /// Re-settle every workload (a node or the fail switch changed).
    func rescheduleAllWorkloads() {
        guard settings.simulatesWorkloads else { return }
        for type in BuiltinResourceTypes.all where ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"].contains(type.kind) {
            for (name, _) in store.list(type.key, namespace: nil) { schedule(.workload(type.key, name), after: .zero) }
        }
        for (name, obj) in store.list(ResourceKey(group: "", plural: "services"), namespace: nil) where obj["spec"]["type"].stringValue == "LoadBalancer" {
            schedule(.loadBalancer(name), after: .zero)
        }
    }

    // MARK: Status writes

    /// Write a status as the controller manager does (a status-subresource Update).
    private func writeStatus(_ type: ResourceType, _ name: ObjectName, _ change: (inout JSONValue) -> Void) {
        guard let live = store.get(type.key, name) else { return }
        var next = live
        change(&next)
        guard next != live else { return }
        let managed = (try? FieldManagement.update(old: live, new: next, manager: Self.controllerManager, type: type, subresource: "status", schemas: schemas)) ?? next
        storeWrite(type, name: name, old: live, new: managed)
    }

    func isFailing(_ object: JSONValue) -> Bool {
        failingWorkloads || object["metadata"]["annotations"][Self.simulateAnnotation].stringValue == "fail"
    }

    private var readyNodeCount: Int {
        store.list(BuiltinResourceTypes.node.key, namespace: nil).filter { _, node in
            (node["status"]["conditions"].arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
        }.count
    }

    // MARK: Workloads

    private func settleWorkload(_ key: ResourceKey, _ name: ObjectName) {
        guard let type = resourceType(key: key), let object = store.get(key, name), object["metadata"]["deletionTimestamp"].isNull else { return }
        let failing = isFailing(object)
        let generation = object["metadata"]["generation"].intValue ?? 1
        let replicas = object["spec"]["replicas"].intValue ?? 1
        let now = JSONValue.string(KubeTime.now())
        let hash = String(ContentHash.sha256Hex(of: object["spec"]["template"]).prefix(10))
        writeStatus(type, name) { o in
            var s: JSONValue = ["observedGeneration": .int(generation)]
            switch type.kind {
            case "Deployment":
                s["replicas"] = .int(replicas)
                s["updatedReplicas"] = .int(replicas)
                if failing {
                    if replicas > 0 { s["unavailableReplicas"] = .int(replicas) }
                    s["conditions"] = [
                        Self.condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now, previous: o),
                        Self.condition("Progressing", "True", "ReplicaSetUpdated", "ReplicaSet \"\(name.name)-\(hash)\" is progressing.", now, previous: o),
                    ]
                } else {
                    if replicas > 0 {
                        s["readyReplicas"] = .int(replicas)
                        s["availableReplicas"] = .int(replicas)
                    }
                    s["conditions"] = [
                        Self.condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now, previous: o),
                        Self.condition("Progressing", "True", "NewReplicaSetAvailable", "ReplicaSet \"\(name.name)-\(hash)\" has successfully progressed.", now, previous: o),
                    ]
                }
            case "ReplicaSet":
                s["replicas"] = .int(replicas)
                s["fullyLabeledReplicas"] = .int(replicas)
                if !failing, replicas > 0 {
                    s["readyReplicas"] = .int(replicas)
                    s["availableReplicas"] = .int(replicas)
                }
            case "StatefulSet":
                let revision = JSONValue.string("\(name.name)-\(hash)")
                s["replicas"] = .int(replicas)
                s["currentReplicas"] = .int(replicas)
                s["updatedReplicas"] = .int(replicas)
                s["currentRevision"] = revision
                s["updateRevision"] = revision
                s["collisionCount"] = 0
                s["readyReplicas"] = failing ? 0 : .int(replicas)
                s["availableReplicas"] = failing ? 0 : .int(replicas)
            case "DaemonSet":
                let n = Int64(self.readyNodeCount)
                s["currentNumberScheduled"] = .int(n)
                s["numberMisscheduled"] = 0
                s["desiredNumberScheduled"] = .int(n)
                s["updatedNumberScheduled"] = .int(n)
                s["numberReady"] = failing ? 0 : .int(n)
                if failing { if n > 0 { s["numberUnavailable"] = .int(n) } } else if n > 0 { s["numberAvailable"] = .int(n) }
            case "Job":
                s = ["startTime": o["status"]["startTime"].isNull ? now : o["status"]["startTime"]]
                if failing {
                    s["failed"] = .int((o["spec"]["backoffLimit"].intValue ?? 6) + 1)
                    s["conditions"] = [["type": "Failed", "status": "True", "lastProbeTime": now, "lastTransitionTime": now,
                                        "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"]]
                } else {
                    s["succeeded"] = .int(o["spec"]["completions"].intValue ?? 1)
                    s["completionTime"] = now
                    s["conditions"] = [["type": "Complete", "status": "True", "lastProbeTime": now, "lastTransitionTime": now]]
                }
                s["ready"] = 0
            default: return
            }
            o["status"] = s
        }
    }

    static func condition(_ type: String, _ status: String, _ reason: String, _ message: String, _ now: JSONValue, previous: JSONValue) -> JSONValue {
        let old = (previous["status"]["conditions"].arrayValue ?? []).first { $0["type"].stringValue == type }
        let transition = old.flatMap { $0["status"].stringValue == status ? $0["lastTransitionTime"] : nil } ?? now
        return ["type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message),
                "lastUpdateTime": now, "lastTransitionTime": transition]
    }

    // MARK: CronJobs, claims, load balancers

    private func runCronJob(_ name: ObjectName) {
        let type = BuiltinResourceTypes.named("batch", "cronjobs")
        guard let object = store.get(type.key, name) else { return }
        if object["spec"]["suspend"].boolValue != true {
            let failing = isFailing(object)
            let now = JSONValue.string(KubeTime.now())
            writeStatus(type, name) { o in
                o.setValue(now, at: ["status", "lastScheduleTime"])
                if !failing { o.setValue(now, at: ["status", "lastSuccessfulTime"]) }
            }
        }
        scheduleNextRun(ofCronJob: name, object, afterARun: true)
    }

    /// The CronJob's next run: at its schedule's next time (`CronSchedule`), or with
    /// `cronJobPeriod` set, at once when created and then every period. A schedule that does not
    /// parse (the server refuses it) or names no time in five years runs never.
    private func scheduleNextRun(ofCronJob name: ObjectName, _ object: JSONValue, afterARun: Bool = false) {
        if let period = settings.cronJobPeriod {
            schedule(.cronJob(name), after: afterARun ? period : settings.readinessDelay)
            return
        }
        guard case .success(let cron) = CronScheduleSyntax.parse(object["spec"]["schedule"].stringValue ?? ""),
              let next = cron.next(after: Date()) else { return }
        schedule(.cronJob(name), after: .milliseconds(Int64(max(0, next.timeIntervalSinceNow) * 1000)))
    }

    private func bindClaim(_ name: ObjectName) {
        let type = BuiltinResourceTypes.named("", "persistentvolumeclaims")
        guard let object = store.get(type.key, name), !isFailing(object) else { return }
        writeStatus(type, name) { o in
            o.setValue("Bound", at: ["status", "phase"])
            o.setValue(o["spec"]["accessModes"].isNull ? ["ReadWriteOnce"] : o["spec"]["accessModes"], at: ["status", "accessModes"])
            let size = o["spec"]["resources"]["requests"]["storage"]
            if !size.isNull { o.setValue(["storage": size], at: ["status", "capacity"]) }
        }
    }

    private func provisionLoadBalancer(_ name: ObjectName) {
        let type = BuiltinResourceTypes.named("", "services")
        guard let object = store.get(type.key, name), object["spec"]["type"].stringValue == "LoadBalancer" else { return }
        let failing = isFailing(object)
        let ip = "192.0.2.\(abs(name.hashValue) % 250 + 1)"
        writeStatus(type, name) { o in
            if failing {
                o.setValue(.emptyObject, at: ["status", "loadBalancer"])
            } else {
                o.setValue(["ingress": [["ip": .string(ip)]]], at: ["status", "loadBalancer"])
            }
        }
    }

    // MARK: Namespaces

    /// The namespace controller: delete everything in a terminating namespace; remove it once empty.
    private func finalizeNamespace(_ namespace: String) {
        let nsType = BuiltinResourceTypes.namespace
        let key = ObjectName(namespace: "", name: namespace)
        guard let ns = store.get(nsType.key, key), !ns["metadata"]["deletionTimestamp"].isNull else { return }
        var remaining = 0
        for (rkey, name, object) in store.all(inNamespace: namespace) {
            guard let type = resourceType(key: rkey) else { continue }
            remaining += 1
            if object["metadata"]["deletionTimestamp"].isNull {
                _ = try? deleteInternal(type, key: name, live: object, propagation: "Background", dryRun: false)
            }
        }
        if store.all(inNamespace: namespace).isEmpty {
            removeObject(nsType, name: key, last: ns)
        } else if remaining > 0 {
            // Objects held by finalizers: their removal schedules this again.
        }
    }

    // MARK: Nodes

    func addNodeInternal(name: String, labels: [String: String], providerID: String? = nil) {
        let type = BuiltinResourceTypes.node
        let key = ObjectName(namespace: "", name: name)
        guard store.get(type.key, key) == nil else { return }
        let now = JSONValue.string(KubeTime.now())
        var allLabels: [String: JSONValue] = ["kubernetes.io/hostname": .string(name), "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"]
        for (k, v) in labels { allLabels[k] = .string(v) }
        let node: JSONValue = [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(name), "labels": .object(allLabels)],
            "spec": providerID.map { ["podCIDR": "10.244.0.0/24", "providerID": .string($0)] } ?? ["podCIDR": "10.244.0.0/24"],
            "status": [
                "conditions": [
                    ["type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory", "message": "", "lastHeartbeatTime": now, "lastTransitionTime": now],
                    ["type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure", "message": "", "lastHeartbeatTime": now, "lastTransitionTime": now],
                    ["type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID", "message": "", "lastHeartbeatTime": now, "lastTransitionTime": now],
                    ["type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status", "lastHeartbeatTime": now, "lastTransitionTime": now],
                ],
                "nodeInfo": ["kubeletVersion": "v1.24.0", "operatingSystem": "linux", "architecture": "amd64", "containerRuntimeVersion": "localkube://1"],
                "capacity": ["cpu": "4", "memory": "8Gi", "pods": "110"],
                "allocatable": ["cpu": "4", "memory": "8Gi", "pods": "110"],
            ],
        ]
        _ = try? createInternal(type, object: node, manager: "kubelet", keepStatus: true)
    }
}
