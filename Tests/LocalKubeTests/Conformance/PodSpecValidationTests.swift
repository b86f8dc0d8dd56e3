import TestSupport
import KubernetesModel
import LocalKube
import Testing

/// The pod spec families (volumes and mounts, policies, security contexts, tolerations,
/// lifecycle handlers) and the workload strategies, through the HTTP API: each case a write the
/// server refuses and the message of its 422, word for word.
@Suite struct PodSpecValidationTests {
    typealias Case = ValidationFamilyTests.Case

    static let deployments = ValidationFamilyTests.deployments
    static let prefix = "Deployment.apps \"web\" is invalid: "
    static let c0 = "spec.template.spec.containers[0]"
    static let v0 = "spec.template.spec.volumes[0]"

    static func deployment(_ pod: JSONValue) -> JSONValue { ValidationFamilyTests.deployment(pod: pod) }
    static func deployment(selector: JSONValue, pod: JSONValue = pod()) -> JSONValue { ValidationFamilyTests.deployment(selector: selector, pod: pod) }

    static func container(_ extra: JSONValue = [:]) -> JSONValue {
        var c: JSONValue = ["name": "main", "image": "nginx"]
        for (key, value) in extra.objectValue ?? [:] { c[key] = value }
        return c
    }

    static func pod(_ extra: JSONValue = [:], container: JSONValue = container()) -> JSONValue {
        var spec: JSONValue = ["containers": [container]]
        for (key, value) in extra.objectValue ?? [:] { spec[key] = value }
        return spec
    }

    /// A `core.SecurityContext` with capabilities, privileged and allowPrivilegeEscalation set, as `%#v` prints it.
    static let securityContextDump = "core.SecurityContext{Capabilities:(*core.Capabilities)(0xc000c30000), Privileged:(*bool)(0xc000c30010), "
        + "SELinuxOptions:(*core.SELinuxOptions)(nil), WindowsOptions:(*core.WindowsSecurityContextOptions)(nil), RunAsUser:(*int64)(nil), "
        + "RunAsGroup:(*int64)(nil), RunAsNonRoot:(*bool)(nil), ReadOnlyRootFilesystem:(*bool)(nil), AllowPrivilegeEscalation:(*bool)(0xc000c30020), "
        + "ProcMount:(*core.ProcMountType)(nil), SeccompProfile:(*core.SeccompProfile)(nil)}"

    static let fileMode = "must be a number between 0 and 0777 (octal), both inclusive"
    static let idRange = "must be between 0 and 2147483647, inclusive"
    static let qualifiedName = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    static let labelValue = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

    static let podCases: [Case] = [
        // Policies with fixed values.
        Case(about: "dns policy", path: deployments, body: deployment(pod(["dnsPolicy": "Cluster"])),
             message: prefix + "spec.template.spec.dnsPolicy: Unsupported value: \"Cluster\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\""),
        Case(about: "termination message and image pull policies", path: deployments,
             body: deployment(pod(container: container(["imagePullPolicy": "Sometimes", "terminationMessagePolicy": "Stdout"]))),
             message: prefix + "[\(c0).terminationMessagePolicy: Invalid value: \"Stdout\": must be 'File' or 'FallbackToLogsOnError', \(c0).imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"]"),
        // Scheduling.
        Case(about: "node selector values are label values", path: deployments, body: deployment(pod(["nodeSelector": ["disktype": "ssd fast"]])),
             message: prefix + "spec.template.spec.nodeSelector: Invalid value: \"ssd fast\": \(labelValue)"),
        Case(about: "toleration key, empty key, seconds without NoExecute, value with Exists", path: deployments,
             body: deployment(pod(["tolerations": [["key": "-gpu", "operator": "Exists"], ["operator": "Equal", "value": "x"],
                                                   ["key": "k", "operator": "Exists", "value": "v", "effect": "NoSchedule", "tolerationSeconds": 30]]])),
             message: prefix + "[spec.template.spec.tolerations[0].key: Invalid value: \"-gpu\": name part \(qualifiedName), "
                + "spec.template.spec.tolerations[1].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\", "
                + "spec.template.spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set, "
                + "spec.template.spec.tolerations[2].operator: Invalid value: core.Toleration{Key:\"k\", Operator:\"Exists\", Value:\"v\", Effect:\"NoSchedule\", TolerationSeconds:(*int64)(0xc000a10040)}: value must be empty when `operator` is 'Exists']"),
        Case(about: "toleration operator and effect values", path: deployments,
             body: deployment(pod(["tolerations": [["key": "k", "operator": "In", "effect": "NoRun"]]])),
             message: prefix + "[spec.template.spec.tolerations[0].operator: Unsupported value: \"In\": supported values: \"Equal\", \"Exists\", "
                + "spec.template.spec.tolerations[0].effect: Unsupported value: \"NoRun\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"]"),
        // Volumes.
        Case(about: "two sources in one volume; its mount then names no valid volume", path: deployments,
             body: deployment(pod(["volumes": [["name": "data", "emptyDir": [:], "configMap": ["name": "cfg"]]]],
                                  container: container(["volumeMounts": [["name": "data", "mountPath": "/data"]]]))),
             message: prefix + "[\(v0).configMap: Forbidden: may not specify more than 1 volume type, \(c0).volumeMounts[0].name: Not found: \"data\"]"),
        Case(about: "config map name, mode and item paths", path: deployments,
             body: deployment(pod(["volumes": [["name": "cfg", "configMap": ["name": "", "defaultMode": 1000,
                                                                             "items": [["key": "a", "path": "/etc/a"], ["key": "", "path": "../b"], ["key": "c", "path": "..c"]]]]]])),
             message: prefix + "[\(v0).configMap.name: Required value, \(v0).configMap.defaultMode: Invalid value: 1000: \(fileMode), "
                + "\(v0).configMap.items[0].path: Invalid value: \"/etc/a\": must be a relative path, \(v0).configMap.items[1].key: Required value, "
                + "\(v0).configMap.items[1].path: Invalid value: \"../b\": must not contain '..', \(v0).configMap.items[2].path: Invalid value: \"..c\": must not start with '..']"),
        Case(about: "hostPath, claim and secret sources", path: deployments,
             body: deployment(pod(["volumes": [["name": "h", "hostPath": ["path": "/var/../etc", "type": "Dir"]], ["name": "c", "persistentVolumeClaim": [:]],
                                               ["name": "s", "secret": ["items": [["key": "k", "path": "p", "mode": -1]]]], ["name": "e", "hostPath": ["path": ""]]]])),
             message: prefix + "[\(v0).hostPath.path: Invalid value: \"/var/../etc\": must not contain '..', "
                + "\(v0).hostPath.type: Unsupported value: \"Dir\": supported values: \"\", \"BlockDevice\", \"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\", "
                + "spec.template.spec.volumes[1].persistentVolumeClaim.claimName: Required value, spec.template.spec.volumes[2].secret.secretName: Required value, "
                + "spec.template.spec.volumes[2].secret.items[0].mode: Invalid value: -1: \(fileMode), spec.template.spec.volumes[3].hostPath.path: Required value]"),
        Case(about: "projected sources", path: deployments,
             body: deployment(pod(["volumes": [["name": "p", "projected": ["sources": [["secret": ["name": "s"], "configMap": ["name": "c"]],
                                                                                      ["serviceAccountToken": ["path": "token", "expirationSeconds": 60]]]]]]])),
             message: prefix + "[\(v0).projected.sources[0]: Forbidden: may not specify more than 1 volume type, "
                + "\(v0).projected.sources[1].serviceAccountToken.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes]"),
        Case(about: "volume mounts: unique mount path, relative subPath, known volume, mount path required", path: deployments,
             body: deployment(pod(["volumes": [["name": "data", "emptyDir": [:]]]],
                                  container: container(["volumeMounts": [["name": "data", "mountPath": "/data"], ["name": "data", "mountPath": "/data", "subPath": "/abs"],
                                                                         ["name": "other", "mountPath": ""]]]))),
             message: prefix + "[\(c0).volumeMounts[1].mountPath: Invalid value: \"/data\": must be unique, \(c0).volumeMounts.subPath: Invalid value: \"/abs\": must be a relative path, "
                + "\(c0).volumeMounts[2].name: Not found: \"other\", \(c0).volumeMounts[2].mountPath: Required value]"),
        // Security contexts and lifecycle hooks.
        Case(about: "security context ids and seccomp type", path: deployments,
             body: deployment(pod(["securityContext": ["runAsUser": -1, "fsGroup": -5]],
                                  container: container(["securityContext": ["runAsGroup": -1, "seccompProfile": ["type": "Custom"]]]))),
             message: prefix + "[\(c0).securityContext.runAsGroup: Invalid value: -1: \(idRange), "
                + "\(c0).securityContext.seccompProfile.type: Unsupported value: \"Custom\": supported values: \"Localhost\", \"RuntimeDefault\", \"Unconfined\", "
                + "spec.template.spec.securityContext.fsGroup: Invalid value: -5: \(idRange), spec.template.spec.securityContext.runAsUser: Invalid value: -1: \(idRange)]"),
        Case(about: "no privilege escalation, yet privileged and CAP_SYS_ADMIN: the context printed as the internal struct", path: deployments,
             body: deployment(pod(container: container(["securityContext": ["allowPrivilegeEscalation": false, "privileged": true,
                                                                             "capabilities": ["add": ["CAP_SYS_ADMIN"]]]]))),
             message: prefix + "[\(c0).securityContext: Invalid value: \(securityContextDump): cannot set `allowPrivilegeEscalation` to false and `privileged` to true, "
                + "\(c0).securityContext: Invalid value: \(securityContextDump): cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN]"),
        Case(about: "lifecycle handlers: exactly one each", path: deployments,
             body: deployment(pod(container: container(["lifecycle": ["preStop": [:], "postStart": ["exec": ["command": []], "tcpSocket": ["port": 80]]]]))),
             message: prefix + "[\(c0).lifecycle.postStart.exec.command: Required value, \(c0).lifecycle.postStart.tcpSocket: Forbidden: may not specify more than 1 handler type, "
                + "\(c0).lifecycle.preStop: Required value: must specify a handler type]"),
        Case(about: "a startup probe's errors are named once in the message", path: deployments,
             body: deployment(pod(container: container(["startupProbe": ["tcpSocket": ["port": 0]]]))),
             message: prefix + "\(c0).startupProbe.tcpSocket.port: Invalid value: 0: must be between 1 and 65535, inclusive"),
    ]

    static func statefulSet(_ spec: JSONValue) -> JSONValue {
        var s: JSONValue = ["serviceName": "db", "selector": ["matchLabels": ["app": "db"]],
                            "template": ["metadata": ["labels": ["app": "db"]], "spec": ["containers": [["name": "main", "image": "postgres"]]]]]
        for (key, value) in spec.objectValue ?? [:] { s[key] = value }
        return ["apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": ["name": "db"], "spec": s]
    }

    static func daemonSet(_ strategy: JSONValue) -> JSONValue {
        ["apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": ["name": "agent"],
         "spec": ["selector": ["matchLabels": ["app": "agent"]], "updateStrategy": strategy,
                  "template": ["metadata": ["labels": ["app": "agent"]], "spec": ["containers": [["name": "main", "image": "agent"]]]]]]
    }

    static func deploymentStrategy(_ strategy: JSONValue) -> JSONValue {
        var d = deployment(pod())
        d["spec"]["strategy"] = strategy
        return d
    }

    static let workloadCases: [Case] = [
        Case(about: "Recreate with rollingUpdate", path: deployments, body: deploymentStrategy(["type": "Recreate", "rollingUpdate": ["maxSurge": 1]]),
             message: prefix + "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"),
        Case(about: "deployment strategy type", path: deployments, body: deploymentStrategy(["type": "BlueGreen"]),
             message: prefix + "spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:\"BlueGreen\", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: \"Recreate\", \"RollingUpdate\""),
        Case(about: "statefulset policies come before replicas", path: "/apis/apps/v1/namespaces/v/statefulsets",
             body: statefulSet(["replicas": -1, "podManagementPolicy": "Random", "updateStrategy": ["type": "OnDelete", "rollingUpdate": ["partition": 2]]]),
             message: "StatefulSet.apps \"db\" is invalid: [spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel', "
                + "spec.updateStrategy.rollingUpdate: Invalid value: apps.RollingUpdateStatefulSetStrategy{Partition:2, MaxUnavailable:(*intstr.IntOrString)(nil)}: only allowed for updateStrategy 'RollingUpdate', "
                + "spec.replicas: Invalid value: -1: must be greater than or equal to 0]"),
        Case(about: "statefulset update strategy type and partition", path: "/apis/apps/v1/namespaces/v/statefulsets",
             body: statefulSet(["updateStrategy": ["type": "Canary"]]),
             message: "StatefulSet.apps \"db\" is invalid: spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{Type:\"Canary\", RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}: must be 'RollingUpdate' or 'OnDelete'"),
        Case(about: "statefulset partition", path: "/apis/apps/v1/namespaces/v/statefulsets",
             body: statefulSet(["updateStrategy": ["type": "RollingUpdate", "rollingUpdate": ["partition": -1]]]),
             message: "StatefulSet.apps \"db\" is invalid: spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0"),
        Case(about: "statefulset: empty selector, restart policy and activeDeadlineSeconds (its pod spec is otherwise unchecked)", path: "/apis/apps/v1/namespaces/v/statefulsets",
             body: statefulSet(["selector": [:], "template": ["metadata": ["labels": ["app": "db"]],
                                                               "spec": ["containers": [["name": "Main"]], "restartPolicy": "Never", "activeDeadlineSeconds": 60]]]),
             message: "StatefulSet.apps \"db\" is invalid: [spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset, "
                + "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\", "
                + "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported]"),
        Case(about: "daemonset without a selector: its template does not match", path: "/apis/apps/v1/namespaces/v/daemonsets",
             body: { () -> JSONValue in var d = daemonSet(["type": "OnDelete"]); d["spec"]["selector"] = nil; return d }(),
             message: "DaemonSet.apps \"agent\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"agent\"}: `selector` does not match template `labels`"),
        Case(about: "daemonset empty selector", path: "/apis/apps/v1/namespaces/v/daemonsets",
             body: { () -> JSONValue in var d = daemonSet(["type": "OnDelete"]); d["spec"]["selector"] = [:]; return d }(),
             message: "DaemonSet.apps \"agent\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for daemonset"),
        Case(about: "deployment selector: a bad operator and key, then LabelSelectorAsSelector fails (the template is not matched)", path: "/apis/apps/v1/namespaces/v/deployments",
             body: deployment(selector: ["matchExpressions": [["key": "app/", "operator": "Like", "values": ["web"]]]]),
             message: "Deployment.apps \"web\" is invalid: [spec.selector.matchExpressions[0].operator: Invalid value: \"Like\": not a valid selector operator, "
                + "spec.selector.matchExpressions[0].key: Invalid value: \"app/\": name part must be non-empty, "
                + "spec.selector.matchExpressions[0].key: Invalid value: \"app/\": name part \(ClusterPolicyValidationTests.qualifiedName), "
                + "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:\"app/\", Operator:\"Like\", Values:[]string{\"web\"}}}}: invalid label selector]"),
        Case(about: "deployment without a selector: required, and the template does not match the nothing it selects", path: "/apis/apps/v1/namespaces/v/deployments",
             body: deployment(selector: nil),
             message: "Deployment.apps \"web\" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`]"),
        Case(about: "deployment whose selector does not convert: its template is not checked (ValidatePodTemplateSpecForReplicaSet is skipped)", path: "/apis/apps/v1/namespaces/v/deployments",
             body: deployment(selector: ["matchExpressions": [["key": "app", "operator": "In", "values": ["web app"]]]], pod: pod(["restartPolicy": "Never"])),
             message: "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:\"app\", Operator:\"In\", Values:[]string{\"web app\"}}}}: invalid label selector"),
        Case(about: "statefulset whose selector does not convert: an invalid value without a detail", path: "/apis/apps/v1/namespaces/v/statefulsets",
             body: statefulSet(["selector": ["matchExpressions": [["key": "app", "operator": "In", "values": ["db!"]]]]]),
             message: "StatefulSet.apps \"db\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:\"app\", Operator:\"In\", Values:[]string{\"db!\"}}}}"),
        Case(about: "deployment selector value that is no label value: only LabelSelectorAsSelector refuses it (v1.24)", path: "/apis/apps/v1/namespaces/v/deployments",
             body: deployment(selector: ["matchExpressions": [["key": "app", "operator": "In", "values": ["web app"]]]]),
             message: "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:\"app\", Operator:\"In\", Values:[]string{\"web app\"}}}}: invalid label selector"),
        Case(about: "daemonset update strategy type", path: "/apis/apps/v1/namespaces/v/daemonsets", body: daemonSet(["type": "Rolling"]),
             message: "DaemonSet.apps \"agent\" is invalid: spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:\"Rolling\", RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: \"RollingUpdate\", \"OnDelete\""),
    ]

    @Test func podSpecRefusedAsTheServerWordsIt() async throws {
        try await ValidationFamilyTests.expectRefused(Self.podCases)
    }

    @Test func workloadStrategiesRefusedAsTheServerWordsIt() async throws {
        try await ValidationFamilyTests.expectRefused(Self.workloadCases)
    }

    /// Valid specs of these families are stored as the server stores them: a volume without a
    /// source becomes an emptyDir, lifecycle httpGet hooks get the probe defaults, empty
    /// policies are defaulted, and DaemonSets may use OnDelete with rolling parameters.
    @Test func validSpecsAreStoredWithDefaults() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("v")
            let spec = Self.pod(["volumes": [["name": "scratch"], ["name": "cfg", "configMap": ["name": "cfg", "items": [["key": "a", "path": "conf/a"]]]],
                                             ["name": "token", "projected": ["sources": [["serviceAccountToken": ["path": "token"]]]]]],
                                 "dnsPolicy": "", "tolerations": [["operator": "Exists"], ["key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                                                                           "effect": "NoExecute", "tolerationSeconds": 300]],
                                 "nodeSelector": ["kubernetes.io/os": "linux"], "securityContext": ["runAsUser": 1000, "fsGroup": 2000]],
                                container: Self.container(["imagePullPolicy": "", "volumeMounts": [["name": "scratch", "mountPath": "/tmp"], ["name": "cfg", "mountPath": "/etc/cfg", "subPath": "conf"]],
                                                           "lifecycle": ["preStop": ["httpGet": ["port": 8080]]],
                                                           "securityContext": ["capabilities": ["add": ["NET_ADMIN"]], "seccompProfile": ["type": "RuntimeDefault"]]]))
            let created = try await f.create(Self.deployments, Self.deployment(spec))
            #expect(created.status == 201, "\(created.text)")
            let stored = created.body["spec"]["template"]["spec"]
            #expect(stored["volumes"][0] == ["name": "scratch", "emptyDir": [:]])
            #expect(stored["volumes"][2]["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"] == 3600)
            #expect(stored["dnsPolicy"] == "ClusterFirst")
            #expect(stored["containers"][0]["imagePullPolicy"] == "Always")
            #expect(stored["containers"][0]["lifecycle"]["preStop"]["httpGet"] == ["path": "/", "port": 8080, "scheme": "HTTP"])

            let daemonSet = try await f.create("/apis/apps/v1/namespaces/v/daemonsets", Self.daemonSet(["type": "OnDelete", "rollingUpdate": ["maxSurge": 0]]))
            #expect(daemonSet.status == 201, "\(daemonSet.text)")
            let statefulSet = try await f.create("/apis/apps/v1/namespaces/v/statefulsets", Self.statefulSet(["podManagementPolicy": "Parallel", "updateStrategy": ["type": "OnDelete"]]))
            #expect(statefulSet.status == 201, "\(statefulSet.text)")
            // v1.24 stores a StatefulSet whose pod spec a Deployment could not have.
            var unchecked = Self.statefulSet(["template": ["metadata": ["labels": ["app": "db"]],
                                                           "spec": ["containers": [["name": "Main"]], "volumes": [["name": "v", "hostPath": ["path": ""]]]]]])
            unchecked["metadata"]["name"] = "loose"
            let loose = try await f.create("/apis/apps/v1/namespaces/v/statefulsets", unchecked)
            #expect(loose.status == 201, "\(loose.text)")
        }
    }
}
