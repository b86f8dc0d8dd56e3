import KubernetesModel
import Testing
@testable import StructuredMerge

/// Random sequences of applies by several managers (seeded, so every run is the same), checked
/// against what must always hold after a successful apply.
struct ApplyInvariantTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func appliesKeepTheirInvariants(seed: UInt64) throws {
        var random = Generator(state: seed)
        let managers = ["one", "two", "three"]
        let keys = ["a", "b", "c", "d"]
        var live: KubeObject?
        for step in 0..<60 {
            let manager = managers[random.next(managers.count)]
            var data: [String: String] = [:]
            var labels: [String: String] = [:]
            for key in keys where random.next(2) == 0 { data[key] = String(random.next(2)) }
            for key in keys where random.next(3) == 0 { labels[key] = String(random.next(2)) }
            let config = ApplyTests.configMap(data, labels: labels)
            let force = random.next(4) == 0
            let result: FieldManager.ApplyResult
            do {
                result = try ApplyTests.apply(live, config, manager, force: force, now: "2026-01-01T00:00:\(String(format: "%02d", step))Z")
            } catch {
                #expect(error.isApplyConflict && !force, "step \(step): \(error)")
                // A conflict names only fields the config sets to a different value.
                for cause in error.causes {
                    let key = String(cause.field!.split(separator: ".").last!)
                    let section = cause.field!.hasPrefix(".data") ? live!.body["data"] : live!.body["metadata"]["labels"]
                    let wanted = cause.field!.hasPrefix(".data") ? data[key] : labels[key]
                    #expect(wanted != nil && section[key].stringValue != wanted, "step \(step): \(cause)")
                }
                continue
            }
            let object = result.object
            // The object carries the config's values.
            for (k, v) in data { #expect(object.body["data"][k].stringValue == v, "step \(step)") }
            for (k, v) in labels { #expect(object.body["metadata"]["labels"][k].stringValue == v, "step \(step)") }
            // The applier owns exactly what it applied.
            let owned = ManagedFields(of: object).entries[ManagerIdentity(manager: manager, operation: .apply, apiVersion: "v1")]?.fields ?? FieldSet()
            let expected = FieldSet(data.keys.map { FieldPath(fields: "data", $0) } + labels.keys.map { FieldPath(fields: "metadata", "labels", $0) })
            #expect(owned.pruned() == expected, "step \(step)")
            // Every value in the object is owned by someone; nobody owns a value that is gone.
            var allOwned = FieldSet()
            for entry in ManagedFields(of: object).entries.values { allOwned.formUnion(entry.fields) }
            let present = Fixtures.type("v1", "ConfigMap").fieldSet(of: object.body).subtracting(FieldManager.strippedFields)
            #expect(present.pruned() == allOwned.pruned(), "step \(step)")
            // Applying the same again changes nothing.
            let again = try ApplyTests.apply(object, config, manager, now: "2026-01-02T00:00:00Z")
            #expect(again.isNoOp, "step \(step)")
            live = object
        }
    }
}

extension ApplyInvariantTests {
    @Test(arguments: [11, 12, 13, 14, 15] as [UInt64])
    func keyedListsKeepTheirInvariants(seed: UInt64) throws {
        var random = Generator(state: seed)
        let type = Fixtures.type("apps/v1", "Deployment")
        let kind = ApplyTests.deploymentKind
        let managers = ["one", "two"]
        var live: KubeObject?
        for step in 0..<50 {
            let manager = managers[random.next(managers.count)]
            var containers: [JSONValue] = []
            for name in ["main", "side", "debug"] where random.next(2) == 0 {
                var container: JSONValue = ["name": .string(name)]
                if random.next(2) == 0 { container["image"] = .string("img:\(random.next(2))") }
                var env: [JSONValue] = []
                for variable in ["A", "B"] where random.next(2) == 0 { env.append(["name": .string(variable), "value": .string(String(random.next(2)))]) }
                if !env.isEmpty { container["env"] = .array(env) }
                if random.next(3) == 0 { container["args"] = .array([.string("x\(random.next(2))")]) }
                containers.append(container)
            }
            var body: JSONValue = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": "ns"]]
            if !containers.isEmpty { body.setValue(.array(containers), at: ["spec", "template", "spec", "containers"]) }
            let config = KubeObject(body)
            let result: FieldManager.ApplyResult
            do {
                result = try FieldManager.apply(live: live, config: config, manager: manager, force: random.next(3) == 0, type: type, kind: kind, now: "t\(step)")
            } catch {
                #expect(error.isApplyConflict, "step \(step): \(error)")
                continue
            }
            let object = result.object
            let liveContainers = object.body["spec"]["template"]["spec"]["containers"].arrayValue ?? []
            for container in containers {
                let match = liveContainers.first { $0["name"] == container["name"] }
                #expect(match != nil, "step \(step)")
                if let image = container.objectValue?["image"] { #expect(match?["image"] == image, "step \(step)") }
                if let args = container.objectValue?["args"] { #expect(match?["args"] == args, "step \(step)") }
                for variable in container["env"].arrayValue ?? [] {
                    #expect(match?["env"].arrayValue?.contains(variable) == true, "step \(step)")
                }
            }
            // No container name appears twice.
            #expect(Set(liveContainers.map { $0["name"] }).count == liveContainers.count, "step \(step)")
            let owned = ManagedFields(of: object).entries[ManagerIdentity(manager: manager, operation: .apply, apiVersion: "apps/v1")]?.fields ?? FieldSet()
            #expect(owned.pruned() == type.fieldSet(of: config.body).subtracting(FieldManager.strippedFields).pruned(), "step \(step)")
            var allOwned = FieldSet()
            for entry in ManagedFields(of: object).entries.values { allOwned.formUnion(entry.fields) }
            let present = type.fieldSet(of: object.body).subtracting(FieldManager.strippedFields)
            #expect(allOwned.subtracting(present).isEmpty, "step \(step): owned but gone \(allOwned.subtracting(present))")
            let again = try FieldManager.apply(live: object, config: config, manager: manager, force: false, type: type, kind: kind, now: "later")
            #expect(again.isNoOp, "step \(step)")
            live = object
        }
    }
}
