import KubernetesModel
import LocalKube
import Testing
import TestSupport
@testable import KubernetesClient

/// Retries, rate limits, TLS and credentials against LocalKube's fault injection.
@Suite struct ClientTransportTests {
    typealias F = LocalKubeFixture

    @Test func aLogLineThatNeverComesFailsTheWaitInsteadOfHanging() async throws {
        let logs = LogRecorder()
        await #expect(throws: EventuallyTimeout.self) { try await logs.next("never logged", timeout: .milliseconds(100)) }
        logs.logger.info("logged")
        #expect(try await logs.next("logged").message == "logged")
    }

    @Test func tooManyRequestsIsRetriedAfterRetryAfter() async throws {
        try await F.with { f in
            _ = try await f.client.create(F.configMap("r", data: [:]), options: WriteOptions(fieldManager: "tests"))
            await f.cluster.setErrorRate(1.0, code: 429, retryAfterSeconds: 2)
            let get = Task { try await f.client.get(F.configMap, name: "r", namespace: "default") }
            let retry = try await f.logs.next("retrying Kubernetes request")
            #expect(retry.metadata["error"] == "tooManyRequests")
            #expect(retry.metadata["delay"] == "\(Duration.seconds(2))", "Retry-After honoured")
            await f.cluster.setFaults(.none)
            let object = try await get.value
            #expect(object.name == "r")
        }
    }

    @Test func serverErrorsAreRetriedForReadsAndAppliesButNotCreates() async throws {
        // A backoff long enough for the test to clear the fault before the attempts run out.
        try await F.with(retryPolicy: RetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(500))) { f in
            _ = try await f.client.resource(for: F.configMap)
            await f.cluster.setErrorRate(1.0, code: 500)
            // A create is not resent after a 500: it may have been done.
            await #expect { try await f.client.create(F.configMap("c", data: [:]), options: WriteOptions(fieldManager: "tests")) } throws: { error in
                (error as? KubernetesError)?.kind == .serverError
            }
            #expect(f.logs.entries.filter { $0.message == "retrying Kubernetes request" }.isEmpty)

            let apply = Task { try await f.client.apply(F.configMap("a", data: ["k": "v"]), options: ApplyOptions(fieldManager: "tests")) }
            let retry = try await f.logs.next("retrying Kubernetes request")
            #expect(retry.metadata["verb"] == "apply")
            #expect(retry.metadata["error"] == "serverError")
            await f.cluster.setFaults(.none)
            #expect(try await apply.value["data"]["k"] == "v")
        }
    }

    @Test func persistentServerErrorsGiveUpAfterTheLastAttempt() async throws {
        try await F.with(retryPolicy: RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(1))) { f in
            _ = try await f.client.resource(for: F.configMap)
            await f.cluster.setErrorRate(1.0, code: 503)
            await #expect { try await f.client.list(F.configMap, namespace: "default") } throws: { error in
                (error as? KubernetesError)?.kind == .serviceUnavailable
            }
            #expect(f.logs.entries.filter { $0.message == "retrying Kubernetes request" }.count == 2)
        }
    }

    @Test func unreachableClusterIsATransportError() async throws {
        try await F.with(retryPolicy: .never) { f in
            _ = try await f.client.resource(for: F.configMap)
            await f.cluster.setUnreachable(true)
            await #expect { try await f.client.get(F.configMap, name: "x", namespace: "default") } throws: { error in
                guard let error = error as? KubernetesError else { return false }
                return error.kind.isTransport && error.isRetryable
            }
            await f.cluster.setUnreachable(false)
            await #expect { try await f.client.get(F.configMap, name: "x", namespace: "default") } throws: { error in
                (error as? KubernetesError)?.isNotFound == true
            }
        }
    }

    @Test func tlsIsVerifiedByDefault() async throws {
        try await F.with { f in
            // Without LocalKube's CA the server certificate is not trusted.
            let untrusting = try f.secondClient(retryPolicy: .never) { $0.certificateAuthorityPEM = nil }
            await #expect { try await untrusting.serverVersion() } throws: { error in
                (error as? KubernetesError)?.kind == .tls
            }
            try await untrusting.shutdown()
            // insecure-skip-tls-verify connects anyway.
            let insecure = try f.secondClient { $0.certificateAuthorityPEM = nil; $0.insecureSkipVerify = true }
            #expect(try await insecure.serverVersion()["major"].stringValue != nil)
            try await insecure.shutdown()
        }
    }

    @Test func wrongTokenIsUnauthorizedAndNotLogged() async throws {
        try await F.with { f in
            let client = try f.secondClient(retryPolicy: .never, credentials: .bearerToken("not-the-token"))
            await #expect { try await client.get(F.configMap, name: "x", namespace: "default") } throws: { error in
                guard let error = error as? KubernetesError else { return false }
                return error.kind == .unauthorized && !error.description.contains("not-the-token")
            }
            try await client.shutdown()
            // Our own client's logs never carry its token.
            _ = try await f.client.list(F.configMap, namespace: "default")
            let token = f.cluster.token
            #expect(!f.logs.entries.contains { entry in entry.message.contains(token) || entry.metadata.values.contains { $0.contains(token) } })
        }
    }

    @Test func manyConcurrentRequestsShareOneClient() async throws {
        try await F.with { f in
            let write = WriteOptions(fieldManager: "tests")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<50 {
                    group.addTask { _ = try await f.client.create(F.configMap("p-\(i)", data: [:]), options: write) }
                }
                try await group.waitForAll()
            }
            #expect(try await f.client.list(F.configMap, namespace: "default").items.count == 50)
        }
    }

    @Test func rateLimitStillLetsEveryRequestThrough() async throws {
        try await F.with { f in
            var connection = try ClusterConnection.load(kubeconfig: f.kubeconfigPath, environment: [:])
            connection.rateLimit = RateLimit(qps: 200, burst: 2)
            let limited = try KubernetesClient(connection: connection, logger: f.logs.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<10 { group.addTask { _ = try await limited.serverVersion() } }
                try await group.waitForAll()
            }
            try await limited.shutdown()
        }
    }
}

extension ClientTransportTests {
    @Test func tlsServerNameIsSentWhileConnectingToTheServerAddress() async throws {
        try await F.with { f in
            // The request goes to the kubeconfig's server address (127.0.0.1) even though the name
            // used for TLS does not resolve. (NIOSSL also accepts a certificate whose IP SAN matches
            // the connected address, so a wrong name cannot be shown to fail against LocalKube.)
            for name in ["localhost", "kubernetes.invalid"] {
                let client = try f.secondClient { $0.serverName = name }
                #expect(try await client.serverVersion()["major"].stringValue != nil, "\(name)")
                try await client.shutdown()
            }
        }
    }

    @Test func unusableClientCertificateIsAConfigurationError() throws {
        let connection = ClusterConnection(name: "c", server: "https://127.0.0.1:1", tls: TLSSettings(clientCertificatePEM: Array("junk".utf8), clientKeyPEM: Array("junk".utf8)))
        #expect { try KubernetesClient(connection: connection, logger: .init(label: "t")) } throws: { error in
            (error as? KubernetesError)?.kind == .configuration
        }
    }
}

extension ClientTransportTests {
    @Test func cancellationEndsARequestWaitingToRetry() async throws {
        try await F.with(retryPolicy: RetryPolicy(maxRetryAfter: .seconds(600))) { f in
            _ = try await f.client.resource(for: F.configMap)
            await f.cluster.setErrorRate(1.0, code: 429, retryAfterSeconds: 300)
            let get = Task { try await f.client.get(F.configMap, name: "x", namespace: "default") }
            _ = try await f.logs.next("retrying Kubernetes request")
            get.cancel()
            let result = await get.result
            #expect(throws: CancellationError.self) { try result.get() }
            await f.cluster.setFaults(.none)
        }
    }

    @Test func aClientDroppedWithoutShutdownClosesItsConnections() async throws {
        try await F.with { f in
            var dropped: KubernetesClient? = try f.secondClient()
            #expect(try await dropped?.serverVersion()["major"].stringValue != nil)
            dropped = nil
        }
    }
}

extension ClientTransportTests {
    @Test func aRotatedTokenFileIsReadAgainAfterA401() async throws {
        try await F.with { f in
            let dir = try TemporaryDirectory()
            let tokenPath = try dir.write("token", "stale-token")
            let client = try f.secondClient(retryPolicy: .never, credentials: .tokenFile(path: tokenPath, rereadInterval: .seconds(3600)))
            await #expect { try await client.get(F.configMap, name: "x", namespace: "default") } throws: { error in
                (error as? KubernetesError)?.kind == .unauthorized
            }
            // The token rotates: the cached stale token earns a 401, the file is read again, the request succeeds.
            try dir.write("token", f.cluster.token + "\n")
            await #expect { try await client.get(F.configMap, name: "x", namespace: "default") } throws: { error in
                (error as? KubernetesError)?.isNotFound == true
            }
            try await client.shutdown()
        }
    }
}
