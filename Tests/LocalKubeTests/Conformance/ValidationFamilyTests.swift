import TestSupport
import KubernetesModel
import LocalKube
import Testing

/// The server's validation families through the HTTP API, one table per family: each case a
/// write the server refuses and the message of its 422, word for word.
@Suite struct ValidationFamilyTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let about: String
        let path: String
        let body: JSONValue
        let message: String
        var testDescription: String { about }
    }

    static func deployment(_ name: String = "web", replicas: Int64 = 1, selector: JSONValue = ["matchLabels": ["app": "web"]],
                           labels: JSONValue = ["app": "web"], pod: JSONValue) -> JSONValue {
        ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string(name)],
         "spec": ["replicas": .int(replicas), "selector": selector, "template": ["metadata": ["labels": labels], "spec": pod]]]
    }

    static func pod(_ container: JSONValue, restartPolicy: JSONValue = nil) -> JSONValue {
        var spec: JSONValue = ["containers": [container]]
        if !restartPolicy.isNull { spec["restartPolicy"] = restartPolicy }
        return spec
    }

    static func service(_ spec: JSONValue) -> JSONValue {
        ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "svc"], "spec": spec]
    }

    static func secret(_ type: String, data: JSONValue = [:], annotations: JSONValue = [:]) -> JSONValue {
        ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s", "annotations": annotations], "type": .string(type), "data": data]
    }

    static let deployments = "/apis/apps/v1/namespaces/v/deployments"
    static let services = "/api/v1/namespaces/v/services"
    static let secrets = "/api/v1/namespaces/v/secrets"

    static let cases: [Case] = [
        // Containers: names, images, ports.
        Case(about: "container name", path: deployments,
             body: deployment(pod: pod(["name": "Main", "image": "nginx"])),
             message: "Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].name: Invalid value: \"Main\": \(labelMessage)"),
        Case(about: "no containers, no image", path: deployments,
             body: deployment(pod: ["containers": []]),
             message: "Deployment.apps \"web\" is invalid: spec.template.spec.containers: Required value"),
        Case(about: "image required", path: deployments,
             body: deployment(pod: pod(["name": "main"])),
             message: "Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].image: Required value"),
        Case(about: "container port range and name", path: deployments,
             body: deployment(pod: pod(["name": "main", "image": "nginx", "ports": [["containerPort": 70000, "name": "HTTP--web-port-x"]]])),
             message: "Deployment.apps \"web\" is invalid: [spec.template.spec.containers[0].ports[0].name: Invalid value: \"HTTP--web-port-x\": must be no more than 15 characters, spec.template.spec.containers[0].ports[0].name: Invalid value: \"HTTP--web-port-x\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), spec.template.spec.containers[0].ports[0].name: Invalid value: \"HTTP--web-port-x\": must not contain consecutive hyphens, spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive]"),
        Case(about: "port protocol", path: deployments,
             body: deployment(pod: pod(["name": "main", "image": "nginx", "ports": [["containerPort": 80, "protocol": "HTTP"]]])),
             message: "Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""),
        Case(about: "env var name", path: deployments,
             body: deployment(pod: pod(["name": "main", "image": "nginx", "env": [["name": "1ST", "value": "x"]]])),
             message: "Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].env[0].name: Invalid value: \"1ST\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"),
        // Probes.
        Case(about: "probe without handler", path: deployments,
             body: deployment(pod: pod(["name": "main", "image": "nginx", "livenessProbe": ["periodSeconds": 5]])),
             message: "Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].livenessProbe: Required value: must specify a handler type"),
        Case(about: "probe with two handlers", path: deployments,
             body: deployment(pod: pod(["name": "main", "image": "nginx",
                                        "readinessProbe": ["exec": ["command": ["true"]], "tcpSocket": ["port": 80]]])),
             message: "Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"),
        Case(about: "probe port name and liveness threshold", path: deployments,
             body: deployment(pod: pod(["name": "main", "image": "nginx",
                                        "livenessProbe": ["httpGet": ["path": "/", "port": "Web"], "successThreshold": 2]])),
             message: "Deployment.apps \"web\" is invalid: [spec.template.spec.containers[0].livenessProbe.httpGet.port: Invalid value: \"Web\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), spec.template.spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1]"),
        // Resources.
        Case(about: "request above limit", path: deployments,
             body: deployment(pod: pod(["name": "main", "image": "nginx",
                                        "resources": ["requests": ["cpu": "2", "memory": "1Gi"], "limits": ["cpu": "500m", "memory": "1024Mi"]]])),
             message: "Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit"),
        Case(about: "resource name and negative quantity", path: deployments,
             body: deployment(pod: pod(["name": "main", "image": "nginx", "resources": ["limits": ["cpus": "1", "memory": "-1Mi"]]])),
             message: "Deployment.apps \"web\" is invalid: [spec.template.spec.containers[0].resources.limits[cpus]: Invalid value: \"cpus\": must be a standard resource for containers, spec.template.spec.containers[0].resources.limits[memory]: Invalid value: \"-1Mi\": must be greater than or equal to 0]"),
        // Selectors and restart policies of the owners.
        Case(about: "selector must match template labels", path: deployments,
             body: deployment(labels: ["app": "other"], pod: pod(["name": "main", "image": "nginx"])),
             message: "Deployment.apps \"web\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`"),
        Case(about: "deployment restart policy", path: deployments,
             body: deployment(pod: pod(["name": "main", "image": "nginx"], restartPolicy: "OnFailure")),
             message: "Deployment.apps \"web\" is invalid: spec.template.spec.restartPolicy: Unsupported value: \"OnFailure\": supported values: \"Always\""),
        Case(about: "job restart policy", path: "/apis/batch/v1/namespaces/v/jobs",
             body: ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "once"],
                    "spec": ["template": ["spec": pod(["name": "main", "image": "busybox"], restartPolicy: "Always")]]],
             message: "Job.batch \"once\" is invalid: spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""),
        Case(about: "job without restart policy (defaulted to Always)", path: "/apis/batch/v1/namespaces/v/jobs",
             body: ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "once"],
                    "spec": ["template": ["spec": ["containers": [["name": "main", "image": "busybox"]]]]]],
             message: "Job.batch \"once\" is invalid: spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""),
        Case(about: "deployment numbers and rolling update", path: deployments,
             body: ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
                    "spec": ["replicas": -1, "minReadySeconds": 30, "progressDeadlineSeconds": 20,
                             "strategy": ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": 0, "maxSurge": "0%"]],
                             "selector": ["matchLabels": ["app": "web"]],
                             "template": ["metadata": ["labels": ["app": "web"]], "spec": pod(["name": "main", "image": "nginx"])]]],
             message: "Deployment.apps \"web\" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}: may not be 0 when `maxSurge` is 0, spec.progressDeadlineSeconds: Invalid value: 20: must be greater than minReadySeconds]"),
        Case(about: "job counts", path: "/apis/batch/v1/namespaces/v/jobs",
             body: ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "once"],
                    "spec": ["parallelism": -2, "backoffLimit": -1, "template": ["spec": pod(["name": "main", "image": "busybox"], restartPolicy: "Never")]]],
             message: "Job.batch \"once\" is invalid: [spec.parallelism: Invalid value: -2: must be greater than or equal to 0, spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0]"),
        Case(about: "cronjob schedule and concurrency", path: "/apis/batch/v1/namespaces/v/cronjobs",
             body: ["apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": "nightly"],
                    "spec": ["concurrencyPolicy": "Sometimes",
                             "jobTemplate": ["spec": ["template": ["spec": pod(["name": "main", "image": "busybox"], restartPolicy: "OnFailure")]]]]],
             message: "CronJob.batch \"nightly\" is invalid: [spec.schedule: Required value, spec.concurrencyPolicy: Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\", \"Replace\"]"),
        Case(about: "pod volume names", path: "/api/v1/namespaces/v/pods",
             body: ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"],
                    "spec": ["containers": [["name": "main", "image": "nginx"]], "volumes": [["name": "data", "emptyDir": [:]], ["name": "data", "emptyDir": [:]]]]],
             message: "Pod \"p\" is invalid: spec.volumes[1].name: Duplicate value: \"data\""),
        // Services.
        Case(about: "service type", path: services,
             body: service(["type": "Foo", "ports": [["port": 80]]]),
             message: "Service \"svc\" is invalid: spec.type: Unsupported value: \"Foo\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""),
        Case(about: "ExternalName needs externalName", path: services,
             body: service(["type": "ExternalName"]),
             message: "Service \"svc\" is invalid: spec.externalName: Required value"),
        Case(about: "headless NodePort", path: services,
             body: service(["type": "NodePort", "clusterIP": "None", "ports": [["port": 80]]]),
             message: "Service \"svc\" is invalid: spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"),
        Case(about: "nodePort on ClusterIP", path: services,
             body: service(["ports": [["port": 80, "nodePort": 30080]]]),
             message: "Service \"svc\" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"),
        Case(about: "nodePort outside the node port range", path: services,
             body: service(["type": "NodePort", "ports": [["port": 80, "nodePort": 8080]]]),
             message: "Service \"svc\" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767"),
        Case(about: "named targetPort and port protocol", path: services,
             body: service(["ports": [["port": 80, "targetPort": "-web", "protocol": "ICMP"]]]),
             message: "Service \"svc\" is invalid: [spec.ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\", spec.ports[0].targetPort: Invalid value: \"-web\": must not begin or end with a hyphen]"),
        Case(about: "service port name is a DNS label", path: services,
             body: service(["ports": [["port": 80, "name": "Web"], ["port": 81, "name": "web"]]]),
             message: "Service \"svc\" is invalid: spec.ports[0].name: Invalid value: \"Web\": \(labelMessage)"),
        // Typed Secrets.
        Case(about: "dockerconfigjson key", path: secrets, body: secret("kubernetes.io/dockerconfigjson"),
             message: "Secret \"s\" is invalid: data[.dockerconfigjson]: Required value"),
        Case(about: "dockerconfigjson content", path: secrets, body: secret("kubernetes.io/dockerconfigjson", data: [".dockerconfigjson": "bm90IGpzb24="]),
             message: "Secret \"s\" is invalid: data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": invalid character 'o' in literal null (expecting 'u')"),
        Case(about: "tls keys", path: secrets, body: secret("kubernetes.io/tls", data: ["tls.crt": "eA=="]),
             message: "Secret \"s\" is invalid: data[tls.key]: Required value"),
        Case(about: "basic-auth keys", path: secrets, body: secret("kubernetes.io/basic-auth"),
             message: "Secret \"s\" is invalid: [data[%s][username]: Required value, data[%s][password]: Required value]"),
        Case(about: "ssh-auth key", path: secrets, body: secret("kubernetes.io/ssh-auth", data: ["ssh-privatekey": ""]),
             message: "Secret \"s\" is invalid: data[%s][ssh-privatekey]: Required value"),
        Case(about: "service-account-token annotation", path: secrets, body: secret("kubernetes.io/service-account-token"),
             message: "Secret \"s\" is invalid: metadata.annotations[kubernetes.io/service-account.name]: Required value"),
        // 1 MiB + 1 byte of decoded data (each "AAAA" is three zero bytes, "AAA=" two).
        Case(about: "secret data above 1 MiB", path: secrets,
             body: secret("Opaque", data: ["blob": .string(String(repeating: "AAAA", count: 349_525) + "AAA=")]),
             message: "Secret \"s\" is invalid: data: Too long: must have at most 1048576 bytes"),
        // Service session affinity.
        Case(about: "session affinity value", path: services, body: service(["ports": [["port": 80]], "sessionAffinity": "Sticky"]),
             message: "Service \"svc\" is invalid: spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\""),
        Case(about: "ClientIP timeout", path: services,
             body: service(["ports": [["port": 80]], "sessionAffinity": "ClientIP", "sessionAffinityConfig": ["clientIP": ["timeoutSeconds": 0]]]),
             message: "Service \"svc\" is invalid: spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400"),
        // Service traffic policy, health check port, source ranges, external IPs, the kubelet's port (v1.24 texts).
        Case(about: "external traffic policy value", path: services,
             body: service(["type": "NodePort", "ports": [["port": 80]], "externalTrafficPolicy": "Nearest"]),
             message: "Service \"svc\" is invalid: spec.externalTrafficPolicy: Unsupported value: \"Nearest\": supported values: \"Cluster\", \"Local\""),
        Case(about: "external traffic policy on a ClusterIP service", path: services,
             body: service(["ports": [["port": 80]], "externalTrafficPolicy": "Local"]),
             message: "Service \"svc\" is invalid: spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set when `type` is 'NodePort' or 'LoadBalancer'"),
        Case(about: "health check node port without a local load balancer", path: services,
             body: service(["type": "NodePort", "ports": [["port": 80]], "healthCheckNodePort": -1]),
             message: "Service \"svc\" is invalid: spec.healthCheckNodePort: Invalid value: -1: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"),
        Case(about: "health check node port number", path: services,
             body: service(["type": "LoadBalancer", "ports": [["port": 80]], "externalTrafficPolicy": "Local", "healthCheckNodePort": 70000]),
             message: "Service \"svc\" is invalid: spec.healthCheckNodePort: Invalid value: 70000: must be between 1 and 65535, inclusive"),
        Case(about: "load balancer source ranges", path: services,
             body: service(["ports": [["port": 80]], "loadBalancerSourceRanges": ["10.0.0.0/8", "10.1.2.3"]]),
             message: "Service \"svc\" is invalid: [spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer', spec.LoadBalancerSourceRanges: Invalid value: \"[10.0.0.0/8 10.1.2.3]\": must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 ]"),
        Case(about: "external IPs", path: services,
             body: service(["ports": [["port": 80]], "externalIPs": ["1.2.3.4.5", "127.0.0.1", "fe80::1", "0.0.0.0", "224.0.0.9"]]),
             message: "Service \"svc\" is invalid: [spec.externalIPs[0]: Invalid value: \"1.2.3.4.5\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff), "
                + "spec.externalIPs[1]: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128), "
                + "spec.externalIPs[2]: Invalid value: \"fe80::1\": may not be in the link-local range (169.254.0.0/16, fe80::/10), "
                + "spec.externalIPs[3]: Invalid value: \"0.0.0.0\": may not be unspecified (0.0.0.0), "
                + "spec.externalIPs[4]: Invalid value: \"224.0.0.9\": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)]"),
        Case(about: "the kubelet's port on a load balancer", path: services,
             body: service(["type": "LoadBalancer", "ports": [["port": 10250]]]),
             message: "Service \"svc\" is invalid: spec.ports[0]: Invalid value: 10250: may not expose port 10250 externally since it is used by kubelet"),
        Case(about: "two ports with the same protocol and number", path: services,
             body: service(["ports": [["name": "http", "port": 80], ["name": "web", "port": 80], ["name": "dns", "port": 80, "protocol": "UDP"]]]),
             message: "Service \"svc\" is invalid: spec.ports[1]: Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", AppProtocol:(*string)(nil), Port:80, "
                + "TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}"),
        Case(about: "load balancer fields on another type", path: services,
             body: service(["ports": [["port": 80]], "allocateLoadBalancerNodePorts": false, "loadBalancerClass": "example.com/lb"]),
             message: "Service \"svc\" is invalid: [spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer', "
                + "spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer']"),
        Case(about: "load balancer class not a qualified name", path: services,
             body: service(["type": "LoadBalancer", "ports": [["port": 80]], "loadBalancerClass": "Example.com/-lb"]),
             message: "Service \"svc\" is invalid: [spec.loadBalancerClass: Invalid value: \"Example.com/-lb\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), "
                + "spec.loadBalancerClass: Invalid value: \"Example.com/-lb\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')]"),
        // Service cluster IPs and IP families: the allocator's pre-check answers alone.
        Case(about: "cluster IP on an ExternalName service", path: services,
             body: service(["type": "ExternalName", "externalName": "db.example.com", "clusterIP": "10.96.0.5"]),
             message: "Service \"svc\" is invalid: spec.clusterIPs: Forbidden: may not be set for ExternalName services"),
        Case(about: "cluster IP format", path: services,
             body: service(["ports": [["port": 80, "name": "Web"]], "clusterIP": "10.96.0.300"]),
             message: "Service \"svc\" is invalid: spec.clusterIPs[0]: Invalid value: \"10.96.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"),
        Case(about: "clusterIPs[0] is clusterIP", path: services,
             body: service(["ports": [["port": 80]], "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.11"]]),
             message: "Service \"svc\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.0.11\"}: first value must match `clusterIP`"),
        Case(about: "clusterIPs without clusterIP", path: services,
             body: service(["ports": [["port": 80]], "clusterIPs": ["10.96.0.11"]]),
             message: "Service \"svc\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.0.11\"}: must be empty when `clusterIP` is not specified"),
        Case(about: "headless among other cluster IPs", path: services,
             body: service(["ports": [["port": 80]], "clusterIP": "None", "clusterIPs": ["None", "10.96.0.1"]]),
             message: "Service \"svc\" is invalid: spec.clusterIPs: Invalid value: []string{\"None\", \"10.96.0.1\"}: 'None' must be the first and only value"),
        Case(about: "IP families, policy and dual-stack count", path: services,
             body: service(["ports": [["port": 80]], "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10", "10.96.0.11"],
                            "ipFamilies": ["IPv4", "IPv5"], "ipFamilyPolicy": "DualStack"]),
             message: "Service \"svc\" is invalid: [spec.ipFamilies[1]: Unsupported value: \"IPv5\": supported values: \"IPv4\", \"IPv6\", "
                + "spec.ipFamilyPolicy: Unsupported value: \"DualStack\": supported values: \"PreferDualStack\", \"RequireDualStack\", \"SingleStack\", "
                + "spec.clusterIPs: Invalid value: []string{\"10.96.0.10\", \"10.96.0.11\"}: may specify no more than one IP for each IP family]"),
        Case(about: "cluster IP of the wrong family", path: services,
             body: service(["ports": [["port": 80]], "clusterIP": "fd00::10", "ipFamilies": ["IPv4"]]),
             message: "Service \"svc\" is invalid: spec.clusterIPs[0]: Invalid value: \"fd00::10\": expected an IPv4 value as indicated by `ipFamilies[0]`"),
        // PersistentVolumeClaims.
        Case(about: "claim without access modes or storage request", path: claims, body: claim([:]),
             message: "PersistentVolumeClaim \"data\" is invalid: [spec.accessModes: Required value: at least 1 access mode is required, spec.resources[storage]: Required value]"),
        Case(about: "claim access mode, storage and volume mode values", path: claims,
             body: claim(["accessModes": ["ReadWriteOncePod", "ReadWriteOnce"], "resources": ["requests": ["storage": "0"]], "volumeMode": "Raw"]),
             message: "PersistentVolumeClaim \"data\" is invalid: [spec.accessModes: Unsupported value: \"ReadWriteOncePod\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", "
                + "spec.resources[storage]: Invalid value: \"0\": must be greater than zero, spec.volumeMode: Unsupported value: \"Raw\": supported values: \"Block\", \"Filesystem\"]"),
        // CronJob schedules (robfig/cron's errors) and the generated job selector.
        Case(about: "cron schedule field count", path: cronJobs, body: cronJob("*/5 * * *"),
             message: "CronJob.batch \"nightly\" is invalid: spec.schedule: Invalid value: \"*/5 * * *\": expected exactly 5 fields, found 4: [*/5 * * *]"),
        Case(about: "cron schedule range and job selector", path: cronJobs, body: cronJob("0 0 * * 7", selector: ["matchLabels": ["app": "x"]]),
             message: "CronJob.batch \"nightly\" is invalid: [spec.schedule: Invalid value: \"0 0 * * 7\": end of range (7) above maximum (6): 7, "
                + "spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"x\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated]"),
        Case(about: "cron schedule numbers and names", path: cronJobs, body: cronJob("0 9 * jan-x mon"),
             message: "CronJob.batch \"nightly\" is invalid: spec.schedule: Invalid value: \"0 9 * jan-x mon\": failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax"),
        Case(about: "cron descriptor", path: cronJobs, body: cronJob("@every 5q"),
             message: "CronJob.batch \"nightly\" is invalid: spec.schedule: Invalid value: \"@every 5q\": failed to parse duration @every 5q: time: unknown unit \"q\" in duration \"5q\""),
    ]

    static let claims = "/api/v1/namespaces/v/persistentvolumeclaims"
    static let cronJobs = "/apis/batch/v1/namespaces/v/cronjobs"

    static func claim(_ spec: JSONValue) -> JSONValue {
        ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": "data"], "spec": spec]
    }

    static func cronJob(_ schedule: String, selector: JSONValue = nil) -> JSONValue {
        var job: JSONValue = ["template": ["spec": pod(["name": "main", "image": "busybox"], restartPolicy: "OnFailure")]]
        if !selector.isNull { job["selector"] = selector }
        return ["apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": "nightly"], "spec": ["schedule": .string(schedule), "jobTemplate": ["spec": job]]]
    }

    static let labelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

    @Test func refusedAsTheServerWordsIt() async throws {
        try await Self.expectRefused(Self.cases)
    }

    /// Write each case's body to one cluster (namespace `v`; every write is refused, so the cases
    /// do not meet) and expect the server's 422 for it.
    static func expectRefused(_ cases: [Case]) async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("v")
            for c in cases {
                let answer = try await f.create(c.path, c.body)
                #expect(answer.status == 422, "\(c.about): \(answer.text)")
                #expect(answer.body["reason"] == "Invalid", "\(c.about)")
                #expect(answer.body["message"].stringValue == c.message, "\(c.about)")
                let causes = answer.body["details"]["causes"].arrayValue ?? []
                #expect(!causes.isEmpty && causes.allSatisfy { !($0["field"].stringValue ?? "").isEmpty }, "\(c.about)")
            }
        }
    }

    /// The CronJobTimeZone gate is off in v1.24: the server drops `timeZone` (unchecked) on write.
    @Test func cronJobTimeZoneIsDropped() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("v")
            var cron = Self.cronJob("0 3 * * *")
            cron["spec"]["timeZone"] = "Not/AZone"
            let created = try await f.create(Self.cronJobs, cron)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.body["spec"]["timeZone"].isNull)
            #expect(created.body["spec"]["schedule"] == "0 3 * * *")
        }
    }

    /// Valid objects of each family are stored, with quantities in their canonical form.
    @Test func validObjectsAreStoredInCanonicalForm() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("v")
            let container: JSONValue = ["name": "main", "image": "nginx:1.25",
                                        "ports": [["containerPort": 8080, "name": "http"]],
                                        "readinessProbe": ["httpGet": ["port": "http"]],
                                        "resources": ["requests": ["cpu": 0.5, "memory": "1024Mi"], "limits": ["cpu": "1000m", "memory": "1Gi"]]]
            let created = try await f.create(Self.deployments, Self.deployment(pod: Self.pod(container)))
            #expect(created.status == 201, "\(created.text)")
            let stored = created.body["spec"]["template"]["spec"]["containers"][0]
            #expect(stored["resources"] == ["requests": ["cpu": "500m", "memory": "1Gi"], "limits": ["cpu": "1", "memory": "1Gi"]])
            #expect(stored["readinessProbe"]["httpGet"] == ["path": "/", "port": "http", "scheme": "HTTP"])
            let tls = try await f.create(Self.secrets, Self.secret("kubernetes.io/tls", data: ["tls.crt": "eA==", "tls.key": "eA=="]))
            #expect(tls.status == 201, "\(tls.text)")
            let dockerConfig = try await f.create(Self.secrets, ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "pull"],
                                                                 "type": "kubernetes.io/dockerconfigjson", "stringData": [".dockerconfigjson": "{\"auths\":{}}"]])
            #expect(dockerConfig.status == 201, "\(dockerConfig.text)")
            let external = try await f.create(Self.services, ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "ext"],
                                                              "spec": ["type": "ExternalName", "externalName": "db.example.com."]])
            #expect(external.status == 201, "\(external.text)")
            let balanced = try await f.create(Self.services, ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "lb"],
                                                              "spec": ["type": "LoadBalancer", "ports": [["port": 80]], "externalTrafficPolicy": "Local",
                                                                       "healthCheckNodePort": 31000, "loadBalancerSourceRanges": ["10.0.0.0/8", " 192.168.0.0/16"],
                                                                       "externalIPs": ["203.0.113.7", "2001:db8::1"]]])
            #expect(balanced.status == 201, "\(balanced.text)")
            #expect(balanced.body["spec"]["healthCheckNodePort"] == 31000)
            // A local load balancer without a health check port gets one from the node port range.
            let local = try await f.create(Self.services, ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "local"],
                                                           "spec": ["type": "LoadBalancer", "ports": [["port": 80]], "externalTrafficPolicy": "Local"]])
            #expect(local.status == 201, "\(local.text)")
            #expect((30000...32767).contains(local.body["spec"]["healthCheckNodePort"].intValue ?? 0), "\(local.text)")
            let moved = try await f.request(.PATCH, "\(Self.services)/lb", rawBody: "{\"spec\":{\"healthCheckNodePort\":31001}}", contentType: "application/merge-patch+json")
            #expect(moved.status == 422, "\(moved.text)")
            #expect(moved.body["message"] == "Service \"lb\" is invalid: spec.healthCheckNodePort: Forbidden: field is immutable")
            // Cluster traffic: the health check port goes with the Local policy.
            let clustered = try await f.request(.PATCH, "\(Self.services)/lb", rawBody: "{\"spec\":{\"externalTrafficPolicy\":\"Cluster\"}}", contentType: "application/merge-patch+json")
            #expect(clustered.status == 200, "\(clustered.text)")
            #expect(clustered.body["spec"]["healthCheckNodePort"].isNull)
            let dualStack = try await f.create(Self.services, ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "dual"],
                                                               "spec": ["ports": [["port": 80]], "clusterIP": "10.96.200.1", "clusterIPs": ["10.96.200.1", "fd00::c8:1"],
                                                                        "ipFamilies": ["IPv4", "IPv6"], "ipFamilyPolicy": "RequireDualStack"]])
            #expect(dualStack.status == 201, "\(dualStack.text)")
            let sticky = try await f.create(Self.services, Self.service(["ports": [["port": 80]], "sessionAffinity": "ClientIP"]))
            #expect(sticky.status == 201, "\(sticky.text)")
            #expect(sticky.body["spec"]["sessionAffinityConfig"] == ["clientIP": ["timeoutSeconds": 10800]])
            for (name, schedule) in [("hourly", "@hourly"), ("weekdays", "30 6 * JAN-DEC mon-fri"), ("steps", "*/15 0-23/2 1,15 * ?"), ("every", "@every 1h30m")] {
                var cron = Self.cronJob(schedule)
                cron["metadata"]["name"] = .string(name)
                let created = try await f.create(Self.cronJobs, cron)
                #expect(created.status == 201, "\(schedule): \(created.text)")
            }
        }
    }

    /// Updates that change a field the server keeps fixed.
    @Test func immutableFieldsAreRefusedOnUpdate() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("v")
            #expect(try await f.create(Self.deployments, Self.deployment(pod: Self.pod(["name": "main", "image": "nginx"]))).status == 201)
            let moved = try await f.request(.PATCH, "\(Self.deployments)/web", rawBody: "{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"web2\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web2\"}}}}}",
                                            contentType: "application/strategic-merge-patch+json")
            #expect(moved.status == 422)
            #expect(moved.body["message"] == "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable")

            let created = try await f.create(Self.services, Self.service(["ports": [["port": 80]]]))
            let ip = created.body["spec"]["clusterIP"].stringValue ?? ""
            #expect(!ip.isEmpty)
            let other = ip.hasSuffix(".7") ? "10.96.0.8" : "10.96.0.7"
            let changed = try await f.request(.PATCH, "\(Self.services)/svc", rawBody: "{\"spec\":{\"clusterIP\":\"\(other)\"}}", contentType: "application/merge-patch+json")
            #expect(changed.body["message"] == .string("Service \"svc\" is invalid: spec.clusterIPs[0]: Invalid value: []string{\"\(other)\"}: may not change once set"))

            #expect(try await f.create(Self.secrets, ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "fixed"], "immutable": true, "data": ["a": "eA=="]]).status == 201)
            let edited = try await f.request(.PATCH, "\(Self.secrets)/fixed", rawBody: "{\"data\":{\"a\":\"eQ==\"},\"type\":\"kubernetes.io/tls\"}", contentType: "application/merge-patch+json")
            #expect(edited.body["message"] == "Secret \"fixed\" is invalid: [type: Invalid value: \"kubernetes.io/tls\": field is immutable, data: Forbidden: field is immutable when `immutable` is set, data[tls.crt]: Required value, data[tls.key]: Required value]")

            let job: JSONValue = ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "once"],
                                  "spec": ["completions": 2, "template": ["spec": Self.pod(["name": "main", "image": "busybox"], restartPolicy: "Never")]]]
            #expect(try await f.create("/apis/batch/v1/namespaces/v/jobs", job).status == 201)
            let grown = try await f.request(.PATCH, "/apis/batch/v1/namespaces/v/jobs/once", rawBody: "{\"spec\":{\"completions\":3}}", contentType: "application/merge-patch+json")
            #expect(grown.body["message"] == "Job.batch \"once\" is invalid: spec.completions: Invalid value: 3: field is immutable")
        }
    }
}
