import TestSupport
import KubernetesModel
import Testing
@testable import LocalKube

/// The real API server's size limits: a request body above 3 MiB is refused with 413, and an
/// object above etcd's 1.5 MiB is not stored (500, "etcdserver: request is too large"), while a
/// dry run of it (which never reaches etcd) passes.
@Suite struct SizeLimitTests {
    static func configMap(_ name: String, bytes: Int) -> JSONValue {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)], "data": ["blob": .string(String(repeating: "x", count: bytes))]]
    }

    @Test func objectsAboveWhatEtcdStoresAreRefused() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("big")
            let fits = try await f.create("/api/v1/namespaces/big/configmaps", Self.configMap("fits", bytes: 1_000_000))
            #expect(fits.status == 201)
            let tooLarge = try await f.create("/api/v1/namespaces/big/configmaps", Self.configMap("too-large", bytes: 1_600_000))
            #expect(tooLarge.status == 500)
            #expect(tooLarge.statusObject?.message == "etcdserver: request is too large")
            let dryRun = try await f.create("/api/v1/namespaces/big/configmaps", Self.configMap("too-large", bytes: 1_600_000), query: ["dryRun": "All"])
            #expect(dryRun.status == 201)
            // An update that grows an object past the limit is refused too, and changes nothing.
            var grown = fits.body
            grown["data"]["blob"] = .string(String(repeating: "y", count: 1_600_000))
            let update = try await f.request(.PUT, "/api/v1/namespaces/big/configmaps/fits", body: grown)
            #expect(update.status == 500)
            let stored = try await f.request(.GET, "/api/v1/namespaces/big/configmaps/fits")
            #expect(stored.body["data"]["blob"].stringValue?.count == 1_000_000)
        }
    }

    @Test func requestBodiesAbove3MiBAreRefused() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("big")
            let answer = try await f.create("/api/v1/namespaces/big/configmaps", Self.configMap("huge", bytes: 3 * 1024 * 1024 + 10), query: ["dryRun": "All"])
            #expect(answer.status == 413)
            #expect(answer.statusObject?.reason == "RequestEntityTooLarge")
            #expect(answer.statusObject?.message == "Request entity too large: limit is 3145728")
        }
    }
}
