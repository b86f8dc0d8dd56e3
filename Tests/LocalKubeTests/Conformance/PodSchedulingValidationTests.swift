import TestSupport
import KubernetesModel
import LocalKube
import Testing

/// Affinity and topology spread constraints of a pod spec (`validateAffinity`,
/// `validateTopologySpreadConstraints` of v1.24) through the HTTP API: each write refused with
/// the server's message, word for word, and valid ones stored as the server stores them.
@Suite struct PodSchedulingValidationTests {
    typealias Case = ValidationFamilyTests.Case

    static let deployments = ValidationFamilyTests.deployments
    static let prefix = PodSpecValidationTests.prefix
    static let affinity = "spec.template.spec.affinity"
    static let spread = "spec.template.spec.topologySpreadConstraints"
    static let qualifiedName = PodSpecValidationTests.qualifiedName

    static func deployment(_ extra: JSONValue) -> JSONValue { PodSpecValidationTests.deployment(PodSpecValidationTests.pod(extra)) }
    /// Causes as the aggregated message lists them.
    static func all(_ causes: [String]) -> String { "[" + causes.joined(separator: ", ") + "]" }

    static let term0 = "\(affinity).nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"

    static func requiredNodeTerms(_ terms: [JSONValue]) -> JSONValue {
        ["requiredDuringSchedulingIgnoredDuringExecution": ["nodeSelectorTerms": .array(terms)]]
    }

    static let podTerm0 = "\(affinity).podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]"

    static let podTerm: JSONValue = {
        let labels: JSONValue = ["matchExpressions": [["key": "app", "operator": "In"]]]
        let namespaces: JSONValue = ["matchLabels": ["team": "a b"]]
        return ["labelSelector": labels, "namespaceSelector": namespaces, "namespaces": ["Prod"], "topologyKey": ""]
    }()

    static let zoneTerm: JSONValue = ["matchExpressions": [["key": "zone", "operator": "In", "values": ["a"]]]]

    static let nodeTerm: JSONValue = {
        let expressions: JSONValue = [["key": "zone", "operator": "In"], ["key": "gpu", "operator": "Exists", "values": ["a"]],
                                      ["key": "cores", "operator": "Gt", "values": ["2", "4"]], ["key": "-os", "operator": "Is", "values": ["linux"]]]
        let fields: JSONValue = [["key": "metadata.name", "operator": "In", "values": ["node_1"]], ["key": "spec.unschedulable", "operator": "Exists"]]
        return ["matchExpressions": expressions, "matchFields": fields]
    }()

    static let cases: [Case] = [
        Case(about: "required node affinity without terms: nothing else checked", path: deployments,
             body: deployment(["affinity": ["nodeAffinity": requiredNodeTerms([])]]),
             message: prefix + "\(affinity).nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term"),
        Case(about: "node selector requirements: values for each operator, the operator, the key; fields only metadata.name", path: deployments,
             body: deployment(["affinity": ["nodeAffinity": requiredNodeTerms([nodeTerm])]]),
             message: prefix + all([
                "\(term0).matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
                "\(term0).matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                "\(term0).matchExpressions[2].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'",
                "\(term0).matchExpressions[3].operator: Invalid value: \"Is\": not a valid selector operator",
                "\(term0).matchExpressions[3].key: Invalid value: \"-os\": name part \(qualifiedName)",
                "\(term0).matchFields[0].values[0]: Invalid value: \"node_1\": \(ObjectValidationMessages.subdomain)",
                "\(term0).matchFields[1].operator: Invalid value: \"Exists\": not a valid selector operator",
                "\(term0).matchFields[1].key: Invalid value: \"spec.unschedulable\": not a valid field selector key",
             ])),
        Case(about: "preferred node affinity weight out of range", path: deployments,
             body: deployment(["affinity": ["nodeAffinity": ["preferredDuringSchedulingIgnoredDuringExecution": [["weight": 0, "preference": zoneTerm]]]]]),
             message: prefix + "\(affinity).nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100"),
        Case(about: "pod affinity term: selectors, namespaces (reported under `namespace`), an empty topology key", path: deployments,
             body: deployment(["affinity": ["podAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": [podTerm]]]]),
             message: prefix + all([
                "\(podTerm0).labelSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
                "\(podTerm0).namespaceSelector.matchLabels: Invalid value: \"a b\": \(PodSpecValidationTests.labelValue)",
                "\(podTerm0).namespace: Invalid value: \"Prod\": \(ValidationFamilyTests.labelMessage)",
                "\(podTerm0).topologyKey: Required value: can not be empty",
                "\(podTerm0).topologyKey: Invalid value: \"\": name part must be non-empty",
                "\(podTerm0).topologyKey: Invalid value: \"\": name part \(qualifiedName)",
             ])),
        Case(about: "preferred pod anti-affinity: weight, then the term", path: deployments,
             body: deployment(["affinity": ["podAntiAffinity": ["preferredDuringSchedulingIgnoredDuringExecution": [
                 ["weight": 101, "podAffinityTerm": ["labelSelector": ["matchLabels": ["app": "web"]], "topologyKey": "kubernetes.io/"]]]]]]),
             message: prefix + "[\(affinity).podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 101: must be in the range 1-100, "
                + "\(affinity).podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Invalid value: \"kubernetes.io/\": name part must be non-empty, "
                + "\(affinity).podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Invalid value: \"kubernetes.io/\": name part \(qualifiedName)]"),
        Case(about: "topology spread: maxSkew, topology key, whenUnsatisfiable, a repeated pair (its label selector unchecked in v1.24)", path: deployments,
             body: deployment(["topologySpreadConstraints": [
                 ["maxSkew": 0, "topologyKey": "", "whenUnsatisfiable": "Sometimes", "labelSelector": ["matchLabels": ["app": "a b"]]],
                 ["maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"],
                 ["maxSkew": 2, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"],
             ]]),
             message: prefix + "[\(spread)[0].maxSkew: Invalid value: 0: must be greater than zero, \(spread)[0].topologyKey: Required value: can not be empty, "
                + "\(spread)[0].whenUnsatisfiable: Unsupported value: \"Sometimes\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\", "
                + "\(spread)[1].{topologyKey, whenUnsatisfiable}: Duplicate value: \"{zone, DoNotSchedule}\"]"),
    ]

    @Test func refusedAsTheServerWordsIt() async throws {
        try await ValidationFamilyTests.expectRefused(Self.cases)
    }

    /// A valid affinity and spread constraint are kept as written, but `minDomains` (its gate
    /// off in v1.24) is dropped, even when it would be invalid.
    @Test func validSchedulingIsStoredAndMinDomainsDropped() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("v")
            let affinity: JSONValue = [
                "nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": ["nodeSelectorTerms": [
                    ["matchExpressions": [["key": "topology.kubernetes.io/zone", "operator": "In", "values": ["a", "b"]]],
                     "matchFields": [["key": "metadata.name", "operator": "NotIn", "values": ["node-1"]]]]]]],
                "podAntiAffinity": ["preferredDuringSchedulingIgnoredDuringExecution": [
                    ["weight": 100, "podAffinityTerm": ["labelSelector": ["matchLabels": ["app": "web"]], "namespaces": ["v"],
                                                        "namespaceSelector": [:], "topologyKey": "kubernetes.io/hostname"]]]],
            ]
            let body = Self.deployment(["affinity": affinity, "topologySpreadConstraints": [
                ["maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway", "minDomains": 0, "labelSelector": ["matchLabels": ["app": "web"]]],
            ]])
            let created = try await f.create(Self.deployments, body)
            #expect(created.status == 201, "\(created.text)")
            let stored = created.body["spec"]["template"]["spec"]
            #expect(stored["affinity"] == affinity)
            #expect(stored["topologySpreadConstraints"] == [["maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": ["matchLabels": ["app": "web"]]]])
        }
    }
}
