import Foundation
import KubernetesModel
import Testing
@testable import StructuredMerge

/// Replays the recorded server-side apply exchanges (`kube-conformance/cases/ssa`) through the
/// field manager: each write starts from the object the real server answered before, and the
/// managedFields (and errors) we compute must be the server's.
struct ConformanceReplayTests {
    static let resourceKinds: [String: String] = [
        "configmaps": "ConfigMap", "deployments": "Deployment", "secrets": "Secret", "services": "Service",
        "namespaces": "Namespace", "serviceaccounts": "ServiceAccount", "clusterroles": "ClusterRole",
    ]

    struct Write {
        var method: String
        var path: String
        var gvk: GroupVersionKind
        var key: String
        var subresource: String?
    }

    static func parse(path: String, plurals: [String: String] = [:]) -> Write? {
        var parts = path.split(separator: "/").map(String.init)
        var group = ""
        let version: String
        if parts.first == "api" {
            version = parts[1]
            parts.removeFirst(2)
        } else if parts.first == "apis" {
            group = parts[1]
            version = parts[2]
            parts.removeFirst(3)
        } else { return nil }
        if parts.first == "namespaces", parts.count >= 3 { parts.removeFirst(2) }
        guard let resource = parts.first, let kind = resourceKinds[resource] ?? plurals[resource] else { return nil }
        guard parts.count >= 2 else { return nil }
        let sub = parts.count >= 3 ? parts[2] : nil
        return Write(method: "", path: path, gvk: GroupVersionKind(group: group, version: version, kind: kind),
                     key: parts[0] + "/" + parts[1], subresource: sub)
    }

    static let applyCases = [
        "ssa/conflict-one-field", "ssa/conflict-several-fields", "ssa/conflict-with-update-manager", "ssa/force-takes-ownership",
        "ssa/containers-merge-by-name", "ssa/ports-merge-key", "ssa/atomic-list-conflict", "ssa/drop-sole-owned-field",
        "ssa/update-takes-field-from-applier", "ssa/merge-patch-manager", "ssa/same-value-shared", "ssa/unchanged-reapply",
        "ssa/labels-map-granular", "ssa/env-merge-by-name", "ssa/volumes-merge-by-name", "ssa/wrong-type", "ssa/unknown-field",
        "ssa/yaml-1-1-scalars", "ssa/wrong-kind-for-resource", "ssa/missing-kind", "ssa/create-by-apply", "ssa/cluster-scoped",
        "ssa/force-on-merge-patch", "ssa/generation", "ssa/dry-run", "crd/map-list-merge", "crd/validation",
        "crd/custom-object-lifecycle", "crud/merge-patch", "crud/json-patch", "crud/create-get",
    ]

    /// The recording's normalisation of Go pointers in messages.
    static func normalised(_ message: String) -> String {
        message.replacingOccurrences(of: "0x[0-9a-f]{6,}", with: "<ptr>", options: .regularExpression)
    }

    @Test(arguments: applyCases)
    func replay(caseName: String) throws {
        let recorded = try Fixtures.loadCase(caseName)
        var live: [String: JSONValue] = [:]
        var plurals: [String: String] = [:]
        var customTypes: [GroupVersionKind: ObjectType] = [:]
        for (index, step) in (recorded["steps"].arrayValue ?? []).enumerated() {
            let request = step["request"], response = step["response"]
            guard let method = request["method"].stringValue, var path = request["path"].stringValue else { continue }
            if method == "POST", path.hasSuffix("/customresourcedefinitions"), Int(response["status"].intValue ?? 0) == 201 {
                let spec = request["body"]["spec"]
                let group = spec["group"].stringValue ?? ""
                plurals[spec["names"]["plural"].stringValue ?? ""] = spec["names"]["kind"].stringValue ?? ""
                for version in spec["versions"].arrayValue ?? [] {
                    let gvk = GroupVersionKind(group: group, version: version["name"].stringValue ?? "", kind: spec["names"]["kind"].stringValue ?? "")
                    customTypes[gvk] = Fixtures.catalog.customResourceType(openAPIV3Schema: version["schema"]["openAPIV3Schema"])
                }
                continue
            }
            if method == "POST", let name = response["body"]["metadata"]["name"].stringValue { path += "/" + name }
            guard let write = Self.parse(path: path, plurals: plurals) else { continue }
            let status = Int(response["status"].intValue ?? 0)
            let manager = request["query"]["fieldManager"].stringValue ?? "conformance-runner"
            let type = customTypes[write.gvk] ?? Fixtures.catalog.objectTypeOrDeduced(for: write.gvk)
            let contentType = request["contentType"].stringValue ?? ""
            let label = "\(caseName) step \(index) \(method) \(path)"
            let dryRun = request["query"]["dryRun"].stringValue != nil
            if method == "GET" || method == "DELETE" {
                if status == 200, method == "GET" { live[write.key] = response["body"] }
                continue
            }
            guard method == "PATCH" || method == "PUT" else {
                if status < 300 { live[write.key] = response["body"] }
                continue
            }
            let old = live[write.key].map(KubeObject.init)
            let ignored = write.subresource == "status" ? ResetFields.statusSubresource : ResetFields.mainResourceWithStatus
            let result: Result<KubeObject, StructuredMergeError>
            if contentType == "application/apply-patch+yaml" {
                guard let text = request["body"].stringValue, let body = try? YAML.parse(text) else { continue }
                let force = request["query"]["force"].stringValue == "true"
                result = Result { () throws(StructuredMergeError) -> KubeObject in
                    try FieldManager.apply(live: old, config: KubeObject(body), manager: manager, force: force, type: type,
                                           kind: write.gvk, now: "<time>", subresource: write.subresource,
                                           ignoredFields: ignored).object
                }
            } else if contentType == "application/merge-patch+json", let old {
                if request["query"]["force"].stringValue != nil { continue }
                let patched = try JSONMergePatch.apply(request["body"], to: old.body)
                result = Result { () throws(StructuredMergeError) -> KubeObject in
                    try FieldManager.update(old: old, new: KubeObject(patched), manager: manager, type: type, kind: write.gvk, now: "<time>",
                                            subresource: write.subresource, ignoredFields: ignored)
                }
            } else if method == "PUT" {
                var body = request["body"]
                if let old { body["metadata"]["namespace"] = old.metadata["namespace"] }
                result = Result { () throws(StructuredMergeError) -> KubeObject in
                    try FieldManager.update(old: old, new: KubeObject(body), manager: manager, type: type, kind: write.gvk, now: "<time>",
                                            subresource: write.subresource, ignoredFields: ignored)
                }
            } else { continue }

            switch result {
            case .success(let object):
                if status == 200 || status == 201 {
                    #expect(Fixtures.entries(object.body) == Fixtures.entries(response["body"]), "\(label)")
                    if write.gvk.kind == "ConfigMap" {
                        #expect(object.body["data"] == response["body"]["data"], "\(label)")
                        #expect(object.body["metadata"]["labels"] == response["body"]["metadata"]["labels"], "\(label)")
                    }
                    if !dryRun { live[write.key] = response["body"] }
                } else if status == 422 || status == 400 && response["body"]["message"].stringValue?.contains("YAML") == true {
                    continue // validation and YAML answers belong to the server, not to the merge
                } else {
                    Issue.record("\(label): expected \(status) \(response["body"]["message"]), got success")
                }
            case .failure(let error):
                if status == 422 { continue }
                #expect(error.code == status, "\(label): \(error)")
                #expect(Self.normalised(error.message) == response["body"]["message"].stringValue, "\(label)")
                let expectedCauses = Set((response["body"]["details"]["causes"].arrayValue ?? []).map { $0.jsonString() })
                let causes = Set(error.status.json["details"]["causes"].arrayValue?.map { $0.jsonString() } ?? [])
                #expect(causes == expectedCauses, "\(label)")
            }
        }
    }
}

extension ConformanceReplayTests {
    /// Every ConfigMap created by POST in the recording: the creator owns what it sent.
    @Test func createsOwnWhatTheySent() throws {
        var checked = 0
        let files = FileManager.default.enumerator(at: Fixtures.casesURL, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "json" } ?? []
        for file in files {
            let recorded = try JSONValue.parse([UInt8](Data(contentsOf: file)))
            for step in recorded["steps"].arrayValue ?? [] {
                let request = step["request"], response = step["response"]
                let kinds = ["ConfigMap", "Event", "CustomResourceDefinition"]
                guard request["method"] == "POST", response["status"] == 201, let kind = request["body"]["kind"].stringValue,
                      kinds.contains(kind), request["query"]["dryRun"].isNull else { continue }
                // The object as the field manager sees it: the request with the server's defaults, without its status.
                var body = response["body"]
                _ = body.removeValue(forKey: "status")
                let manager = request["query"]["fieldManager"].stringValue ?? "conformance-runner"
                let apiVersion = request["body"]["apiVersion"].stringValue ?? ""
                let created = try FieldManager.update(old: nil, new: KubeObject(body), manager: manager, type: Fixtures.type(apiVersion, kind),
                                                      kind: GroupVersionKind(apiVersion: apiVersion, kind: kind), now: "<time>",
                                                      ignoredFields: ResetFields.mainResourceWithStatus)
                #expect(Fixtures.entries(created.body) == Fixtures.entries(response["body"]), "\(file.lastPathComponent)")
                checked += 1
            }
        }
        #expect(checked > 5)
    }
}
