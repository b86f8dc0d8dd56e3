import TestSupport
import KubernetesModel
import LocalKube
import Testing
@testable import KubernetesClient

/// Server-side apply, status and CRDs against LocalKube.
@Suite struct ClientApplyTests {
    typealias F = LocalKubeFixture

    @Test func applyConflictNamesFieldsAndManagersAndForceTakesOwnership() async throws {
        try await F.with { f in
            _ = try await f.client.apply(F.configMap("shared", data: ["a": "1", "b": "1"]), options: ApplyOptions(fieldManager: "one"))
            await #expect {
                try await f.client.apply(F.configMap("shared", data: ["a": "2"]), options: ApplyOptions(fieldManager: "two"))
            } throws: { error in
                guard let error = error as? KubernetesError else { return false }
                return error.isApplyConflict && error.applyConflicts == [.init(manager: "one", field: ".data.a")] && !error.isRetryable
            }
            let forced = try await f.client.apply(F.configMap("shared", data: ["a": "2"]), options: ApplyOptions(fieldManager: "two", force: true))
            #expect(forced["data"]["a"] == "2")
            let owners = Dictionary(uniqueKeysWithValues: forced.managedFields.map { ($0.manager, $0.fieldsV1) })
            #expect(owners["two"]?["f:data"]["f:a"] != nil)
            #expect((owners["one"]?["f:data"]["f:a"] ?? .null) == .null)
        }
    }

    @Test func dryRunChangesNothing() async throws {
        try await F.with { f in
            let answer = try await f.client.apply(F.configMap("dry", data: ["a": "1"]), options: ApplyOptions(fieldManager: "tests", dryRun: true))
            #expect(answer["data"]["a"] == "1")
            await #expect { try await f.client.get(F.configMap, name: "dry", namespace: "default") } throws: { error in
                (error as? KubernetesError)?.isNotFound == true
            }
        }
    }

    @Test func schemaMismatchIsAPermanentErrorSentOnce() async throws {
        try await F.with { f in
            var deployment = KubeObject(apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "default")
            deployment["spec"] = ["replicas": "three", "selector": ["matchLabels": ["app": "web"]],
                                  "template": ["metadata": ["labels": ["app": "web"]], "spec": ["containers": [["name": "web", "image": "nginx"]]]]]
            _ = try await f.client.resource(for: F.deployment)
            await f.cluster.resetRequestCounts()
            await #expect { try await f.client.apply(deployment, options: ApplyOptions(fieldManager: "tests")) } throws: { error in
                (error as? KubernetesError)?.kind == .permanentServerError
            }
            #expect(await f.cluster.requestCount(verb: "patch") == 1)
        }
    }

    @Test func objectsWithoutKindOrNameAreRefusedBeforeSending() async throws {
        try await F.with { f in
            var nameless = F.configMap("x", data: [:])
            nameless.body.removeValue(at: ["metadata", "name"])
            await #expect { try await f.client.apply(nameless, options: ApplyOptions(fieldManager: "tests")) } throws: { error in
                (error as? KubernetesError)?.kind == .invalidObject
            }
            await #expect { try await f.client.apply(F.configMap("x", data: [:]), options: ApplyOptions(fieldManager: "")) } throws: { error in
                (error as? KubernetesError)?.kind == .invalidObject
            }
            #expect(await f.cluster.writeCount() == 0)
        }
    }

    @Test func crdThenItsCustomResourcesThroughDiscoveryRefresh() async throws {
        try await F.with { f in
            let widget = GroupVersionKind(group: "example.com", version: "v1", kind: "Widget")
            // Discovery is loaded before the CRD exists.
            #expect(try await f.client.discoveredAPIs().resource(for: widget) == nil)
            _ = try await f.client.apply(F.crd(group: "example.com", kind: "Widget", plural: "widgets"), options: ApplyOptions(fieldManager: "tests"))
            try await f.client.waitForEstablished(crdName: "widgets.example.com")
            // Resolved without an explicit refresh: an unknown kind refreshes discovery once.
            var object = KubeObject(apiVersion: "example.com/v1", kind: "Widget", name: "w1", namespace: "default")
            object["spec"] = ["size": 3]
            let applied = try await f.client.apply(object, options: ApplyOptions(fieldManager: "tests"))
            #expect(applied.generation == 1)
            let resource = try await f.client.resource(named: "widgets")
            #expect(resource.groupVersionKind == widget)
            #expect(resource.hasStatus)

            // Status through the subresource: spec untouched, generation unchanged.
            var status = KubeObject(apiVersion: "example.com/v1", kind: "Widget", name: "w1", namespace: "default")
            status["status"] = ["phase": "Ready"]
            let withStatus = try await f.client.applyStatus(status, options: ApplyOptions(fieldManager: "status-writer"))
            #expect(withStatus.status["phase"] == "Ready")
            #expect(withStatus.spec["size"] == 3)
            #expect(withStatus.generation == 1)
            #expect(withStatus.managedFields.contains { $0.manager == "status-writer" && $0.subresource == "status" })

            var updated = withStatus
            updated["status"] = ["phase": "Degraded"]
            let afterUpdate = try await f.client.updateStatus(updated, options: WriteOptions(fieldManager: "status-writer"))
            #expect(afterUpdate.status["phase"] == "Degraded")
        }
    }

    @Test func unknownKindIsAClearError() async throws {
        try await F.with { f in
            let gadget = GroupVersionKind(group: "nowhere.example.com", version: "v1", kind: "Gadget")
            await #expect { try await f.client.get(gadget, name: "g", namespace: "default") } throws: { error in
                guard let error = error as? KubernetesError else { return false }
                return error.kind == .unknownKind && error.message.contains("Gadget") && error.message.contains("nowhere.example.com")
            }
        }
    }

    @Test func applyAllOrdersNamespacesAndCRDsFirstAndAppliesTheRestConcurrently() async throws {
        try await F.with { f in
            var objects: [KubeObject] = []
            // Given in the worst order: custom resources and namespaced objects before what they need.
            var widget = KubeObject(apiVersion: "batch.example.com/v1", kind: "Gizmo", name: "g1", namespace: "team-b")
            widget["spec"] = ["on": true]
            objects.append(widget)
            for i in 0..<20 { objects.append(F.configMap("cm-\(i)", namespace: "team-b", data: ["i": String(i)])) }
            objects.append(F.crd(group: "batch.example.com", kind: "Gizmo", plural: "gizmos"))
            objects.append(KubeObject(apiVersion: "v1", kind: "Namespace", name: "team-b"))
            let results = try await f.client.applyAll(objects, options: ApplyOptions(fieldManager: "addon-manager"))
            #expect(results.count == objects.count)
            for result in results { #expect(result.error == nil, "\(result.reference): \(String(describing: result.error))") }
            #expect(results.map(\.reference) == objects.map(\.reference))
            let listed = try await f.client.list(F.configMap, namespace: "team-b")
            #expect(listed.items.filter { $0.name.hasPrefix("cm-") }.count == 20)
        }
    }

    @Test func applyAllRefusesTheWholeSetWhenAKindIsUnknown() async throws {
        try await F.with { f in
            let objects = [F.configMap("a", data: [:]), KubeObject(apiVersion: "nowhere.example.com/v1", kind: "Gadget", name: "g", namespace: "default")]
            await #expect { try await f.client.applyAll(objects, options: ApplyOptions(fieldManager: "tests")) } throws: { error in
                guard let error = error as? KubernetesError else { return false }
                return error.kind == .unknownKind && error.message.contains("Gadget.nowhere.example.com default/g")
            }
            #expect(await f.cluster.writeCount() == 0)
        }
    }

    @Test func aCRDThatIsNotEstablishedFailsItsCustomResourcesOnly() async throws {
        try await F.with { f in
            _ = try await f.client.apply(F.crd(group: "clash.example.com", kind: "Widget", plural: "widgets"), options: ApplyOptions(fieldManager: "tests"))
            try await f.client.waitForEstablished(crdName: "widgets.clash.example.com")
            // Same kind, another plural: NamesAccepted False, never Established.
            let clashing = F.crd(group: "clash.example.com", kind: "Widget", plural: "gizmos")
            let widget = KubeObject(apiVersion: "clash.example.com/v1", kind: "Widget", name: "w1", namespace: "default")
            let results = try await f.client.applyAll([clashing, widget, F.configMap("fine", data: [:])], options: ApplyOptions(fieldManager: "tests"),
                                                      establishTimeout: .milliseconds(300))
            #expect(results[0].error == nil)
            #expect(results[1].error?.message.contains("did not become Established") == true, "\(String(describing: results[1].error))")
            #expect(results[2].error == nil)
        }
    }
}
