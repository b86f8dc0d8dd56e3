import TestSupport
import KubernetesModel
import Testing

/// The Service allocators and the type-dependent fields, as the v1.24 server keeps them: a node
/// port or cluster IP is held by one Service at a time; what a type no longer has goes when the
/// type changes (unless the update changed it too); node ports left out are kept by port name.
@Suite struct ServiceAllocationTests {
    static let services = ValidationFamilyTests.services

    static func service(_ name: String, _ spec: JSONValue) -> JSONValue {
        ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name)], "spec": spec]
    }

    static func mergePatch(_ f: LocalKubeFixture, _ name: String, _ patch: String) async throws -> LocalKubeFixture.Answer {
        try await f.request(.PATCH, "\(services)/\(name)", rawBody: patch, contentType: "application/merge-patch+json")
    }

    @Test func aNodePortOrClusterIPHeldByAnotherServiceIsRefusedAlone() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("v")
            let first = try await f.create(Self.services, Self.service("a", ["type": "NodePort", "clusterIP": "10.96.100.1", "ports": [["port": 80, "nodePort": 30080]]]))
            #expect(first.status == 201, "\(first.text)")
            // The allocator answers before validation: the name error is not reported with it.
            let port = try await f.create(Self.services, Self.service("b", ["type": "NodePort", "ports": [["port": 80, "nodePort": 30080, "name": "Bad"]]]))
            #expect(port.status == 422)
            #expect(port.body["message"] == "Service \"b\" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated")
            let address = try await f.create(Self.services, Self.service("c", ["clusterIP": "10.96.100.1", "ports": [["port": 80]]]))
            #expect(address.status == 422)
            #expect(address.body["message"] == "Service \"c\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.100.1\"}: failed to allocate IP 10.96.100.1: provided IP is already allocated")
            // Its own ports on update are its own.
            let relabel = try await Self.mergePatch(f, "a", #"{"metadata":{"labels":{"x":"y"}}}"#)
            #expect(relabel.status == 200, "\(relabel.text)")
            // Automatic node ports skip the held one, for every new Service.
            for i in 0..<5 {
                let created = try await f.create(Self.services, Self.service("auto-\(i)", ["type": "NodePort", "ports": [["port": 80]]]))
                #expect(created.status == 201, "\(created.text)")
                #expect(created.body["spec"]["ports"][0]["nodePort"] != 30080)
            }
            // Deleted, its port is free again.
            #expect(try await f.request(.DELETE, "\(Self.services)/a").status == 200)
            #expect(try await f.create(Self.services, Self.service("b", ["type": "NodePort", "ports": [["port": 80, "nodePort": 30080]]])).status == 201)
        }
    }

    @Test func typeDependentFieldsGoWithTheType() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("v")
            let created = try await f.create(Self.services, Self.service("lb", ["type": "LoadBalancer", "loadBalancerClass": "example.com/internal",
                                                                                "ports": [["name": "http", "port": 80], ["name": "https", "port": 443]]]))
            #expect(created.status == 201, "\(created.text)")
            #expect(created.body["spec"]["allocateLoadBalancerNodePorts"] == true)
            let nodePorts = (created.body["spec"]["ports"].arrayValue ?? []).compactMap { $0["nodePort"].intValue }
            #expect(nodePorts.count == 2)
            // The class stays while it is a load balancer.
            let changed = try await Self.mergePatch(f, "lb", #"{"spec":{"loadBalancerClass":"example.com/external"}}"#)
            #expect(changed.status == 422)
            #expect(changed.body["message"] == "Service \"lb\" is invalid: spec.loadBalancerClass: Invalid value: \"example.com/external\": may not change once set")
            // A PUT that leaves the node ports out keeps them, matched by port name.
            var reordered = created.body
            reordered["spec"]["ports"] = [["name": "https", "port": 443], ["name": "http", "port": 80]]
            reordered["metadata"]["resourceVersion"] = nil
            let put = try await f.request(.PUT, "\(Self.services)/lb", body: reordered)
            #expect(put.status == 200, "\(put.text)")
            #expect(put.body["spec"]["ports"][0]["nodePort"] == created.body["spec"]["ports"][1]["nodePort"])
            // To ClusterIP, leaving the load balancer's fields as they were: they go.
            let plain = try await Self.mergePatch(f, "lb", #"{"spec":{"type":"ClusterIP"}}"#)
            #expect(plain.status == 200, "\(plain.text)")
            #expect(plain.body["spec"]["allocateLoadBalancerNodePorts"].isNull)
            #expect(plain.body["spec"]["loadBalancerClass"].isNull)
            #expect((plain.body["spec"]["ports"].arrayValue ?? []).allSatisfy { $0["nodePort"].isNull }, "\(plain.text)")
            // Its node ports are free again.
            let reuse = try await f.create(Self.services, Self.service("np", ["type": "NodePort", "ports": [["port": 80, "nodePort": .int(nodePorts[0])]]]))
            #expect(reuse.status == 201, "\(reuse.text)")
        }
    }

    @Test func aLoadBalancerWithoutNodePortsGetsNone() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("v")
            let created = try await f.create(Self.services, Self.service("lb", ["type": "LoadBalancer", "allocateLoadBalancerNodePorts": false, "ports": [["port": 80]]]))
            #expect(created.status == 201, "\(created.text)")
            #expect(created.body["spec"]["ports"][0]["nodePort"].isNull)
        }
    }
}
