import TestSupport
import KubernetesModel
import LocalKube
import Testing

/// A pod's DNS config, host aliases and readiness gates (`validatePodDNSConfig`,
/// `ValidateHostAliases`, `validateReadinessGates` of v1.24) through the HTTP API: each write
/// refused with the server's message, word for word, and a valid one stored as written.
@Suite struct PodDNSValidationTests {
    typealias Case = ValidationFamilyTests.Case

    static let deployments = ValidationFamilyTests.deployments
    static let prefix = PodSpecValidationTests.prefix
    static let spec = "spec.template.spec"
    static let subdomain = ObjectValidationMessages.subdomain

    static func deployment(_ extra: JSONValue) -> JSONValue { PodSpecValidationTests.deployment(PodSpecValidationTests.pod(extra)) }
    static func all(_ causes: [String]) -> String { "[" + causes.joined(separator: ", ") + "]" }

    static let sevenSearches: JSONValue = ["a.example", "b.example", "c.example", "d.example", "e.example", "f.example", "g.example."]

    static let cases: [Case] = [
        Case(about: "dnsPolicy None without a dnsConfig", path: deployments, body: deployment(["dnsPolicy": "None"]),
             message: prefix + "\(spec).dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"),
        Case(about: "dnsPolicy None without nameservers: nothing else checked", path: deployments,
             body: deployment(["dnsPolicy": "None", "dnsConfig": ["searches": ["Bad_Domain"]]]),
             message: prefix + "\(spec).dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None"),
        Case(about: "nameservers: at most three, each an IP address", path: deployments,
             body: deployment(["dnsConfig": ["nameservers": ["10.0.0.1", "10.0.0.2", "dns.example", "10.0.0.4"]]]),
             message: prefix + all([
                "\(spec).dnsConfig.nameservers: Invalid value: []string{\"10.0.0.1\", \"10.0.0.2\", \"dns.example\", \"10.0.0.4\"}: must not have more than 3 nameservers",
                "\(spec).dnsConfig.nameservers[2]: Invalid value: \"dns.example\": must be valid IP address",
             ])),
        Case(about: "searches: at most six, subdomains once a trailing dot is dropped; options named", path: deployments,
             body: deployment(["dnsConfig": ["searches": sevenSearches, "options": [["name": "ndots", "value": "2"], ["value": "1"]]]]),
             message: prefix + all([
                "\(spec).dnsConfig.searches: Invalid value: []string{\"a.example\", \"b.example\", \"c.example\", \"d.example\", \"e.example\", \"f.example\", \"g.example.\"}: must not have more than 6 search paths",
                "\(spec).dnsConfig.options[1]: Required value: must not be empty",
             ])),
        Case(about: "a search domain that is no subdomain", path: deployments,
             body: deployment(["dnsConfig": ["searches": ["svc.cluster.local.", "Corp_Net"]]]),
             message: prefix + "\(spec).dnsConfig.searches[1]: Invalid value: \"Corp_Net\": \(subdomain)"),
        Case(about: "readiness gate condition types are qualified names", path: deployments,
             body: deployment(["readinessGates": [["conditionType": "example.com/ready"], ["conditionType": "not ready"]]]),
             message: prefix + "\(spec).readinessGates[1].conditionType: Invalid value: \"not ready\": name part \(PodSpecValidationTests.qualifiedName)"),
        Case(about: "host aliases: an IP address and subdomains, reported without an index", path: deployments,
             body: deployment(["hostAliases": [["ip": "127.0.0.1", "hostnames": ["db.local"]], ["ip": "localhost", "hostnames": ["Cache"]]]]),
             message: prefix + all([
                "\(spec).hostAliases.ip: Invalid value: \"localhost\": must be valid IP address",
                "\(spec).hostAliases.hostnames: Invalid value: \"Cache\": \(subdomain)",
             ])),
    ]

    @Test func refusedAsTheServerWordsIt() async throws {
        try await ValidationFamilyTests.expectRefused(Self.cases)
    }

    @Test func aValidDNSConfigIsStoredAsWritten() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("v")
            let config: JSONValue = ["nameservers": ["10.96.0.10", "fd00::a"], "searches": ["svc.cluster.local.", "example.com"], "options": [["name": "ndots", "value": "2"]]]
            let created = try await f.create(Self.deployments, Self.deployment([
                "dnsPolicy": "None", "dnsConfig": config, "readinessGates": [["conditionType": "example.com/ready"]],
                "hostAliases": [["ip": "10.0.0.5", "hostnames": ["db.local", "cache.local"]]],
            ]))
            #expect(created.status == 201, "\(created.text)")
            #expect(created.body["spec"]["template"]["spec"]["dnsConfig"] == config)
        }
    }
}
