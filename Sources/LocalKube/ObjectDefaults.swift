import Foundation
import KubernetesModel

/// The defaults a v1.24 API server fills in per kind (recorded in kube-conformance `defaults/`),
/// and the zero-value status stubs its typed serialisation shows.
enum ObjectDefaults {
    /// Defaulting as the server's decoder does it, on every write.
    static func apply(_ object: inout JSONValue, type: ResourceType) {
        switch (type.group, type.kind) {
        case ("", "Namespace"):
            let name = object["metadata"]["name"].stringValue ?? ""
            object.setValue(.string(name), at: ["metadata", "labels", "kubernetes.io/metadata.name"])
        case ("", "Service"):
            serviceDefaults(&object)
        case ("", "PersistentVolumeClaim"):
            setIfAbsent(&object, ["spec", "volumeMode"], "Filesystem")
        case ("", "Secret"):
            // SetDefaults_Secret: on every write, so that an update without `type` keeps Opaque
            // (and is not refused as changing an immutable field).
            setIfAbsent(&object, ["type"], "Opaque")
        case ("", "Pod"):
            podSpecDefaults(&object, at: ["spec"])
        case ("apps", "Deployment"):
            setIfAbsent(&object, ["spec", "replicas"], 1)
            templateDefaults(&object, at: ["spec", "template"])
            setIfEmpty(&object, ["spec", "strategy", "type"], "RollingUpdate")
            if object["spec"]["strategy"]["type"].stringValue == "RollingUpdate" {
                setIfAbsent(&object, ["spec", "strategy", "rollingUpdate", "maxUnavailable"], "25%")
                setIfAbsent(&object, ["spec", "strategy", "rollingUpdate", "maxSurge"], "25%")
            }
            setIfAbsent(&object, ["spec", "revisionHistoryLimit"], 10)
            setIfAbsent(&object, ["spec", "progressDeadlineSeconds"], 600)
        case ("apps", "ReplicaSet"):
            setIfAbsent(&object, ["spec", "replicas"], 1)
            templateDefaults(&object, at: ["spec", "template"])
        case ("apps", "DaemonSet"):
            templateDefaults(&object, at: ["spec", "template"])
            setIfEmpty(&object, ["spec", "updateStrategy", "type"], "RollingUpdate")
            if object["spec"]["updateStrategy"]["type"].stringValue == "RollingUpdate" {
                setIfAbsent(&object, ["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"], 1)
                setIfAbsent(&object, ["spec", "updateStrategy", "rollingUpdate", "maxSurge"], 0)
            }
            setIfAbsent(&object, ["spec", "revisionHistoryLimit"], 10)
        case ("apps", "StatefulSet"):
            setIfAbsent(&object, ["spec", "replicas"], 1)
            templateDefaults(&object, at: ["spec", "template"])
            if case .array(var claims) = object["spec"]["volumeClaimTemplates"] {
                for i in claims.indices {
                    setIfAbsent(&claims[i], ["kind"], "PersistentVolumeClaim")
                    setIfAbsent(&claims[i], ["apiVersion"], "v1")
                    if claims[i]["metadata"]["creationTimestamp"].isNull { claims[i].setValue(.null, at: ["metadata", "creationTimestamp"]) }
                    setIfAbsent(&claims[i], ["spec", "volumeMode"], "Filesystem")
                    setIfAbsent(&claims[i], ["status", "phase"], "Pending")
                }
                object.setValue(.array(claims), at: ["spec", "volumeClaimTemplates"])
            }
            setIfEmpty(&object, ["spec", "podManagementPolicy"], "OrderedReady")
            setIfEmpty(&object, ["spec", "updateStrategy", "type"], "RollingUpdate")
            if object["spec"]["updateStrategy"]["type"].stringValue == "RollingUpdate" {
                setIfAbsent(&object, ["spec", "updateStrategy", "rollingUpdate", "partition"], 0)
            }
            setIfAbsent(&object, ["spec", "revisionHistoryLimit"], 10)
        case ("batch", "Job"):
            jobSpecDefaults(&object, at: ["spec"])
        case ("batch", "CronJob"):
            // `timeZone` is behind the CronJobTimeZone gate, off in v1.24: the strategy's
            // dropDisabledFields clears it on every write (no stored object can hold it).
            object.removeValue(at: ["spec", "timeZone"])
            setIfAbsent(&object, ["spec", "concurrencyPolicy"], "Allow")
            setIfAbsent(&object, ["spec", "suspend"], false)
            if object["spec"]["jobTemplate"]["metadata"]["creationTimestamp"].isNull {
                object.setValue(.null, at: ["spec", "jobTemplate", "metadata", "creationTimestamp"])
            }
            templateDefaults(&object, at: ["spec", "jobTemplate", "spec", "template"])
            setIfAbsent(&object, ["spec", "successfulJobsHistoryLimit"], 3)
            setIfAbsent(&object, ["spec", "failedJobsHistoryLimit"], 1)
        case ("rbac.authorization.k8s.io", "RoleBinding"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"):
            roleBindingDefaults(&object)
        case ("storage.k8s.io", "StorageClass"):
            setIfAbsent(&object, ["reclaimPolicy"], "Delete")
            setIfAbsent(&object, ["volumeBindingMode"], "Immediate")
        case ("storage.k8s.io", "CSIDriver"):
            setIfAbsent(&object, ["spec", "attachRequired"], true)
            setIfAbsent(&object, ["spec", "podInfoOnMount"], false)
            setIfAbsent(&object, ["spec", "volumeLifecycleModes"], ["Persistent"])
            setIfAbsent(&object, ["spec", "storageCapacity"], false)
            setIfAbsent(&object, ["spec", "fsGroupPolicy"], "ReadWriteOnceWithFSType")
            setIfAbsent(&object, ["spec", "requiresRepublish"], false)
        case ("apiextensions.k8s.io", "CustomResourceDefinition"):
            setIfAbsent(&object, ["spec", "conversion", "strategy"], "None")
            if case .array(var versions) = object["spec"]["versions"] {
                for i in versions.indices where !versions[i]["schema"]["openAPIV3Schema"].isNull {
                    dropValidationRules(&versions[i]["schema"]["openAPIV3Schema"])
                }
                object["spec"]["versions"] = .array(versions)
            }
            // v1's SetDefaults_CustomResourceDefinitionSpec: singular from kind, listKind kind+List.
            if let kind = object["spec"]["names"]["kind"].stringValue, !kind.isEmpty {
                setIfEmpty(&object, ["spec", "names", "singular"], .string(kind.lowercased()))
                setIfEmpty(&object, ["spec", "names", "listKind"], .string(kind + "List"))
            }
        case ("scheduling.k8s.io", "PriorityClass"):
            setIfAbsent(&object, ["preemptionPolicy"], "PreemptLowerPriority")
        case ("autoscaling", "HorizontalPodAutoscaler"):
            horizontalPodAutoscalerDefaults(&object)
        case ("networking.k8s.io", "NetworkPolicy"):
            networkPolicyDefaults(&object)
        case ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"), ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"):
            if case .array(var hooks) = object["webhooks"] {
                for i in hooks.indices {
                    if !hooks[i]["clientConfig"]["service"].isNull { setIfAbsent(&hooks[i], ["clientConfig", "service", "port"], 443) }
                    if case .array(var rules) = hooks[i]["rules"] {
                        for j in rules.indices { setIfAbsent(&rules[j], ["scope"], "*") }
                        hooks[i]["rules"] = .array(rules)
                    }
                    setIfAbsent(&hooks[i], ["failurePolicy"], "Fail")
                    setIfAbsent(&hooks[i], ["matchPolicy"], "Equivalent")
                    setIfAbsent(&hooks[i], ["namespaceSelector"], .emptyObject)
                    setIfAbsent(&hooks[i], ["objectSelector"], .emptyObject)
                    setIfAbsent(&hooks[i], ["timeoutSeconds"], 10)
                    if type.kind == "MutatingWebhookConfiguration" { setIfAbsent(&hooks[i], ["reinvocationPolicy"], "Never") }
                }
                object["webhooks"] = .array(hooks)
            }
        default: break
        }
    }

    /// What the storage strategies change before storing, after managed fields are recorded
    /// (a Secret's stringData becomes base64 data).
    static func prepareForStorage(_ object: inout JSONValue, type: ResourceType) {
        guard type.group.isEmpty, type.kind == "Secret" else { return }
        setIfAbsent(&object, ["type"], "Opaque")
        if case .object(let strings) = object["stringData"] {
            var data = object["data"].objectValue ?? [:]
            for (k, v) in strings { data[k] = .string(Data((v.stringValue ?? "").utf8).base64EncodedString()) }
            object["data"] = .object(data)
        }
        object.removeValue(forKey: "stringData")
    }

    /// Status stubs and server-owned metadata a fresh object shows (what the typed Go structs serialise).
    static func created(_ object: inout JSONValue, type: ResourceType) {
        switch (type.group, type.kind) {
        case ("", "Namespace"):
            setIfAbsent(&object, ["spec", "finalizers"], ["kubernetes"])
            setIfAbsent(&object, ["status", "phase"], "Active")
        case ("", "Service"):
            setIfAbsent(&object, ["status", "loadBalancer"], .emptyObject)
        case ("", "PersistentVolumeClaim"):
            var finalizers = object["metadata"]["finalizers"].arrayValue ?? []
            if !finalizers.contains("kubernetes.io/pvc-protection") { finalizers.append("kubernetes.io/pvc-protection") }
            object.setValue(.array(finalizers), at: ["metadata", "finalizers"])
            setIfAbsent(&object, ["status", "phase"], "Pending")
        case ("", "Event"):
            setIfAbsent(&object, ["reportingComponent"], "")
            setIfAbsent(&object, ["reportingInstance"], "")
            if object["eventTime"].isNull { object["eventTime"] = .null }
        case ("", "Pod"):
            setIfAbsent(&object, ["status", "phase"], "Pending")
            setIfAbsent(&object, ["status", "qosClass"], "BestEffort")
        case ("apps", "Deployment"), ("apps", "ReplicaSet"), ("batch", "CronJob"):
            setIfAbsent(&object, ["status"], .emptyObject)
        case ("batch", "Job"):
            setIfAbsent(&object, ["status"], .emptyObject)
        case ("apps", "DaemonSet"):
            object.setValue(.string(String(object["metadata"]["generation"].intValue ?? 1)), at: ["metadata", "annotations", "deprecated.daemonset.template.generation"])
            for f in ["currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady"] { setIfAbsent(&object, ["status", f], 0) }
        case ("apps", "StatefulSet"):
            setIfAbsent(&object, ["status", "replicas"], 0)
            setIfAbsent(&object, ["status", "availableReplicas"], 0)
        case ("policy", "PodDisruptionBudget"):
            for f in ["disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"] { setIfAbsent(&object, ["status", f], 0) }
        case ("networking.k8s.io", "Ingress"):
            setIfAbsent(&object, ["status", "loadBalancer"], .emptyObject)
        case ("autoscaling", "HorizontalPodAutoscaler"):
            horizontalPodAutoscalerStatus(&object)
        case ("apiextensions.k8s.io", "CustomResourceDefinition"):
            let storage = (object["spec"]["versions"].arrayValue ?? []).first { $0["storage"].boolValue == true }?["name"] ?? .null
            object["status"] = ["conditions": .null, "acceptedNames": ["plural": "", "kind": ""],
                                "storedVersions": storage.isNull ? [] : [storage]]
        default: break
        }
    }

    // MARK: Pieces

    static func setIfAbsent(_ object: inout JSONValue, _ path: [String], _ value: JSONValue) {
        if object.value(at: path) == nil || object.value(at: path) == .null { object.setValue(value, at: path) }
    }

    /// Go defaulting tests a string field against its zero value: an empty string is defaulted too.
    static func setIfEmpty(_ object: inout JSONValue, _ path: [String], _ value: JSONValue) {
        if object.value(at: path)?.stringValue == "" { object.setValue(value, at: path) } else { setIfAbsent(&object, path, value) }
    }

    /// A pod template's defaults; its restartPolicy defaults to Always even in a Job, whose
    /// validation then refuses it (as the server does when a Job names no restartPolicy).
    static func templateDefaults(_ object: inout JSONValue, at path: [String]) {
        guard let template = object.value(at: path), case .object = template else { return }
        var t = template
        if t["metadata"]["creationTimestamp"].isNull { t.setValue(.null, at: ["metadata", "creationTimestamp"]) }
        podSpecDefaults(&t, at: ["spec"])
        object.setValue(t, at: path)
    }

    static func jobSpecDefaults(_ object: inout JSONValue, at path: [String]) {
        let uid = object["metadata"]["uid"].stringValue
        setIfAbsent(&object, path + ["parallelism"], 1)
        setIfAbsent(&object, path + ["completions"], 1)
        setIfAbsent(&object, path + ["backoffLimit"], 6)
        setIfAbsent(&object, path + ["completionMode"], "NonIndexed")
        setIfAbsent(&object, path + ["suspend"], false)
        if let uid, object.value(at: path + ["selector"]) == nil, object["spec"]["manualSelector"].boolValue != true {
            let name = object["metadata"]["name"].stringValue ?? ""
            object.setValue(.string(uid), at: ["metadata", "labels", "controller-uid"])
            object.setValue(.string(name), at: ["metadata", "labels", "job-name"])
            object.setValue(["matchLabels": ["controller-uid": .string(uid)]], at: path + ["selector"])
            object.setValue(.string(uid), at: path + ["template", "metadata", "labels", "controller-uid"])
            object.setValue(.string(name), at: path + ["template", "metadata", "labels", "job-name"])
        }
        templateDefaults(&object, at: path + ["template"])
    }

    static func podSpecDefaults(_ object: inout JSONValue, at path: [String]) {
        guard var spec = object.value(at: path), case .object = spec else { return }
        for list in ["containers", "initContainers"] {
            guard case .array(var containers) = spec[list] else { continue }
            for i in containers.indices { containerDefaults(&containers[i]) }
            spec[list] = .array(containers)
        }
        if case .array(var volumes) = spec["volumes"] {
            for i in volumes.indices {
                // A volume that names no source is an emptyDir (`SetDefaults_Volume`).
                if PodVolumeValidation.sources.allSatisfy({ volumes[i][$0.json].isNull }) { volumes[i]["emptyDir"] = .emptyObject }
                for source in ["configMap", "secret", "downwardAPI"] where !volumes[i][source].isNull {
                    setIfAbsent(&volumes[i], [source, "defaultMode"], 420)
                }
                if !volumes[i]["projected"].isNull {
                    setIfAbsent(&volumes[i], ["projected", "defaultMode"], 420)
                    if case .array(var sources) = volumes[i]["projected"]["sources"] {
                        for j in sources.indices where !sources[j]["serviceAccountToken"].isNull {
                            setIfAbsent(&sources[j], ["serviceAccountToken", "expirationSeconds"], 3600)
                        }
                        volumes[i].setValue(.array(sources), at: ["projected", "sources"])
                    }
                }
                if !volumes[i]["hostPath"].isNull { setIfAbsent(&volumes[i], ["hostPath", "type"], "") }
            }
            spec["volumes"] = .array(volumes)
        }
        setIfEmpty(&spec, ["restartPolicy"], "Always")
        setIfAbsent(&spec, ["terminationGracePeriodSeconds"], 30)
        setIfEmpty(&spec, ["dnsPolicy"], "ClusterFirst")
        if !spec["serviceAccountName"].isNull { setIfAbsent(&spec, ["serviceAccount"], spec["serviceAccountName"]) }
        setIfAbsent(&spec, ["securityContext"], .emptyObject)
        setIfAbsent(&spec, ["schedulerName"], "default-scheduler")
        // `minDomains` is behind the MinDomainsInPodTopologySpread gate, off in v1.24: the
        // strategy drops it (`dropDisabledFields`) before validation.
        if case .array(var constraints) = spec["topologySpreadConstraints"] {
            for i in constraints.indices { constraints[i].removeValue(at: ["minDomains"]) }
            spec["topologySpreadConstraints"] = .array(constraints)
        }
        object.setValue(spec, at: path)
    }

    static func containerDefaults(_ c: inout JSONValue) {
        setIfAbsent(&c, ["resources"], .emptyObject)
        setIfAbsent(&c, ["terminationMessagePath"], "/dev/termination-log")
        setIfEmpty(&c, ["terminationMessagePolicy"], "File")
        let image = c["image"].stringValue ?? ""
        let lastPart = image.split(separator: "/").last.map(String.init) ?? image
        let tagged = lastPart.contains(":") && !lastPart.hasSuffix(":latest")
        setIfEmpty(&c, ["imagePullPolicy"], image.contains("@") || tagged ? "IfNotPresent" : "Always")
        if case .array(var ports) = c["ports"] {
            for i in ports.indices { setIfAbsent(&ports[i], ["protocol"], "TCP") }
            c["ports"] = .array(ports)
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] where !c[probe].isNull {
            var p = c[probe]
            setIfAbsent(&p, ["timeoutSeconds"], 1)
            setIfAbsent(&p, ["periodSeconds"], 10)
            setIfAbsent(&p, ["successThreshold"], 1)
            setIfAbsent(&p, ["failureThreshold"], 3)
            if !p["httpGet"].isNull {
                setIfAbsent(&p, ["httpGet", "path"], "/")
                setIfAbsent(&p, ["httpGet", "scheme"], "HTTP")
            }
            c[probe] = p
        }
        for hook in ["postStart", "preStop"] where !c["lifecycle"][hook]["httpGet"].isNull {
            setIfAbsent(&c, ["lifecycle", hook, "httpGet", "path"], "/")
            setIfAbsent(&c, ["lifecycle", hook, "httpGet", "scheme"], "HTTP")
        }
        if case .array(var env) = c["env"] {
            for i in env.indices where !env[i]["valueFrom"]["fieldRef"].isNull {
                setIfAbsent(&env[i], ["valueFrom", "fieldRef", "apiVersion"], "v1")
            }
            c["env"] = .array(env)
        }
    }

    static func serviceDefaults(_ object: inout JSONValue) {
        setIfAbsent(&object, ["spec", "type"], "ClusterIP")
        let type = object["spec"]["type"].stringValue ?? "ClusterIP"
        if case .array(var ports) = object["spec"]["ports"] {
            for i in ports.indices {
                setIfAbsent(&ports[i], ["protocol"], "TCP")
                setIfAbsent(&ports[i], ["targetPort"], ports[i]["port"])
            }
            object.setValue(.array(ports), at: ["spec", "ports"])
        }
        if type != "ExternalName" {
            setIfEmpty(&object, ["spec", "sessionAffinity"], "None")
            setIfAbsent(&object, ["spec", "internalTrafficPolicy"], "Cluster")
        }
        switch object["spec"]["sessionAffinity"].stringValue {
        case "None": object.removeValue(at: ["spec", "sessionAffinityConfig"])
        case "ClientIP": setIfAbsent(&object, ["spec", "sessionAffinityConfig", "clientIP", "timeoutSeconds"], 10800)
        default: break
        }
        if type == "LoadBalancer" || type == "NodePort" {
            setIfAbsent(&object, ["spec", "externalTrafficPolicy"], "Cluster")
        }
        if type == "LoadBalancer" { setIfAbsent(&object, ["spec", "allocateLoadBalancerNodePorts"], true) }
    }
}
