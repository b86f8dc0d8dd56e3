import KubernetesModel
import Testing
@testable import StructuredMerge

/// Server-side apply scenarios, each a sequence of applies and updates with the expected object
/// and ownership — the behaviour the recorded cases show, in small.
struct ApplyTests {
    static let configMapKind = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
    static let deploymentKind = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")

    static func configMap(_ data: [String: String], labels: [String: String] = [:]) -> KubeObject {
        var body: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c1", "namespace": "ns"]]
        if !data.isEmpty { body["data"] = .object(data.mapValues { .string($0) }) }
        if !labels.isEmpty { body["metadata"]["labels"] = .object(labels.mapValues { .string($0) }) }
        return KubeObject(body)
    }

    static func apply(_ live: KubeObject?, _ config: KubeObject, _ manager: String, force: Bool = false, now: String = "2026-01-01T00:00:00Z")
        throws(StructuredMergeError) -> FieldManager.ApplyResult
    {
        try FieldManager.apply(live: live, config: config, manager: manager, force: force, type: Fixtures.type("v1", "ConfigMap"),
                               kind: configMapKind, now: now)
    }

    static func owners(_ object: KubeObject) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for entry in ManagedFields(of: object).ordered {
            out[entry.identity.manager] = entry.fields.paths.map(\.description)
        }
        return out
    }

    @Test func createOwnsWhatTheConfigSets() throws {
        let result = try Self.apply(nil, Self.configMap(["a": "1"], labels: ["x": "1"]), "one")
        #expect(result.objectChanged)
        #expect(result.object.body["data"] == ["a": "1"])
        #expect(Self.owners(result.object) == ["one": [".data.a", ".metadata.labels.x"]])
        #expect(result.object.managedFields.first?.time == "2026-01-01T00:00:00Z")
        #expect(result.object.managedFields.first?.operation == .apply)
    }

    @Test func conflictWithOneManagerNamesTheFieldAndManager() throws {
        let live = try Self.apply(nil, Self.configMap(["a": "1"]), "one").object
        let error = #expect(throws: StructuredMergeError.self) { try Self.apply(live, Self.configMap(["a": "2"]), "two") }
        #expect(error?.code == 409)
        #expect(error?.reason == "Conflict")
        #expect(error?.isApplyConflict == true)
        #expect(error?.message == #"Apply failed with 1 conflict: conflict with "one": .data.a"#)
        #expect(error?.status.details?.causes == [KubeStatus.Cause(reason: "FieldManagerConflict", message: #"conflict with "one""#, field: ".data.a")])
    }

    @Test func conflictsWithSeveralManagersAreGroupedByManager() throws {
        var live = try Self.apply(nil, Self.configMap(["a": "1", "b": "1"]), "one").object
        live = try Self.apply(live, Self.configMap(["c": "1"]), "two").object
        let error = #expect(throws: StructuredMergeError.self) { try Self.apply(live, Self.configMap(["a": "9", "b": "9", "c": "9"]), "three") }
        #expect(error?.message == "Apply failed with 3 conflicts: conflicts with \"one\":\n- .data.a\n- .data.b\nconflicts with \"two\":\n- .data.c")
        #expect(error?.causes.count == 3)
    }

    @Test func forceMovesOwnership() throws {
        let live = try Self.apply(nil, Self.configMap(["a": "1", "b": "1"]), "one").object
        let result = try Self.apply(live, Self.configMap(["a": "2"]), "two", force: true)
        #expect(result.object.body["data"] == ["a": "2", "b": "1"])
        #expect(Self.owners(result.object) == ["one": [".data.b"], "two": [".data.a"]])
    }

    @Test func sameValueIsSharedAndStaysWhenOneSharerLetsGo() throws {
        var live = try Self.apply(nil, Self.configMap(["a": "1", "b": "1"]), "one").object
        live = try Self.apply(live, Self.configMap(["a": "1"]), "two").object
        #expect(Self.owners(live) == ["one": [".data.a", ".data.b"], "two": [".data.a"]])
        live = try Self.apply(live, Self.configMap(["b": "1"]), "one").object
        #expect(live.body["data"] == ["a": "1", "b": "1"])
        #expect(Self.owners(live) == ["one": [".data.b"], "two": [".data.a"]])
    }

    @Test func soleOwnedFieldsDisappearWhenNoLongerApplied() throws {
        var live = try Self.apply(nil, Self.configMap(["a": "1", "b": "2"], labels: ["x": "1", "y": "2"]), "one").object
        live = try Self.apply(live, Self.configMap(["a": "1"], labels: ["x": "1"]), "one").object
        #expect(live.body["data"] == ["a": "1"])
        #expect(live.body["metadata"]["labels"] == ["x": "1"])
        live = try Self.apply(live, Self.configMap([:]), "one").object
        #expect(live.body["data"].isNull)
        #expect(live.body["metadata"]["labels"].isNull)
        #expect(live.body["metadata"]["managedFields"].isNull)
    }

    @Test func labelsAreOwnedKeyByKey() throws {
        var live = try Self.apply(nil, Self.configMap([:], labels: ["l1": "a"]), "one").object
        live = try Self.apply(live, Self.configMap([:], labels: ["l2": "b"]), "two").object
        #expect(live.body["metadata"]["labels"] == ["l1": "a", "l2": "b"])
        live = try Self.apply(live, Self.configMap([:]), "one").object
        #expect(live.body["metadata"]["labels"] == ["l2": "b"])
        #expect(Self.owners(live) == ["two": [".metadata.labels.l2"]])
    }

    @Test func unchangedReapplyIsByteIdentical() throws {
        let first = try Self.apply(nil, Self.configMap(["a": "1"]), "one", now: "2026-01-01T00:00:00Z").object
        let again = try Self.apply(first, Self.configMap(["a": "1"]), "one", now: "2026-01-01T00:05:00Z")
        #expect(again.isNoOp)
        #expect(again.object == first)
        #expect(again.object.body.serialized() == first.body.serialized())
    }

    @Test func anUpdateTakesTheFieldsItChanges() throws {
        let applied = try Self.apply(nil, Self.configMap(["a": "1", "b": "1"]), "applier").object
        var edited = Self.configMap(["a": "changed", "b": "1"])
        edited.body["metadata"]["managedFields"] = applied.body["metadata"]["managedFields"]
        let updated = try FieldManager.update(old: applied, new: edited, manager: "editor", type: Fixtures.type("v1", "ConfigMap"),
                                              kind: Self.configMapKind, now: "2026-01-01T00:01:00Z")
        #expect(Self.owners(updated) == ["applier": [".data.b"], "editor": [".data.a"]])
        #expect(updated.managedFields.map(\.operation) == [.apply, .update])
        let error = #expect(throws: StructuredMergeError.self) { try Self.apply(updated, Self.configMap(["a": "1", "b": "1"]), "applier") }
        #expect(error?.message == #"Apply failed with 1 conflict: conflict with "editor" using v1: .data.a"#)
        #expect(error?.causes.first?.message == #"conflict with "editor" using v1"#)
    }

    @Test func createByUpdateOwnsTheMapItself() throws {
        let created = try FieldManager.update(old: nil, new: Self.configMap(["a": "1"]), manager: "creator",
                                              type: Fixtures.type("v1", "ConfigMap"), kind: Self.configMapKind, now: "2026-01-01T00:00:00Z")
        #expect(created.managedFields.first?.fieldsV1 == ["f:data": [".": [:], "f:a": [:]]])
        #expect(created.managedFields.first?.operation == .update)
        #expect(created.managedFields.first?.apiVersion == "v1")
    }

    @Test func managedFieldsInAnUpdateBodyReplaceOrReset() throws {
        let applied = try Self.apply(nil, Self.configMap(["a": "1"]), "applier").object
        var reset = applied
        reset.body["metadata"]["managedFields"] = []
        let afterReset = try FieldManager.update(old: applied, new: reset, manager: "editor", type: Fixtures.type("v1", "ConfigMap"),
                                                 kind: Self.configMapKind, now: "t")
        #expect(afterReset.body["metadata"]["managedFields"].isNull)
    }

    @Test func applyBodyMustNotCarryManagedFieldsAndMustHaveTheRightVersion() throws {
        var config = Self.configMap(["a": "1"])
        config.body["metadata"]["managedFields"] = []
        let managed = #expect(throws: StructuredMergeError.self) { try Self.apply(nil, config, "one") }
        #expect(managed?.code == 400)
        #expect(managed?.message == "metadata.managedFields must be nil")
        var noVersion = Self.configMap(["a": "1"])
        _ = noVersion.body.removeValue(forKey: "apiVersion")
        let version = #expect(throws: StructuredMergeError.self) { try Self.apply(nil, noVersion, "one") }
        #expect(version?.code == 400)
        #expect(version?.reason == "BadRequest")
        #expect(version?.message == "Incorrect version specified in apply patch. Specified patch version: , expected: v1")
    }

    @Test(arguments: [
        ("replicas: three", ".spec.replicas: expected numeric (int or float), got string"),
        ("bogus: true", ".spec.bogus: field not declared in schema"),
        ("paused: maybe", ".spec.paused: expected boolean, got &{maybe}"),
        ("minReadySeconds: [1]", ".spec.minReadySeconds: expected numeric (int or float), got []interface {}"),
        ("selector: x", ".spec.selector: expected map, got &{x}"),
        ("template: {spec: {containers: x}}", ".spec.template.spec.containers: expected list, got &{x}"),
        ("template: {spec: {containers: [{image: x}]}}",
         #".spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn't have default value)"#),
        ("template: {metadata: {labels: {a: 1.10}}}", ".spec.template.metadata.labels.a: expected string, got &value.valueUnstructured{Value:1.1}"),
        ("template: {metadata: {labels: {a: yes}}}", ".spec.template.metadata.labels.a: expected string, got &value.valueUnstructured{Value:true}"),
    ])
    func typeErrorsAreTheServersWords(spec: String, message: String) throws {
        let config = try Fixtures.object("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {\(spec)}\n")
        let error = #expect(throws: StructuredMergeError.self) {
            try FieldManager.apply(live: nil, config: config, manager: "m", force: false, type: Fixtures.type("apps/v1", "Deployment"),
                                   kind: Self.deploymentKind, now: "t")
        }
        #expect(error?.code == 500)
        #expect(error?.reason == "")
        #expect(error?.message == "failed to create typed patch object (/web; apps/v1, Kind=Deployment): \(message)")
        #expect(error?.status.json["reason"].isNull == true)
    }

    @Test func listsMergeByKeyAndAtomicListsConflictWhole() throws {
        let type = Fixtures.type("apps/v1", "Deployment")
        func deploy(_ containers: String) throws -> KubeObject {
            try Fixtures.object("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: \(containers)\n")
        }
        var live = try FieldManager.apply(live: nil, config: try deploy("[{name: main, image: a, args: [p, q], env: [{name: A, value: '1'}]}]"),
                                          manager: "one", force: false, type: type, kind: Self.deploymentKind, now: "t").object
        live = try FieldManager.apply(live: live, config: try deploy("[{name: side, image: b}, {name: main, env: [{name: B, value: '2'}]}]"),
                                      manager: "two", force: false, type: type, kind: Self.deploymentKind, now: "t").object
        let containers = live.body["spec"]["template"]["spec"]["containers"]
        #expect(containers.arrayValue?.map { $0["name"] } == ["main", "side"])
        #expect(containers[0]["env"].arrayValue?.map { $0["name"] } == ["A", "B"])
        let error = #expect(throws: StructuredMergeError.self) {
            try FieldManager.apply(live: live, config: try deploy("[{name: main, args: [z]}]"), manager: "two", force: false,
                                   type: type, kind: Self.deploymentKind, now: "t")
        }
        #expect(error?.message == #"Apply failed with 1 conflict: conflict with "one": .spec.template.spec.containers[name="main"].args"#)
    }

    @Test func aCustomResourceFollowsItsCRDSchema() throws {
        let type = Fixtures.catalog.customResourceType(openAPIV3Schema: try YAML.parse("""
            type: object
            properties:
              spec:
                type: object
                properties:
                  size: {type: integer}
                  tags: {type: array, items: {type: string}}
                  ports:
                    type: array
                    x-kubernetes-list-type: map
                    x-kubernetes-list-map-keys: [name]
                    items: {type: object, properties: {name: {type: string}, port: {type: integer}}}
                  port: {x-kubernetes-int-or-string: true}
                  extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
                  template: {type: object, x-kubernetes-embedded-resource: true, x-kubernetes-preserve-unknown-fields: true}
            """))
        let kind = GroupVersionKind(group: "example.com", version: "v1", kind: "Gadget")
        let config = try Fixtures.object("""
            apiVersion: example.com/v1
            kind: Gadget
            metadata: {name: g1, labels: {a: b}}
            spec:
              size: 1
              tags: [x]
              ports: [{name: a, port: 1}]
              port: http
              extra: {anything: {goes: [1]}}
              template: {apiVersion: v1, kind: ConfigMap, metadata: {name: x}, data: {k: v}}
            """)
        let result = try FieldManager.apply(live: nil, config: config, manager: "m", force: false, type: type, kind: kind, now: "t")
        let paths = Set(ManagedFields(of: result.object).ordered[0].fields.paths.map(\.description))
        #expect(paths.contains(".spec.tags"))
        #expect(paths.contains(#".spec.ports[name="a"].port"#))
        #expect(paths.contains(".spec.extra.anything.goes"))
        #expect(paths.contains(".metadata.labels.a"))
        #expect(paths.contains(".spec.template.data.k"))
        var bad = config
        bad.body["spec"]["bogus"] = 1
        let error = #expect(throws: StructuredMergeError.self) {
            try FieldManager.apply(live: nil, config: bad, manager: "m", force: false, type: type, kind: kind, now: "t")
        }
        #expect(error?.message == "failed to create typed patch object (/g1; example.com/v1, Kind=Gadget): .spec.bogus: field not declared in schema")
    }

    @Test func unknownKindsAreDeduced() throws {
        let kind = GroupVersionKind(group: "x.io", version: "v1", kind: "Thing")
        let config = KubeObject(["apiVersion": "x.io/v1", "kind": "Thing", "metadata": ["name": "t"], "spec": ["list": [1, 2], "m": ["k": "v"]]])
        let result = try FieldManager.apply(live: nil, config: config, manager: "m", force: false, type: .deduced, kind: kind, now: "t")
        // Without declared fields every map entry is owned itself, as structured-merge-diff does for deduced types.
        #expect(ManagedFields(of: result.object).ordered[0].fields.paths.map(\.description) == [".spec", ".spec.list", ".spec.m", ".spec.m.k"])
    }
}

extension ApplyTests {
    @Test func anUpdateThatDoesNotFitTheSchemaDoesNotFail() throws {
        let applied = try Self.apply(nil, Self.configMap(["a": "1"]), "applier").object
        var broken = applied
        broken.body["data"] = ["a": 1]
        broken.body["extra"] = ["x": true]
        let result = try FieldManager.update(old: applied, new: broken, manager: "editor", type: Fixtures.type("v1", "ConfigMap"),
                                             kind: Self.configMapKind, now: "t")
        #expect(result.body["data"] == ["a": 1])
        #expect(Self.owners(result) == ["editor": [".data.a", ".extra", ".extra.x"]])
    }

    @Test func statusWritesAreOwnedWithTheSubresource() throws {
        let kind = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")
        let type = Fixtures.type("apps/v1", "Deployment")
        let live = try FieldManager.apply(live: nil, config: try Fixtures.object("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}\n"),
                                          manager: "m", force: false, type: type, kind: kind, now: "t", ignoredFields: ResetFields.mainResourceWithStatus).object
        var withStatus = live
        withStatus.body["status"] = ["replicas": 1]
        let updated = try FieldManager.update(old: live, new: withStatus, manager: "controller", type: type, kind: kind, now: "t",
                                              subresource: "status", ignoredFields: ResetFields.statusSubresource)
        let entries = updated.managedFields
        #expect(entries.map(\.manager) == ["m", "controller"])
        #expect(entries.last?.subresource == "status")
        #expect(entries.last?.fieldsV1 == ["f:status": [".": [:], "f:replicas": [:]]])
        // The main resource ignores status: an apply that sets it neither owns nor conflicts.
        let applied = try FieldManager.apply(live: updated, config: try Fixtures.object("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}\nstatus: {replicas: 5}\n"),
                                             manager: "m", force: false, type: type, kind: kind, now: "t", ignoredFields: ResetFields.mainResourceWithStatus)
        #expect(applied.isNoOp)
    }

    @Test func moreThanTenUpdateManagersAreFoldedIntoAncientChanges() throws {
        var object = try FieldManager.update(old: nil, new: Self.configMap(["k0": "v"]), manager: "u0", type: Fixtures.type("v1", "ConfigMap"),
                                             kind: Self.configMapKind, now: "2026-01-01T00:00:00Z")
        for i in 1...11 {
            var next = object
            next.body["data"]["k\(i)"] = "v"
            object = try FieldManager.update(old: object, new: next, manager: "u\(i)", type: Fixtures.type("v1", "ConfigMap"),
                                             kind: Self.configMapKind, now: String(format: "2026-01-01T00:00:%02dZ", i))
        }
        let managers = object.managedFields.map(\.manager)
        #expect(managers.count == 10)
        #expect(managers.contains("ancient-changes"))
        #expect(!managers.contains("u0"))
        #expect(managers.last == "u11")
    }
}

extension ApplyTests {
    @Test func anUntrackedObjectStaysUntrackedOnUpdate() throws {
        let untracked = Self.configMap(["a": "1"])
        var changed = untracked
        changed.body["data"]["b"] = "2"
        let result = try FieldManager.update(old: untracked, new: changed, manager: "editor", type: Fixtures.type("v1", "ConfigMap"),
                                             kind: Self.configMapKind, now: "t")
        #expect(result.body["metadata"]["managedFields"].isNull)
        #expect(result.body["data"] == ["a": "1", "b": "2"])
    }
}

extension ApplyTests {
    @Test func kubectlServerSideApplyKeepsTheClientSideAnnotationInStep() throws {
        var live = Self.configMap(["a": "1"])
        live.body.setValue("{\"old\":true}", at: ["metadata", "annotations", FieldManager.lastAppliedAnnotation])
        let config = Self.configMap(["a": "2"])
        let result = try Self.apply(live, config, "kubectl")
        let annotation = try #require(result.object.body["metadata"]["annotations"][FieldManager.lastAppliedAnnotation].stringValue)
        #expect(try JSONValue.parse(annotation) == config.body)
        // Other managers leave it alone.
        let other = try Self.apply(live, config, "addon-manager")
        #expect(other.object.body["metadata"]["annotations"][FieldManager.lastAppliedAnnotation] == "{\"old\":true}")
    }
}

extension ApplyTests {
    @Test func kubectlTakesOverFieldsStillAsClientSideApplyLeftThem() throws {
        // Created by client-side apply: an update manager and the annotation.
        var created = Self.configMap(["a": "1", "b": "1"])
        created.body.setValue(.string(GoJSON.encode(Self.configMap(["a": "1", "b": "1"]).body)),
                              at: ["metadata", "annotations", FieldManager.lastAppliedAnnotation])
        var live = try FieldManager.update(old: nil, new: created, manager: "kubectl-client-side-apply", type: Fixtures.type("v1", "ConfigMap"),
                                           kind: Self.configMapKind, now: "t")
        // Someone else changes b afterwards.
        var edited = live
        edited.body["data"]["b"] = "2"
        live = try FieldManager.update(old: live, new: edited, manager: "editor", type: Fixtures.type("v1", "ConfigMap"), kind: Self.configMapKind, now: "t")
        // a is still as last applied: no conflict for kubectl; b changed since: a conflict with the editor remains.
        let result = try Self.apply(live, Self.configMap(["a": "9", "b": "2"]), "kubectl")
        #expect(result.object.body["data"] == ["a": "9", "b": "2"])
        let error = #expect(throws: StructuredMergeError.self) { try Self.apply(live, Self.configMap(["a": "9", "b": "3"]), "kubectl") }
        #expect(error?.message == #"Apply failed with 1 conflict: conflict with "editor" using v1: .data.b"#)
        // Any other manager sees every conflict.
        #expect(throws: StructuredMergeError.self) { try Self.apply(live, Self.configMap(["a": "9"]), "addon-manager") }
    }
}

extension ApplyTests {
    @Test func aCRDAppliesWithItsSchema() throws {
        let crd = try Fixtures.object("""
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: gadgets.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: gadgets, singular: gadget, kind: Gadget, listKind: GadgetList}
              versions:
              - name: v1
                served: true
                storage: true
                subresources: {status: {}}
                schema:
                  openAPIV3Schema:
                    type: object
                    description: A gadget.
                    properties:
                      spec:
                        type: object
                        description: What it should be.
                        properties:
                          size: {type: integer, minimum: 1, default: 1}
                          mode: {type: string, enum: [fast, slow]}
                          ports:
                            type: array
                            x-kubernetes-list-type: map
                            x-kubernetes-list-map-keys: [name]
                            items: {type: object, properties: {name: {type: string}}, required: [name]}
                        x-kubernetes-validations: [{rule: "self.size < 10", message: too big}]
            """)
        let kind = GroupVersionKind(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition")
        let result = try FieldManager.apply(live: nil, config: crd, manager: "addon-manager", force: false,
                                            type: Fixtures.type("apiextensions.k8s.io/v1", "CustomResourceDefinition"), kind: kind, now: "t")
        let paths = Set(ManagedFields(of: result.object).ordered[0].fields.paths.map(\.description))
        #expect(paths.contains(".spec.versions"))
        #expect(paths.contains(".spec.names.kind"))
        #expect(!paths.contains(".spec.versions[0].schema"))
    }
}

extension ApplyTests {
    @Test func undeclaredFieldsInTheLiveObjectAreKept() throws {
        var live = try Self.apply(nil, Self.configMap(["a": "1"]), "one").object
        live.body["extra"] = ["written": "by a simulator"]
        let result = try Self.apply(live, Self.configMap(["a": "2"]), "one")
        #expect(result.object.body["data"] == ["a": "2"])
        #expect(result.object.body["extra"] == ["written": "by a simulator"])
    }
}

extension ApplyTests {
    @Test func aCreatedDeploymentDoesNotOwnItsValueStructsAsSuch() throws {
        let deployment = try Fixtures.object("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: ns}
            spec:
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers: [{name: main, image: nginx}]
            """)
        let created = try FieldManager.update(old: nil, new: deployment, manager: "kubectl-create", type: Fixtures.type("apps/v1", "Deployment"),
                                              kind: Self.deploymentKind, now: "t", ignoredFields: ResetFields.mainResourceWithStatus)
        let fields = try #require(created.managedFields.first?.fieldsV1)
        #expect(fields["f:spec"]["."].isNull)
        #expect(fields["f:spec"]["f:template"]["."].isNull)
        #expect(fields["f:spec"]["f:template"]["f:spec"]["f:containers"]["."].isNull)
        #expect(fields["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"main\"}"]["."] == [:])
        #expect(fields["f:spec"]["f:template"]["f:metadata"]["f:labels"]["."] == [:])
        #expect(fields["f:spec"]["f:selector"] == [:])
    }
}
