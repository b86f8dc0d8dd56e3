import TestSupport
import KubernetesModel
import LocalKube
import Testing

@Suite struct FaultInjectionTests {
    @Test func injectedErrorsAndTooManyRequests() async throws {
        try await LocalKubeFixture.with { f in
            await f.cluster.setErrorRate(1, code: 429, retryAfterSeconds: 7)
            let limited = try await f.get("/api/v1/namespaces")
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") == "7")
            #expect(limited.statusObject?.reason == "TooManyRequests")
            await f.cluster.setErrorRate(1, code: 500)
            let failed = try await f.get("/api/v1/namespaces")
            #expect(failed.status == 500)
            await f.cluster.setErrorRate(0)
            let answer1 = try await f.get("/api/v1/namespaces")
            #expect(answer1.status == 200)
        }
    }

    @Test func latencyStillAnswers() async throws {
        try await LocalKubeFixture.with { f in
            await f.cluster.setLatency(.milliseconds(20))
            let answer2 = try await f.get("/api/v1/namespaces")
            #expect(answer2.status == 200)
            #expect(await f.cluster.currentFaults.latency == .milliseconds(20))
        }
    }

    @Test func unreachableClusterClosesConnectionsThenRecovers() async throws {
        try await LocalKubeFixture.with { f in
            await f.cluster.setUnreachable(true)
            await #expect(throws: (any Error).self) { _ = try await f.get("/api/v1/namespaces") }
            await f.cluster.setUnreachable(false)
            let answer = try await f.eventually("the cluster to answer again") { try? await f.get("/api/v1/namespaces") }
            #expect(answer.status == 200)
        }
    }

    @Test func requestCountersByVerbAndResource() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("count")
            await f.cluster.resetRequestCounts()
            _ = try await f.createConfigMap("count", "a")
            _ = try await f.get("/api/v1/namespaces/count/configmaps/a")
            _ = try await f.get("/api/v1/namespaces/count/configmaps")
            #expect(await f.cluster.requestCount(verb: "create", resource: "configmaps") == 1)
            #expect(await f.cluster.requestCount(verb: "get", resource: "configmaps") == 1)
            #expect(await f.cluster.requestCount(verb: "list", resource: "configmaps") == 1)
            #expect(await f.cluster.writeCount() == 1)
            #expect(await f.cluster.requestCountsByVerbAndResource["create configmaps"] == 1)
        }
    }
}
