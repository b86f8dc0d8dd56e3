import TestSupport
import KubernetesModel
import LocalKube
import Testing

/// The request log (which client did what, when) and faults aimed at one client.
@Suite struct RequestLogTests {
    @Test func theLogNamesEachRequestsClientVerbObjectAndStatus() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("log")
            #expect(await f.cluster.requestRecords.isEmpty, "off until a capacity is set")
            await f.cluster.setRequestLogCapacity(100)
            let cm: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "a"], "data": ["k": "v"]]
            _ = try await f.request(.POST, "/api/v1/namespaces/log/configmaps", body: cm, userAgent: "writer/1.0 (replica-a; workload)")
            _ = try await f.request(.POST, "/api/v1/namespaces/log/configmaps", body: cm, userAgent: "writer/1.0 (replica-b; workload)")
            _ = try await f.get("/api/v1/namespaces/log/configmaps/a")
            let records = await f.cluster.requestRecords
            #expect(records.map(\.verb) == ["create", "create", "get"])
            #expect(records.map(\.name) == ["a", "a", "a"])
            #expect(records.map(\.status) == [201, 409, 200])
            #expect(records[0].userAgent == "writer/1.0 (replica-a; workload)" && records[0].isWrite && records[0].succeeded)
            #expect(records[1].userAgent.contains("replica-b") && !records[1].succeeded)
            #expect(records[0].at <= records[1].at && records[1].at <= records[2].at)
            #expect(records.allSatisfy { $0.namespace == "log" && $0.resource == "configmaps" })
        }
    }

    @Test func theLogKeepsTheLastRequestsUpToItsCapacity() async throws {
        try await LocalKubeFixture.with { f in
            await f.cluster.setRequestLogCapacity(8)
            for _ in 0..<20 { _ = try await f.get("/api/v1/namespaces/default") }
            let records = await f.cluster.requestRecords
            #expect(records.count <= 8 && records.count >= 6)
            #expect(records.allSatisfy { $0.status == 200 })
        }
    }

    @Test func faultsCanHitOneClientOnly() async throws {
        try await LocalKubeFixture.with { f in
            await f.cluster.setFaults(FaultSettings(errorRate: 1, errorCode: 500, userAgentContaining: "(replica-a; leases)"))
            let hit = try await f.request(.GET, "/api/v1/namespaces", userAgent: "addon-manager/0.1 (replica-a; leases)")
            let spared = try await f.request(.GET, "/api/v1/namespaces", userAgent: "addon-manager/0.1 (replica-b; leases)")
            #expect(hit.status == 500)
            #expect(spared.status == 200)
        }
    }
}
