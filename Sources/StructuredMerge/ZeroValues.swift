import KubernetesModel

/// What a built-in kind's empty Go object looks like as JSON: the server compares a create
/// against it, so structs that are values in Go (`spec`, `status`, a pod template, an event's
/// `source`) already exist and the creator does not own them as such (no `"."` for them in
/// `fieldsV1`), while a list that marshals as `null` (`containers`) is not owned itself either.
/// OpenAPI does not say which fields are values or pointers: these are the kinds addons and the
/// recorded cases create, plus the rule that a kind's `spec` and `status` are values.
enum ZeroValues {
    static let objectMeta: JSONValue = ["creationTimestamp": nil]
    static let podTemplate: JSONValue = ["metadata": objectMeta, "spec": ["containers": nil]]

    /// Fields of a definition's zero value, by definition name.
    static let fields: [String: [String: JSONValue]] = [
        "io.k8s.api.core.v1.Event": [
            "involvedObject": [:], "source": [:], "firstTimestamp": nil, "lastTimestamp": nil, "eventTime": nil,
            "reportingComponent": "", "reportingInstance": "",
        ],
        "io.k8s.api.core.v1.PodSpec": ["containers": nil],
        "io.k8s.api.apps.v1.DeploymentSpec": ["selector": nil, "template": podTemplate, "strategy": [:]],
        "io.k8s.api.apps.v1.DaemonSetSpec": ["selector": nil, "template": podTemplate, "updateStrategy": [:]],
        "io.k8s.api.apps.v1.StatefulSetSpec": ["selector": nil, "template": podTemplate, "serviceName": "", "updateStrategy": [:]],
        "io.k8s.api.apps.v1.ReplicaSetSpec": ["selector": nil, "template": podTemplate],
        "io.k8s.api.batch.v1.JobSpec": ["template": podTemplate],
        "io.k8s.api.batch.v1.CronJobSpec": ["schedule": "", "jobTemplate": ["metadata": objectMeta, "spec": ["template": podTemplate]]],
        "io.k8s.api.core.v1.PodTemplateSpec": ["metadata": objectMeta, "spec": ["containers": nil]],
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionSpec": [
            "group": "", "names": ["plural": "", "kind": ""], "scope": "", "versions": nil,
        ],
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionStatus": [
            "conditions": nil, "acceptedNames": ["plural": "", "kind": ""], "storedVersions": nil,
        ],
    ]

    /// The zero value of a kind's definition.
    static func zeroValue(of name: String, definitions: [String: JSONValue]) -> JSONValue {
        var object: [String: JSONValue] = ["metadata": objectMeta]
        let properties = definitions[name]?["properties"].objectValue ?? [:]
        for field in ["spec", "status"] {
            guard let ref = properties[field]?["$ref"].stringValue else { continue }
            let refName = ref.hasPrefix("#/definitions/") ? String(ref.dropFirst("#/definitions/".count)) : ref
            object[field] = .object(fields[refName] ?? [:])
        }
        for (key, value) in fields[name] ?? [:] { object[key] = value }
        return .object(object)
    }
}
