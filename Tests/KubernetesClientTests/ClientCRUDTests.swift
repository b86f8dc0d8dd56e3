import TestSupport
import KubernetesModel
import LocalKube
import Testing
@testable import KubernetesClient

/// The client's reads and writes against LocalKube over HTTPS.
@Suite struct ClientCRUDTests {
    typealias F = LocalKubeFixture

    @Test func createGetUpdateWithOptimisticConcurrency() async throws {
        try await F.with { f in
            let write = WriteOptions(fieldManager: "tests")
            let created = try await f.client.create(F.configMap("c1", data: ["a": "1"]), options: write)
            #expect(created.uid != nil)
            #expect(created.managedFields.map(\.manager) == ["tests"])
            let got = try await f.client.get(F.configMap, name: "c1", namespace: "default")
            #expect(got["data"]["a"] == "1")
            #expect(got.resourceVersion == created.resourceVersion)

            var changed = got
            changed["data"]["a"] = "2"
            let updated = try await f.client.update(changed, options: write)
            #expect(updated.resourceVersion != got.resourceVersion)

            // The same stale object again: 409 Conflict, not an apply conflict.
            changed["data"]["a"] = "3"
            await #expect { try await f.client.update(changed, options: write) } throws: { error in
                guard let error = error as? KubernetesError else { return false }
                return error.isConflict && error.applyConflicts.isEmpty && error.context?.object?.name == "c1" && error.context?.cluster == "test"
            }
            await #expect { try await f.client.create(F.configMap("c1", data: [:]), options: write) } throws: { error in
                (error as? KubernetesError)?.isAlreadyExists == true
            }
            await #expect { try await f.client.get(F.configMap, name: "missing", namespace: "default") } throws: { error in
                (error as? KubernetesError)?.isNotFound == true
            }
        }
    }

    @Test func namespacedObjectsWithoutNamespaceGoToTheDefaultNamespace() async throws {
        try await F.with { f in
            var object = F.configMap("plain", data: ["k": "v"])
            object.namespace = nil
            let applied = try await f.client.apply(object, options: ApplyOptions(fieldManager: "tests"))
            #expect(applied.namespace == "default")
            // Cluster-scoped kinds ignore a namespace.
            let ns = try await f.client.apply(KubeObject(apiVersion: "v1", kind: "Namespace", name: "team-a"), options: ApplyOptions(fieldManager: "tests"))
            #expect(ns.namespace == nil)
            _ = try await f.client.get(F.namespace, name: "team-a", namespace: "ignored")
        }
    }

    @Test func deleteWithUIDPreconditionAndPropagation() async throws {
        try await F.with { f in
            let write = WriteOptions(fieldManager: "tests")
            let first = try await f.client.create(F.configMap("d1", data: [:]), options: write)
            await #expect {
                try await f.client.delete(F.configMap, name: "d1", namespace: "default", options: DeleteOptions(preconditionUID: "00000000-0000-0000-0000-000000000000"))
            } throws: { error in
                (error as? KubernetesError)?.isConflict == true
            }
            let outcome = try await f.client.delete(F.configMap, name: "d1", namespace: "default", options: DeleteOptions(propagationPolicy: .background, preconditionUID: first.uid))
            #expect(outcome == .deleted(uid: first.uid))
            await #expect { try await f.client.delete(F.configMap, name: "d1", namespace: "default", options: DeleteOptions()) } throws: { error in
                (error as? KubernetesError)?.isNotFound == true
            }

            // With a finalizer the object stays, terminating.
            var held = F.configMap("held", data: [:])
            held.finalizers = ["example.com/hold"]
            _ = try await f.client.create(held, options: write)
            guard case .terminating(let terminating) = try await f.client.delete(F.configMap, name: "held", namespace: "default", options: DeleteOptions()) else {
                Issue.record("a finalizer must hold the object")
                return
            }
            #expect(terminating.deletionTimestamp != nil)
        }
    }

    @Test func listFollowsContinueTokensAndAppliesSelectors() async throws {
        try await F.with { f in
            let write = WriteOptions(fieldManager: "tests")
            _ = try await f.client.create(KubeObject(apiVersion: "v1", kind: "Namespace", name: "other"), options: write)
            for i in 0..<7 {
                _ = try await f.client.create(F.configMap("cm-\(i)", data: [:], labels: ["tier": i % 2 == 0 ? "even" : "odd", "app": "x"]), options: write)
            }
            _ = try await f.client.create(F.configMap("elsewhere", namespace: "other", data: [:], labels: ["app": "x"]), options: write)

            await f.cluster.resetRequestCounts()
            let paged = try await f.client.list(F.configMap, namespace: "default", options: ListOptions(labelSelector: "app=x", pageSize: 2))
            #expect(paged.items.map(\.name).sorted() == (0..<7).map { "cm-\($0)" })
            #expect(paged.items.allSatisfy { $0.kind == "ConfigMap" && $0.apiVersion == "v1" })
            #expect(!paged.resourceVersion.isEmpty)
            #expect(await f.cluster.requestCount(verb: "list", resource: "configmaps") == 4)

            let even = try await f.client.list(F.configMap, namespace: "default", options: ListOptions(labelSelector: "tier in (even),app"))
            #expect(even.items.map(\.name).sorted() == ["cm-0", "cm-2", "cm-4", "cm-6"])
            let notEven = try await f.client.list(F.configMap, namespace: "default", options: ListOptions(labelSelector: LabelSelector(matchLabels: ["tier": "odd"])))
            #expect(notEven.items.count == 3)
            let byName = try await f.client.list(F.configMap, namespace: nil, options: ListOptions(fieldSelector: "metadata.name=elsewhere"))
            #expect(byName.items.map(\.namespace) == ["other"])
            let everywhere = try await f.client.list(F.configMap, namespace: nil, options: ListOptions(labelSelector: "app=x"))
            #expect(everywhere.items.count == 8)
            await #expect { try await f.client.list(F.configMap, namespace: nil, options: ListOptions(labelSelector: "a in b")) } throws: { error in
                (error as? KubernetesError)?.kind == .badRequest
            }
        }
    }
}

extension ClientCRUDTests {
    @Test func mergePatchRemovesAFinalizerAndTheObjectGoes() async throws {
        try await F.with { f in
            var held = F.configMap("held", data: ["a": "1"])
            held.finalizers = ["example.com/hold"]
            _ = try await f.client.create(held, options: WriteOptions(fieldManager: "tests"))
            _ = try await f.client.delete(F.configMap, name: "held", namespace: "default", options: DeleteOptions())
            _ = try await f.client.patch(F.configMap, name: "held", namespace: "default", patch: ["metadata": ["finalizers": nil]],
                                         type: .merge, options: WriteOptions(fieldManager: "tests"))
            await #expect { try await f.client.get(F.configMap, name: "held", namespace: "default") } throws: { error in
                (error as? KubernetesError)?.isNotFound == true
            }
            let patched = try await f.client.create(F.configMap("p", data: ["a": "1"]), options: WriteOptions(fieldManager: "tests"))
            let afterJSONPatch = try await f.client.patch(F.configMap, name: patched.name, namespace: "default",
                                                          patch: [["op": "replace", "path": "/data/a", "value": "2"]], type: .json, options: WriteOptions(fieldManager: "tests"))
            #expect(afterJSONPatch["data"]["a"] == "2")
        }
    }
}

extension ClientCRUDTests {
    /// Runs `list` over five ConfigMaps (`page-0`...) in pages of two while the continue token
    /// it got with its first page expires: every request takes a while, so the next page is still
    /// on its way when a change (a new node: no round trip) moves the history past the list's
    /// snapshot and it is compacted.
    func withContinueTokenExpiring<T: Sendable>(_ f: F, _ list: @escaping @Sendable () async throws -> T) async throws -> T {
        let write = WriteOptions(fieldManager: "tests")
        for i in 0..<5 { _ = try await f.client.create(F.configMap("page-\(i)", data: [:]), options: write) }
        await f.cluster.setLatency(.seconds(1))
        let before = f.logs.entries.filter { $0.message == "Kubernetes request" }.count
        let listing = Task { try await list() }
        let firstPage = try await f.logs.next("Kubernetes request", after: before)
        #expect(firstPage.metadata["method"] == "GET")
        await f.cluster.addNode(name: "extra-node")
        await f.cluster.compactHistory()
        await f.cluster.setLatency(.zero)
        return try await listing.value
    }

    @Test func aListWhoseContinueTokenExpiresStartsOver() async throws {
        try await F.with { f in
            let result = try await withContinueTokenExpiring(f) { try await f.client.list(F.configMap, namespace: "default", options: ListOptions(pageSize: 2)) }
            #expect(f.logs.entries.contains { $0.message == "list continue token expired, restarting" })
            #expect(result.items.map(\.name).sorted() == (0..<5).map { "page-\($0)" })
        }
    }
}

extension ClientCRUDTests {
    /// `listPages` hands each page over as it comes (never the whole list at once), only the
    /// first marked `first`, and returns the list's resourceVersion.
    @Test func listPagesHandsOverOnePageAtATime() async throws {
        try await F.with { f in
            let write = WriteOptions(fieldManager: "tests")
            for i in 0..<7 { _ = try await f.client.create(F.configMap("cm-\(i)", data: [:]), options: write) }
            var pages: [(names: [String], first: Bool)] = []
            let resourceVersion = try await f.client.listPages(F.configMap, namespace: "default", options: ListOptions(pageSize: 3)) { items, first in
                pages.append((items.map(\.name), first))
            }
            #expect(pages.map(\.names.count) == [3, 3, 1])
            #expect(pages.map(\.first) == [true, false, false])
            #expect(pages.flatMap(\.names).sorted() == (0..<7).map { "cm-\($0)" })
            #expect(!resourceVersion.isEmpty)
        }
    }

    /// A list restarted after its continue token expired starts its pages again with `first`:
    /// the caller drops what it gathered, and ends with each object once.
    @Test func listPagesSaysWhenTheListStartsOver() async throws {
        try await F.with { f in
            let (firsts, names) = try await withContinueTokenExpiring(f) {
                var firsts = 0
                var names: [String] = []
                _ = try await f.client.listPages(F.configMap, namespace: "default", options: ListOptions(pageSize: 2)) { items, first in
                    if first {
                        firsts += 1
                        names.removeAll()
                    }
                    names += items.map(\.name)
                }
                return (firsts, names)
            }
            #expect(firsts == 2, "the restarted list's first page is marked")
            #expect(names.sorted() == (0..<5).map { "page-\($0)" })
        }
    }
}
