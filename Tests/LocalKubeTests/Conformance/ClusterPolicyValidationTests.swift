import TestSupport
import KubernetesModel
import LocalKube
import Testing

/// The rbac, policy, storage, networking and admissionregistration validation families through
/// the HTTP API: each write refused with the server's message, word for word.
@Suite struct ClusterPolicyValidationTests {
    typealias Case = ValidationFamilyTests.Case

    static let rbac = "/apis/rbac.authorization.k8s.io/v1"

    static func binding(_ kind: String, roleRef: JSONValue, subjects: JSONValue) -> JSONValue {
        ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": .string(kind), "metadata": ["name": "b"], "roleRef": roleRef, "subjects": subjects]
    }

    static func ingress(_ path: JSONValue, host: String = "app.example.com") -> JSONValue {
        ["apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": ["name": "web"],
         "spec": ["rules": [["host": .string(host), "http": ["paths": [path]]]]]]
    }

    static func webhook(_ hook: JSONValue) -> JSONValue {
        ["apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": ["name": "hooks"], "webhooks": [hook]]
    }

    static let backend: JSONValue = ["service": ["name": "web", "port": ["number": 80]]]

    static let cases: [Case] = [
        Case(about: "role rule without verbs and groups", path: "\(rbac)/namespaces/v/roles",
             body: ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "r"], "rules": [["resources": ["pods"]]]],
             message: "Role.rbac.authorization.k8s.io \"r\" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[0].apiGroups: Required value: resource rules must supply at least one api group]"),
        Case(about: "namespaced non-resource URLs", path: "\(rbac)/namespaces/v/roles",
             body: ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "r"], "rules": [["verbs": ["get"], "nonResourceURLs": ["/healthz"]]]],
             message: "Role.rbac.authorization.k8s.io \"r\" is invalid: rules[0].nonResourceURLs: Invalid value: []string{\"/healthz\"}: namespaced rules cannot apply to non-resource URLs"),
        Case(about: "aggregation rule selector: ValidateLabelSelector's errors, then LabelSelectorAsSelector's (its nil Selector printed as null)", path: "\(rbac)/clusterroles",
             body: ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": ["name": "agg"],
                    "aggregationRule": ["clusterRoleSelectors": [["matchLabels": ["rbac.example.com/aggregate-to-view": "true"]],
                                                                 ["matchExpressions": [["key": "tier", "operator": "Exists", "values": ["x"]]]]]]],
             message: "ClusterRole.rbac.authorization.k8s.io \"agg\" is invalid: [aggregationRule.clusterRoleSelectors[1].matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist', "
                + "aggregationRule.clusterRoleSelectors[1]: Invalid value: \"null\": invalid label selector.]"),
        Case(about: "aggregation rule selector value that is no label value: only the conversion refuses it", path: "\(rbac)/clusterroles",
             body: ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": ["name": "agg"],
                    "aggregationRule": ["clusterRoleSelectors": [["matchExpressions": [["key": "tier", "operator": "In", "values": ["front end"]]]]]]],
             message: "ClusterRole.rbac.authorization.k8s.io \"agg\" is invalid: aggregationRule.clusterRoleSelectors[0]: Invalid value: \"null\": invalid label selector."),
        Case(about: "cluster role binding to a Role", path: "\(rbac)/clusterrolebindings",
             body: binding("ClusterRoleBinding", roleRef: ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "view"],
                           subjects: [["kind": "ServiceAccount", "name": "default"]]),
             message: "ClusterRoleBinding.rbac.authorization.k8s.io \"b\" is invalid: [roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\", subjects[0].namespace: Required value]"),
        Case(about: "binding subject kind and roleRef group", path: "\(rbac)/namespaces/v/rolebindings",
             body: binding("RoleBinding", roleRef: ["apiGroup": "rbac.example.com", "kind": "ClusterRole", "name": "view"],
                           subjects: [["kind": "Robot", "name": "r2"], ["kind": "User", "name": "u", "apiGroup": "example.com"]]),
             message: "RoleBinding.rbac.authorization.k8s.io \"b\" is invalid: [roleRef.apiGroup: Unsupported value: \"rbac.example.com\": supported values: \"rbac.authorization.k8s.io\", subjects[0].kind: Unsupported value: \"Robot\": supported values: \"ServiceAccount\", \"User\", \"Group\", subjects[1].apiGroup: Unsupported value: \"example.com\": supported values: \"rbac.authorization.k8s.io\"]"),
        Case(about: "disruption budget percent", path: "/apis/policy/v1/namespaces/v/poddisruptionbudgets",
             body: ["apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": ["name": "pdb"], "spec": ["minAvailable": "50", "selector": ["matchLabels": ["app": "web"]]]],
             message: "PodDisruptionBudget.policy \"pdb\" is invalid: spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"50\"}: \(ClusterPolicyValidationTests.percent)"),
        Case(about: "disruption budget above 100%", path: "/apis/policy/v1/namespaces/v/poddisruptionbudgets",
             body: ["apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": ["name": "pdb"], "spec": ["maxUnavailable": "150%"]],
             message: "PodDisruptionBudget.policy \"pdb\" is invalid: spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"150%\"}: must not be greater than 100%"),
        Case(about: "storage class provisioner and policies", path: "/apis/storage.k8s.io/v1/storageclasses",
             body: ["apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": ["name": "fast"], "reclaimPolicy": "Recycle", "volumeBindingMode": "Later"],
             message: "StorageClass.storage.k8s.io \"fast\" is invalid: [provisioner: Required value, reclaimPolicy: Unsupported value: \"Recycle\": supported values: \"Delete\", \"Retain\", volumeBindingMode: Unsupported value: \"Later\": supported values: \"Immediate\", \"WaitForFirstConsumer\"]"),
        Case(about: "ingress path type required", path: "/apis/networking.k8s.io/v1/namespaces/v/ingresses",
             body: ingress(["path": "/", "backend": backend]),
             message: "Ingress.networking.k8s.io \"web\" is invalid: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"),
        Case(about: "ingress path and backend", path: "/apis/networking.k8s.io/v1/namespaces/v/ingresses",
             body: ingress(["path": "api//v1", "pathType": "Prefix", "backend": ["service": ["name": "Web", "port": [:]]]], host: "10.0.0.1"),
             message: "Ingress.networking.k8s.io \"web\" is invalid: [spec.rules[0].host: Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address, spec.rules[0].http.paths[0].path: Invalid value: \"api//v1\": must be an absolute path, spec.rules[0].http.paths[0].path: Invalid value: \"api//v1\": must not contain '//', spec.rules[0].http.paths[0].backend.service.name: Invalid value: \"Web\": \(ObjectValidationMessages.dns1035), spec.rules[0].http.paths[0].backend: Required value: port name or number is required]"),
        Case(about: "ingress path type value", path: "/apis/networking.k8s.io/v1/namespaces/v/ingresses",
             body: ingress(["path": "/", "pathType": "Regex", "backend": backend]),
             message: "Ingress.networking.k8s.io \"web\" is invalid: spec.rules[0].http.paths[0].pathType: Unsupported value: \"Regex\": supported values: \"Exact\", \"ImplementationSpecific\", \"Prefix\""),
        Case(about: "webhook name, side effects, client config, review versions", path: "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
             body: webhook(["name": "check.example", "clientConfig": [:]]),
             message: "ValidatingWebhookConfiguration.admissionregistration.k8s.io \"hooks\" is invalid: [webhooks[0].name: Invalid value: \"check.example\": should be a domain with at least three segments separated by dots, webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun, webhooks[0].clientConfig: Required value: exactly one of url or service is required, webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1]"),
    ]

    static let networkPolicies = "/apis/networking.k8s.io/v1/namespaces/v/networkpolicies"

    static func networkPolicy(_ spec: JSONValue) -> JSONValue {
        ["apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": ["name": "np"], "spec": spec]
    }

    static func ingressSpec(_ spec: JSONValue) -> JSONValue {
        ["apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": ["name": "web"], "spec": spec]
    }

    static let wildcard = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

    static let networkCases: [Case] = [
        Case(about: "ingress without rules or default backend; class name", path: "/apis/networking.k8s.io/v1/namespaces/v/ingresses",
             body: ingressSpec(["ingressClassName": "Nginx"]),
             message: "Ingress.networking.k8s.io \"web\" is invalid: [spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified, "
                + "spec.ingressClassName: Invalid value: \"Nginx\": \(ObjectValidationMessages.subdomain)]"),
        Case(about: "ingress TLS hosts and secret name", path: "/apis/networking.k8s.io/v1/namespaces/v/ingresses",
             body: ingressSpec(["defaultBackend": backend, "tls": [["hosts": ["*.example.com", "foo.*.com", "Example.com"], "secretName": "Web_tls"]]]),
             message: "Ingress.networking.k8s.io \"web\" is invalid: [spec.tls[0].hosts[1]: Invalid value: \"foo.*.com\": \(wildcard), "
                + "spec.tls[0].hosts[2]: Invalid value: \"Example.com\": \(ObjectValidationMessages.subdomain), spec.tls[0].secretName: Invalid value: \"Web_tls\": \(ObjectValidationMessages.subdomain)]"),
        Case(about: "network policy ports, peers and policy types", path: networkPolicies,
             body: networkPolicy(["podSelector": [:], "policyTypes": ["Ingress", "Sideways"],
                                  "ingress": [["ports": [["protocol": "ICMP", "port": 80, "endPort": 70], ["port": "dns", "endPort": 60]],
                                               "from": [[:], ["ipBlock": ["cidr": "10.0.0.0/8", "except": ["10.0.0.0/8"]], "podSelector": [:]]]]]]),
             message: "NetworkPolicy.networking.k8s.io \"np\" is invalid: [spec.ingress[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\", "
                + "spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`, "
                + "spec.ingress[0].ports[1].endPort: Invalid value: 60: may not be specified when `port` is non-numeric, "
                + "spec.ingress[0].from[0]: Required value: must specify a peer, "
                + "spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: \"10.0.0.0/8\": must be a strict subset of `cidr`, "
                + "spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer, "
                + "spec.policyTypes[1]: Unsupported value: \"Sideways\": supported values: \"Ingress\", \"Egress\"]"),
        Case(about: "network policy CIDR and too many policy types", path: networkPolicies,
             body: networkPolicy(["podSelector": [:], "policyTypes": ["Ingress", "Egress", "Ingress"], "egress": [["to": [["ipBlock": ["cidr": "10.0.0.0/33"]]]]]]),
             message: "NetworkPolicy.networking.k8s.io \"np\" is invalid: [spec.egress[0].to[0].ipBlock.cidr: Invalid value: \"10.0.0.0/33\": not a valid CIDR, "
                + "spec.policyTypes: Invalid value: []networking.PolicyType{\"Ingress\", \"Egress\", \"Ingress\"}: may not specify more than two policyTypes]"),
        Case(about: "network policy label selectors (ValidateLabelSelector): the policy's, then each peer's pod and namespace selectors", path: networkPolicies,
             body: networkPolicy(["podSelector": ["matchLabels": ["-app": "web"]],
                                  "ingress": [["from": [["podSelector": ["matchExpressions": [["key": "tier", "operator": "Equals", "values": ["db"]]]],
                                                         "namespaceSelector": ["matchExpressions": [["key": "team", "operator": "Exists", "values": ["a"]]]]]]]]]),
             message: "NetworkPolicy.networking.k8s.io \"np\" is invalid: [spec.podSelector.matchLabels: Invalid value: \"-app\": name part \(ClusterPolicyValidationTests.qualifiedName), "
                + "spec.ingress[0].from[0].podSelector.matchExpressions[0].operator: Invalid value: \"Equals\": not a valid selector operator, "
                + "spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist']"),
        Case(about: "disruption budget selector: In without values, a bad label value", path: "/apis/policy/v1/namespaces/v/poddisruptionbudgets",
             body: ["apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": ["name": "pdb"],
                    "spec": ["minAvailable": 1, "selector": ["matchLabels": ["app": "web!"], "matchExpressions": [["key": "tier", "operator": "In"]]]]],
             message: "PodDisruptionBudget.policy \"pdb\" is invalid: [spec.selector.matchLabels: Invalid value: \"web!\": \(ClusterPolicyValidationTests.labelValue), "
                + "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn']"),
        Case(about: "webhook namespace and object selectors", path: "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
             body: webhook(["name": "check.example.com", "sideEffects": "None", "admissionReviewVersions": ["v1"], "clientConfig": ["url": "https://hooks.example.com/check"],
                            "namespaceSelector": ["matchExpressions": [["key": "", "operator": "NotIn", "values": ["kube-system"]]]],
                            "objectSelector": ["matchExpressions": [["key": "skip", "operator": "DoesNotExist", "values": ["x"]]]]]),
             message: "ValidatingWebhookConfiguration.admissionregistration.k8s.io \"hooks\" is invalid: ["
                + "webhooks[0].namespaceSelector.matchExpressions[0].key: Invalid value: \"\": name part must be non-empty, "
                + "webhooks[0].namespaceSelector.matchExpressions[0].key: Invalid value: \"\": name part \(ClusterPolicyValidationTests.qualifiedName), "
                + "webhooks[0].objectSelector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist']"),
        Case(about: "CSI driver fsGroupPolicy and lifecycle modes", path: "/apis/storage.k8s.io/v1/csidrivers",
             body: ["apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver", "metadata": ["name": "csi.example.com"],
                    "spec": ["fsGroupPolicy": "Always", "volumeLifecycleModes": ["Persistent", "Inline"]]],
             message: "CSIDriver.storage.k8s.io \"csi.example.com\" is invalid: [spec.fsGroupPolicy: Unsupported value: \"Always\": supported values: \"File\", \"None\", \"ReadWriteOnceWithFSType\", "
                + "spec.volumeLifecycleModes: Unsupported value: \"Inline\": supported values: \"Persistent\", \"Ephemeral\"]"),
        Case(about: "webhook rules, policies and timeout", path: "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
             body: webhook(["name": "check.example.com", "sideEffects": "None", "admissionReviewVersions": ["v1"], "clientConfig": ["url": "https://hooks.example.com/check"],
                            "failurePolicy": "Retry", "matchPolicy": "Fuzzy", "timeoutSeconds": 45,
                            "rules": [["operations": ["*", "CREATE", "PATCH"], "apiGroups": ["", "*"], "apiVersions": [], "resources": ["pods", "*/*"], "scope": "Everywhere"]]]),
             message: "ValidatingWebhookConfiguration.admissionregistration.k8s.io \"hooks\" is invalid: ["
                + "webhooks[0].rules[0].operations: Invalid value: []admissionregistration.OperationType{\"*\", \"CREATE\", \"PATCH\"}: if '*' is present, must not specify other operations, "
                + "webhooks[0].rules[0].operations[2]: Unsupported value: \"PATCH\": supported values: \"*\", \"CONNECT\", \"CREATE\", \"DELETE\", \"UPDATE\", "
                + "webhooks[0].rules[0].apiGroups: Invalid value: []string{\"\", \"*\"}: if '*' is present, must not specify other API groups, "
                + "webhooks[0].rules[0].apiVersions: Required value, "
                + "webhooks[0].rules[0].resources: Invalid value: []string{\"pods\", \"*/*\"}: if '*/*' is present, must not specify other resources, "
                + "webhooks[0].rules[0].scope: Unsupported value: \"Everywhere\": supported values: \"*\", \"Cluster\", \"Namespaced\", "
                + "webhooks[0].failurePolicy: Unsupported value: \"Retry\": supported values: \"Fail\", \"Ignore\", "
                + "webhooks[0].matchPolicy: Unsupported value: \"Fuzzy\": supported values: \"Equivalent\", \"Exact\", "
                + "webhooks[0].timeoutSeconds: Invalid value: 45: the timeout value must be between 1 and 30 seconds]"),
        Case(about: "webhook URL: scheme, user, fragment, query", path: "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
             body: webhook(["name": "check.example.com", "sideEffects": "None", "admissionReviewVersions": ["v1"],
                            "clientConfig": ["url": "HTTP://admin:secret@hooks.example.com/check?debug=1#top"]]),
             message: "ValidatingWebhookConfiguration.admissionregistration.k8s.io \"hooks\" is invalid: ["
                + "webhooks[0].clientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host[/path], "
                + "webhooks[0].clientConfig.url: Invalid value: \"admin:secret\": user information is not permitted in the URL, "
                + "webhooks[0].clientConfig.url: Invalid value: \"top\": fragments are not permitted in the URL, "
                + "webhooks[0].clientConfig.url: Invalid value: \"debug=1\": query parameters are not permitted in the URL]"),
        Case(about: "webhook URL without a host", path: "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
             body: webhook(["name": "check.example.com", "sideEffects": "None", "admissionReviewVersions": ["v1"], "clientConfig": ["url": "hooks.example.com/check"]]),
             message: "ValidatingWebhookConfiguration.admissionregistration.k8s.io \"hooks\" is invalid: ["
                + "webhooks[0].clientConfig.url: Invalid value: \"\": 'https' is the only allowed URL scheme; desired format: https://host[/path], "
                + "webhooks[0].clientConfig.url: Invalid value: \"\": host must be specified; desired format: https://host[/path]]"),
        Case(about: "webhook service: name, namespace, port, path segments", path: "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
             body: ["apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration", "metadata": ["name": "hooks"],
                    "webhooks": [["name": "mutate.example.com", "sideEffects": "None", "admissionReviewVersions": ["v1"],
                                  "clientConfig": ["service": ["port": 70000, "path": "/mutate//Pods/"]]]]],
             message: "MutatingWebhookConfiguration.admissionregistration.k8s.io \"hooks\" is invalid: ["
                + "webhooks[0].clientConfig.service.name: Required value, webhooks[0].clientConfig.service.namespace: Required value, "
                + "webhooks[0].clientConfig.service.port: Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive, "
                + "webhooks[0].clientConfig.service.path: Invalid value: \"/mutate//Pods/\": segment[1] may not be empty, "
                + "webhooks[0].clientConfig.service.path: Invalid value: \"/mutate//Pods/\": segment[2]: \(ObjectValidationMessages.subdomain)]"),
    ]

    // MARK: CustomResourceDefinitions

    static let crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    static let anySchema: JSONValue = ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]

    static func version(_ name: String, storage: Bool = true, schema: JSONValue = anySchema, columns: JSONValue = nil) -> JSONValue {
        var v: JSONValue = ["name": .string(name), "served": true, "storage": .bool(storage)]
        if !schema.isNull { v["schema"] = schema }
        if !columns.isNull { v["additionalPrinterColumns"] = columns }
        return v
    }

    static func crd(group: String = "example.com", scope: String = "Namespaced", names: JSONValue = ["plural": "things", "singular": "thing", "kind": "Thing", "listKind": "ThingList"],
                    versions: JSONValue) -> JSONValue {
        let plural = names["plural"].stringValue ?? ""
        return ["apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": ["name": .string("\(plural).\(group)")],
                "spec": ["group": .string(group), "scope": .string(scope), "names": names, "versions": versions]]
    }

    /// The internal `spec.versions` of two versions without storage, their schemas identical (so
    /// moved up to the spec by the v1 conversion and nil here).
    static let twoVersionsDump = "[]apiextensions.CustomResourceDefinitionVersion{"
        + "apiextensions.CustomResourceDefinitionVersion{Name:\"v1\", Served:true, Storage:false, Deprecated:false, DeprecationWarning:(*string)(nil), "
        + "Schema:(*apiextensions.CustomResourceValidation)(nil), Subresources:(*apiextensions.CustomResourceSubresources)(nil), AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil)}, "
        + "apiextensions.CustomResourceDefinitionVersion{Name:\"v2\", Served:true, Storage:false, Deprecated:false, DeprecationWarning:(*string)(nil), "
        + "Schema:(*apiextensions.CustomResourceValidation)(nil), Subresources:(*apiextensions.CustomResourceSubresources)(nil), AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil)}}"

    static let crdCases: [Case] = [
        Case(about: "CRD group and scope", path: crds,
             body: crd(group: "example", scope: "Global", versions: [version("v1")]),
             message: "CustomResourceDefinition.apiextensions.k8s.io \"things.example\" is invalid: [spec.group: Invalid value: \"example\": should be a domain with at least one dot, "
                + "spec.scope: Unsupported value: \"Global\": supported values: \"Cluster\", \"Namespaced\"]"),
        Case(about: "CRD group format", path: crds,
             body: crd(group: "Example.com", versions: [version("v1")]),
             message: "CustomResourceDefinition.apiextensions.k8s.io \"things.Example.com\" is invalid: spec.group: Invalid value: \"Example.com\": \(ObjectValidationMessages.subdomain)"),
        Case(about: "CRD version without a schema", path: crds,
             body: crd(versions: [version("v1", schema: nil)]),
             message: "CustomResourceDefinition.apiextensions.k8s.io \"things.example.com\" is invalid: spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"),
        // The v1 conversion copies versions[0].name to spec.version, which is checked again.
        Case(about: "CRD version name", path: crds,
             body: crd(versions: [version("V1")]),
             message: "CustomResourceDefinition.apiextensions.k8s.io \"things.example.com\" is invalid: [spec.versions[0].name: Invalid value: \"V1\": \(ObjectValidationMessages.dns1035), "
                + "spec.version: Invalid value: \"V1\": \(ObjectValidationMessages.dns1035)]"),
        Case(about: "CRD without a storage version", path: crds,
             body: crd(versions: [version("v1", storage: false), version("v2", storage: false)]),
             message: "CustomResourceDefinition.apiextensions.k8s.io \"things.example.com\" is invalid: [spec.versions: Invalid value: \(twoVersionsDump): must have exactly one version marked as storage version, "
                + "status.storedVersions: Invalid value: []string(nil): must have at least one stored version]"),
        Case(about: "CRD duplicate version names and two storage versions", path: crds,
             body: crd(versions: [version("v1"), version("v1")]),
             message: "CustomResourceDefinition.apiextensions.k8s.io \"things.example.com\" is invalid: ["
                + "spec.versions: Invalid value: \(twoVersionsDump.replacingOccurrences(of: "Storage:false", with: "Storage:true").replacingOccurrences(of: "\"v2\"", with: "\"v1\"")): must contain unique version names, "
                + "spec.versions: Invalid value: \(twoVersionsDump.replacingOccurrences(of: "Storage:false", with: "Storage:true").replacingOccurrences(of: "\"v2\"", with: "\"v1\"")): must have exactly one version marked as storage version]"),
        Case(about: "CRD names", path: crds,
             body: crd(names: ["plural": "things", "singular": "Thing", "kind": "Thing_", "listKind": "Thing_", "shortNames": ["th!"]], versions: [version("v1")]),
             message: "CustomResourceDefinition.apiextensions.k8s.io \"things.example.com\" is invalid: [spec.names.singular: Invalid value: \"Thing\": \(ObjectValidationMessages.dns1035), "
                + "spec.names.kind: Invalid value: \"Thing_\": may have mixed case, but should otherwise match: \(ObjectValidationMessages.dns1035), "
                + "spec.names.listKind: Invalid value: \"Thing_\": may have mixed case, but should otherwise match: \(ObjectValidationMessages.dns1035), "
                + "spec.names.shortNames[0]: Invalid value: \"th!\": \(ObjectValidationMessages.dns1035), "
                + "spec.names.listKind: Invalid value: \"Thing_\": kind and listKind may not be the same]"),
        // One version: its columns are moved up to spec.additionalPrinterColumns by the v1 conversion.
        Case(about: "CRD printer columns of its only version", path: crds,
             body: crd(versions: [version("v1", columns: [["name": "X", "type": "str", "format": "uint", "jsonPath": "spec.x"], ["name": "", "type": ""]])]),
             message: "CustomResourceDefinition.apiextensions.k8s.io \"things.example.com\" is invalid: ["
                + "spec.additionalPrinterColumns[0].type: Invalid value: \"str\": must be one of boolean,date,integer,number,string, "
                + "spec.additionalPrinterColumns[0].format: Invalid value: \"uint\": must be one of byte,date,date-time,double,float,int32,int64,password, "
                + "spec.additionalPrinterColumns[0].JSONPath: Invalid value: \"spec.x\": must be a simple json path starting with ., "
                + "spec.additionalPrinterColumns[1].name: Required value, spec.additionalPrinterColumns[1].type: Required value: must be one of boolean,date,integer,number,string, "
                + "spec.additionalPrinterColumns[1].JSONPath: Required value]"),
        // Columns that differ between versions stay with their version.
        Case(about: "CRD printer columns per version", path: crds,
             body: crd(versions: [version("v1", columns: [["name": "X", "type": "str", "jsonPath": ".spec.x"]]), version("v2", storage: false)]),
             message: "CustomResourceDefinition.apiextensions.k8s.io \"things.example.com\" is invalid: spec.versions[0].additionalPrinterColumns[0].type: Invalid value: \"str\": must be one of boolean,date,integer,number,string"),
    ]

    @Test func customResourceDefinitionsRefusedAsTheServerWordsIt() async throws {
        try await ValidationFamilyTests.expectRefused(Self.crdCases)
    }

    /// v1 defaults singular and listKind from kind; a valid CRD with two versions is stored.
    @Test func customResourceDefinitionDefaultsAndValidVersions() async throws {
        try await LocalKubeFixture.with { f in
            let created = try await f.create(Self.crds, Self.crd(names: ["plural": "things", "kind": "Thing"],
                                                                 versions: [Self.version("v1", columns: [["name": "Size", "type": "integer", "jsonPath": ".spec.size"]]),
                                                                            Self.version("v1beta1", storage: false)]))
            #expect(created.status == 201, "\(created.text)")
            #expect(created.body["spec"]["names"]["singular"] == "thing")
            #expect(created.body["spec"]["names"]["listKind"] == "ThingList")
            #expect(created.body["status"]["storedVersions"] == ["v1"])
        }
    }

    @Test func networkStorageAndWebhookFamiliesRefusedAsTheServerWordsIt() async throws {
        try await ValidationFamilyTests.expectRefused(Self.networkCases)
    }

    static let qualifiedName = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    static let labelValue = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    static let percent = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"

    @Test func refusedAsTheServerWordsIt() async throws {
        try await ValidationFamilyTests.expectRefused(Self.cases)
    }

    @Test func bindingsAndStorageClassesKeepWhatMayNotChange() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("v")
            let created = try await f.create("\(Self.rbac)/namespaces/v/rolebindings",
                                             Self.binding("RoleBinding", roleRef: ["kind": "ClusterRole", "name": "view"], subjects: [["kind": "User", "name": "jane"]]))
            #expect(created.status == 201, "\(created.text)")
            #expect(created.body["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io")
            #expect(created.body["subjects"][0]["apiGroup"] == "rbac.authorization.k8s.io")
            let moved = try await f.request(.PATCH, "\(Self.rbac)/namespaces/v/rolebindings/b", rawBody: "{\"roleRef\":{\"name\":\"edit\"}}", contentType: "application/merge-patch+json")
            #expect(moved.body["message"] == "RoleBinding.rbac.authorization.k8s.io \"b\" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"ClusterRole\", Name:\"edit\"}: cannot change roleRef")

            let storage = try await f.create("/apis/storage.k8s.io/v1/storageclasses",
                                             ["apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": ["name": "fast"], "provisioner": "csi.example.com"])
            #expect(storage.status == 201, "\(storage.text)")
            let changed = try await f.request(.PATCH, "/apis/storage.k8s.io/v1/storageclasses/fast", rawBody: "{\"provisioner\":\"other.example.com\",\"parameters\":{\"tier\":\"gold\"}}",
                                              contentType: "application/merge-patch+json")
            #expect(changed.body["message"] == "StorageClass.storage.k8s.io \"fast\" is invalid: [parameters: Forbidden: updates to parameters are forbidden., provisioner: Forbidden: updates to provisioner are forbidden.]")
        }
    }
}

enum ObjectValidationMessages {
    static let subdomain = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let dns1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
}
