import Foundation
import KubernetesModel
import Testing
@testable import StructuredMerge

/// Field paths and sets: `fieldsV1` reads and writes exactly as the server writes them.
struct FieldSetTests {
    /// Every `fieldsV1` recorded in the conformance cases.
    static func recordedFieldsV1() throws -> [JSONValue] {
        var out: [JSONValue] = []
        let root = Fixtures.casesURL
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "json" } ?? []
        func collect(_ v: JSONValue) {
            switch v {
            case .object(let o):
                if let f = o["fieldsV1"], case .object = f, o["manager"] != nil { out.append(f) }
                for child in o.values { collect(child) }
            case .array(let a): for child in a { collect(child) }
            default: break
            }
        }
        for file in files { collect(try JSONValue.parse([UInt8](Data(contentsOf: file)))) }
        return out
    }

    @Test func everyRecordedFieldsV1RoundTrips() throws {
        let all = try Self.recordedFieldsV1()
        #expect(all.count > 100)
        for fields in all {
            let set = try FieldSet(fieldsV1: fields)
            #expect(set.fieldsV1 == fields, "\(fields.jsonString())")
            #expect(!set.isEmpty)
        }
    }

    @Test(arguments: [
        (#"{"f:data":{".":{},"f:a":{}}}"#, [".data", ".data.a"]),
        (#"{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"main\"}":{".":{},"f:image":{}}}}}}}"#,
         [#".spec.template.spec.containers[name="main"]"#, #".spec.template.spec.containers[name="main"].image"#]),
        (#"{"f:spec":{"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}"#,
         [#".spec.ports[containerPort=80,protocol="TCP"]"#, #".spec.ports[containerPort=80,protocol="TCP"].containerPort"#]),
        (#"{"f:metadata":{"f:finalizers":{"v:\"a/b\"":{},"v:\"c\"":{}}}}"#, [#".metadata.finalizers[="a/b"]"#, #".metadata.finalizers[="c"]"#]),
        (#"{"f:items":{"i:0":{"f:x":{}},"i:1":{}}}"#, [".items[0].x", ".items[1]"]),
    ])
    func pathsOfFieldsV1(json: String, paths: [String]) throws {
        let set = try FieldSet(fieldsV1: try JSONValue.parse(json))
        #expect(set.paths.map(\.description) == paths)
        #expect(set.fieldsV1 == (try JSONValue.parse(json)))
    }

    @Test func keysAreWrittenAsGoWritesJSON() {
        #expect(PathElement.keyed([("protocol", "TCP"), ("containerPort", 80)]).fieldsV1Key == #"k:{"containerPort":80,"protocol":"TCP"}"#)
        #expect(PathElement.keyed([("name", "a<b>&c")]).fieldsV1Key == #"k:{"name":"a\u003cb\u003e\u0026c"}"#)
        #expect(PathElement.value(.double(0.5)).fieldsV1Key == "v:0.5")
        #expect(PathElement.value("x\"y").fieldsV1Key == #"v:"x\"y""#)
        #expect(PathElement.index(3).fieldsV1Key == "i:3")
        #expect(PathElement.field("kubernetes.io/name").fieldsV1Key == "f:kubernetes.io/name")
    }

    @Test func unknownElementTypesAreSkippedAndBadKeysRejected() throws {
        let set = try FieldSet(fieldsV1: try JSONValue.parse(#"{"f:a":{},"z:what":{}}"#))
        #expect(set.paths.map(\.description) == [".a"])
        #expect(throws: StructuredMergeError.self) { try FieldSet(fieldsV1: try JSONValue.parse(#"{"fa":{}}"#)) }
        #expect(throws: StructuredMergeError.self) { try FieldSet(fieldsV1: try JSONValue.parse(#"{"i:x":{}}"#)) }
    }

    @Test func setAlgebra() {
        let a = FieldSet([FieldPath(fields: "data", "a"), FieldPath(fields: "data", "b"), FieldPath(fields: "spec")])
        let b = FieldSet([FieldPath(fields: "data", "b"), FieldPath(fields: "spec", "x")])
        #expect(a.union(b).paths.map(\.description) == [".data.a", ".data.b", ".spec", ".spec.x"])
        #expect(a.intersection(b).paths.map(\.description) == [".data.b"])
        #expect(a.subtracting(b).paths.map(\.description) == [".data.a", ".spec"])
        // A member of the other set takes away everything below it.
        #expect(b.recursiveSubtracting(FieldSet([FieldPath(fields: "spec")])).paths.map(\.description) == [".data.b"])
        #expect(b.subtracting(FieldSet([FieldPath(fields: "spec")])).paths.map(\.description) == [".data.b", ".spec.x"])
        #expect(a.contains(FieldPath(fields: "data", "a")))
        #expect(!a.contains(FieldPath(fields: "data")))
        #expect(a.count == 3)
    }

    @Test func fieldSetOfAnObjectUnderItsSchema() throws {
        let deployment = try Fixtures.object("""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: {app: web}
            spec:
              selector:
                matchLabels: {app: web}
              template:
                spec:
                  containers:
                  - name: main
                    args: [a, b]
                    ports:
                    - containerPort: 80
                    env:
                    - name: X
                      value: "1"
                  tolerations:
                  - key: k
                    operator: Exists
                  securityContext: {}
            """)
        let set = Fixtures.type("apps/v1", "Deployment").fieldSet(of: deployment.body)
        let paths = Set(set.paths.map(\.description))
        // Atomic: the selector (map-type atomic), args and tolerations (lists without a merge key).
        #expect(paths.contains(".spec.selector"))
        #expect(!paths.contains(".spec.selector.matchLabels"))
        #expect(paths.contains(#".spec.template.spec.containers[name="main"].args"#))
        #expect(paths.contains(".spec.template.spec.tolerations"))
        // Keyed: containers by name, ports by containerPort + protocol (defaulted TCP), env by name.
        #expect(paths.contains(#".spec.template.spec.containers[name="main"]"#))
        #expect(paths.contains(#".spec.template.spec.containers[name="main"].ports[containerPort=80,protocol="TCP"].containerPort"#))
        #expect(paths.contains(#".spec.template.spec.containers[name="main"].env[name="X"].value"#))
        // Granular maps: labels key by key; an empty struct is a member.
        #expect(paths.contains(".metadata.labels.app"))
        #expect(paths.contains(".spec.template.spec.securityContext"))
        #expect(!paths.contains(".metadata.labels"))
        #expect(!paths.contains(".spec"))
    }
}

extension FieldSetTests {
    @Test(arguments: [(0.5, "0.5"), (1e-5, "0.00001"), (1e-6, "0.000001"), (1e-7, "1e-07"), (1.5e-7, "1.5e-07"), (2.0, "2"),
                      (123456.789, "123456.789"), (1e21, "1e+21"), (-0.00025, "-0.00025")])
    func floatsAreWrittenAsGoWritesThem(value: Double, text: String) {
        #expect(GoJSON.formatFloat(value) == text)
    }
}
