import KubernetesModel
import LocalKube
import TestSupport
import Testing
@testable import KubernetesClient

/// What a client records of its server for the reachability probe (`lastAnswered`,
/// `lastFailure`): answers, refusals that are answers, and the failures worth asking about.
@Suite struct ServerContactTests {
    typealias F = LocalKubeFixture

    @Test func answersAndOrdinaryRefusalsAreNoFailureAConnectionRefusedIs() async throws {
        try await F.with { f in
            let client = try f.secondClient(retryPolicy: .never)
            _ = try await client.list(F.configMap, namespace: "default")
            let answered = try #require(client.lastAnswered)
            // A 404 is the server answering.
            await #expect(throws: KubernetesError.self) { try await client.get(F.configMap, name: "absent", namespace: "default") }
            #expect(client.lastFailure == nil, "a 404 counted as a failure")

            await f.cluster.setUnreachable(true)
            await #expect(throws: KubernetesError.self) { try await client.get(F.configMap, name: "absent", namespace: "default") }
            let failed = try #require(client.lastFailure, "a dropped connection was not recorded")
            #expect(failed >= answered)
            // So is a watch that cannot be opened.
            await #expect(throws: KubernetesError.self) { _ = try await client.watch(F.configMap, namespace: "default", options: WatchOptions(timeoutSeconds: 5)) }
            #expect(try #require(client.lastFailure) >= failed)
            try await client.shutdown()
        }
    }

    @Test func refusedCredentialsAreAFailure() async throws {
        try await F.with { f in
            let client = try f.secondClient(retryPolicy: .never, credentials: .bearerToken("not-the-token"))
            await #expect(throws: KubernetesError.self) { try await client.get(F.configMap, name: "x", namespace: "default") }
            #expect(client.lastCredentialsRefused != nil, "a 401 was not recorded")
            #expect(client.lastFailure == nil, "a 401 is an answer, not a failure to answer")
            // So is a watch refused with 401.
            let refused = try #require(client.lastCredentialsRefused)
            await #expect(throws: KubernetesError.self) { _ = try await client.watch(F.configMap, namespace: "default", options: WatchOptions(timeoutSeconds: 5)) }
            #expect(try #require(client.lastCredentialsRefused) > refused, "a watch refused with 401 was not recorded")
            #expect(client.lastFailure == nil)
            #expect(client.lastAnswered == nil)
            try await client.shutdown()
        }
    }

    /// A watch the server ends at its timeout, and one its reader stops, are not failures:
    /// recorded, they would make every quiet cluster's probe ask.
    @Test func aWatchEndedByTheServerOrStoppedByItsReaderIsNoFailure() async throws {
        try await F.with { f in
            let client = try f.secondClient(retryPolicy: .never)
            let list = try await client.list(F.configMap, namespace: "default")
            let ending = try await client.watch(F.configMap, namespace: "default", options: WatchOptions(resourceVersion: list.resourceVersion, timeoutSeconds: 1))
            for try await _ in ending {}

            let stopped = try await client.watch(F.configMap, namespace: "default", options: WatchOptions(resourceVersion: list.resourceVersion, timeoutSeconds: 60))
            let reader = Task { for try await _ in stopped {} }
            try await eventually("the watch is open on the server") { await f.cluster.openWatchCount == 1 }
            reader.cancel()
            _ = await reader.result
            // The request's end reaches the client's event loop after the reader has gone.
            _ = try await client.list(F.configMap, namespace: "default")
            try await Task.sleep(for: .milliseconds(200))
            #expect(client.lastFailure == nil, "the end of a watch counted as a failure")
            try await client.shutdown()
        }
    }
}
