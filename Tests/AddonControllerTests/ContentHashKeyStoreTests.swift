import AddonCatalog
import AddonController
import DevFleet
import Foundation
import KubernetesClient
import KubernetesModel
import LocalKube
import Testing
import TestSupport

/// The installation's key of applied-content hashes, kept in the management plane (LocalKube).
@Suite(.serialized) struct ContentHashKeyStoreTests {
    /// A LocalKube cluster as the management plane, with the manager's namespace.
    static func withManagementPlane(_ body: (KubernetesClient) async throws -> Void) async throws {
        try await LocalKubeFixture.with { f in
            _ = try await f.client.apply(KubeObject(apiVersion: "v1", kind: "Namespace", name: DevFleet.managerNamespace),
                                         options: ApplyOptions(fieldManager: "test", force: true))
            try await body(f.client)
        }
    }

    @Test func theFirstStartCreatesTheKeyAndEveryLaterOneReadsIt() async throws {
        try await Self.withManagementPlane { management in
            let store = ContentHashKeyStore(client: management, namespace: DevFleet.managerNamespace)
            let first = try await store.loadOrCreate(logger: ControllerHarness.logger())
            let again = try await store.loadOrCreate(logger: ControllerHarness.logger())
            #expect(first.bytes == again.bytes)
            #expect(first.bytes.count == ContentHashKey.byteCount)
            let secret = try await management.get(ManagementKinds.secret, name: ContentHashKeyStore.secretName, namespace: DevFleet.managerNamespace)
            #expect(secret["type"] == "Opaque")
            #expect(secret["data"][ContentHashKeyStore.dataKey].stringValue.flatMap { Data(base64Encoded: $0) } == Data(first.bytes))
        }
    }

    /// Replicas starting together: each create but one loses (409), and the losers read the
    /// winner's key, so all hash alike.
    @Test func replicasStartingTogetherAgreeOnOneKey() async throws {
        try await Self.withManagementPlane { management in
            let keys = try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await ContentHashKeyStore(client: management, namespace: DevFleet.managerNamespace).loadOrCreate(logger: ControllerHarness.logger()).bytes
                    }
                }
                return try await group.reduce(into: [[UInt8]]()) { $0.append($1) }
            }
            #expect(Set(keys).count == 1)
        }
    }

    /// A Secret someone edited into a short or undecodable key stops the start with a message
    /// that names it and says what to do; it is not replaced behind the operator's back.
    @Test func aMalformedKeyIsRefusedWithTheSecretNamed() async throws {
        try await Self.withManagementPlane { management in
            var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: ContentHashKeyStore.secretName, namespace: DevFleet.managerNamespace)
            secret["data"] = [ContentHashKeyStore.dataKey: .string(Data("too-short".utf8).base64EncodedString())]
            _ = try await management.create(secret, options: WriteOptions(fieldManager: "test"))
            let store = ContentHashKeyStore(client: management, namespace: DevFleet.managerNamespace)
            let error = try await #require(throws: ContentHashKeyError.self) { try await store.loadOrCreate(logger: ControllerHarness.logger()) }
            #expect(error.description.contains("Secret addon-manager/addon-manager-content-hash-key has no data.key of at least 32 bytes"), "\(error)")
            #expect(!error.description.contains(Data("too-short".utf8).base64EncodedString()))
        }
    }

    /// No namespace to keep it in: the create's refusal, with what the manager needs.
    @Test func aMissingNamespaceIsReportedWithTheCreateThatFailed() async throws {
        try await Self.withManagementPlane { management in
            let store = ContentHashKeyStore(client: management, namespace: "no-such-namespace")
            let error = try await #require(throws: ContentHashKeyError.self) { try await store.loadOrCreate(logger: ControllerHarness.logger()) }
            #expect(error.description.contains("cannot create Secret no-such-namespace/addon-manager-content-hash-key"), "\(error)")
            #expect(error.cause?.isNotFound == true, "\(error)")
        }
    }

    /// The manager's start does not fail for want of the key (its namespace not created yet):
    /// no cluster's controller runs, readiness says why, and once the key can be stored the
    /// clusters get their addons.
    @Test func controllersWaitForTheKeyAndStartOnceItCanBeStored() async throws {
        try await withHarness { h in
            h.runner.cancel()
            await h.runner.value
            var options = ControllerStarter.Options()
            options.cluster = ControllerHarness.fastOptions
            options.kubeconfigPolicy = .inlineOnly
            options.contentHashKeyStore = ContentHashKeyStore(client: h.management, namespace: "created-late")
            let starter = ControllerStarter(management: h.management, catalog: LoadedCatalog(catalog: try Catalog.load(directory: ControllerHarness.fixtureCatalog)),
                                            options: options, logger: ControllerHarness.logger())
            let running = Task { await starter.run() }
            defer { running.cancel() }
            let cluster = try await h.fleet.addCluster(.init(name: "waiting"))
            try await h.eventually("the missing namespace reported") {
                starter.startProblem?.contains("namespaces \"created-late\" not found") == true
            }
            #expect(await starter.controllers().isEmpty)
            _ = try await h.management.apply(KubeObject(apiVersion: "v1", kind: "Namespace", name: "created-late"),
                                             options: ApplyOptions(fieldManager: "test", force: true))
            try await h.waitForPhase("waiting", "base", "Healthy")
            try await h.waitForPhase("waiting", "dependent", "Healthy")
            #expect(starter.startProblem == nil)
            running.cancel()
            await running.value

            // The controllers hashed with the stored key: a manager given that key (and no store)
            // finds every addon up to date and writes nothing to the cluster.
            let stored = try #require(try await ContentHashKeyStore(client: h.management, namespace: "created-late").load())
            try await SteadyStateTests.settled([cluster])
            let writes = await cluster.writeCount()
            let (again, restarted) = try SteadyStateTests.startAnotherManager(h, hashKey: stored)
            defer { restarted.cancel() }
            try await h.eventually("both addons reconciled by the manager with the stored key") {
                (await again.controllers().values.first?.summary?.addonReconciles ?? 0) >= 2
            }
            try await Task.sleep(for: .milliseconds(500))
            #expect(await cluster.writeCount() == writes, "the manager with the stored key applied again: the first did not hash with it")
            restarted.cancel()
            await restarted.value
        }
    }
}
